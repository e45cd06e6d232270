// devlink collector: devlink instances, their ports, device information and health reporters,
// from one dump of each kind per scrape.

import {
  dumpDevices,
  dumpHealthReporters,
  dumpInfo,
  dumpPorts,
} from '../families/devlink/client.js';
import {
  DEVLINK_GENL_NAME,
  PORT_FLAVOUR_NAMES,
  PORT_TYPE_NAMES,
} from '../families/devlink/constants.js';
import type {
  DevlinkDevice,
  DevlinkInfo,
  DevlinkPort,
  HealthReporter,
} from '../families/devlink/parse.js';
import { resolveFamily } from '../genl/family.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_GENERIC } from '../netlink/constants.js';
import { isUnavailable } from '../netlink/errors.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const REPORTER = ['bus', 'device', 'reporter', 'port'];
const HEALTH = 'DEVLINK_CMD_HEALTH_REPORTER_GET DEVLINK_ATTR_HEALTH_REPORTER';

const D = {
  devices: {
    name: 'nft_devlink_devices',
    type: 'gauge',
    help: 'Number of devlink devices (instances) in the namespace.',
    labels: [],
    source: 'DEVLINK_CMD_GET',
  },
  ports: {
    name: 'nft_devlink_ports',
    type: 'gauge',
    help: 'Number of devlink ports per device.',
    labels: ['bus', 'device'],
    source: 'DEVLINK_CMD_PORT_GET',
  },
  portInfo: {
    name: 'nft_devlink_port_info',
    type: 'gauge',
    help: 'Devlink port attributes as labels, value 1: type (eth, ib ...), flavour (physical, cpu, pcivf ...), physical port number and netdev name.',
    labels: ['bus', 'device', 'port', 'type', 'flavour', 'number', 'netdev'],
    source: 'DEVLINK_CMD_PORT_GET DEVLINK_ATTR_PORT_TYPE, _FLAVOUR, _NUMBER, _NETDEV_NAME',
  },
  deviceInfo: {
    name: 'nft_devlink_device_info',
    type: 'gauge',
    help: 'Devlink device information as labels, value 1: driver name, serial number and board serial number.',
    labels: ['bus', 'device', 'driver', 'serial_number', 'board_serial_number'],
    source:
      'DEVLINK_CMD_INFO_GET DEVLINK_ATTR_INFO_DRIVER_NAME, _SERIAL_NUMBER, _BOARD_SERIAL_NUMBER',
  },
  versionInfo: {
    name: 'nft_devlink_device_version_info',
    type: 'gauge',
    help: 'Devlink device component versions as labels, value 1: kind (fixed, running, stored), component name and version.',
    labels: ['bus', 'device', 'kind', 'component', 'version'],
    source: 'DEVLINK_CMD_INFO_GET DEVLINK_ATTR_INFO_VERSION_{FIXED,RUNNING,STORED}',
  },
  reporterState: {
    name: 'nft_devlink_health_reporter_state',
    type: 'gauge',
    help: 'Devlink health reporter state: 0 healthy, 1 error. The port label is empty for device reporters.',
    labels: REPORTER,
    source: `${HEALTH}_STATE`,
  },
  reporterErrors: {
    name: 'nft_devlink_health_reporter_error_total',
    type: 'counter',
    help: 'Errors the devlink health reporter has reported, in events.',
    labels: REPORTER,
    source: `${HEALTH}_ERR_COUNT`,
  },
  reporterRecoveries: {
    name: 'nft_devlink_health_reporter_recover_total',
    type: 'counter',
    help: 'Successful recoveries after errors of the devlink health reporter, in events.',
    labels: REPORTER,
    source: `${HEALTH}_RECOVER_COUNT`,
  },
  reporterDump: {
    name: 'nft_devlink_health_reporter_dump_timestamp_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Time of the error dump the devlink health reporter keeps (taken at an error), in seconds since the epoch; absent when it keeps none.',
    labels: REPORTER,
    source: `${HEALTH}_DUMP_TS_NS`,
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Everything one scrape reads from the devlink family. */
export interface DevlinkSnapshot {
  readonly devices: readonly DevlinkDevice[];
  readonly ports: readonly DevlinkPort[];
  readonly info: readonly DevlinkInfo[];
  readonly reporters: readonly HealthReporter[];
}

function optional(
  value: number | string | undefined,
  names?: Readonly<Record<number, string>>,
): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return names?.[value] ?? String(value);
}

/** Builds the families of one scrape from a snapshot. */
export function devlinkFamilies(snap: DevlinkSnapshot): MetricFamily[] {
  const devices = family(D.devices);
  addSample(devices, snap.devices.length);

  const ports = family(D.ports);
  const perDevice = new Map<string, number>(snap.devices.map((d) => [`${d.bus}/${d.device}`, 0]));
  for (const port of snap.ports) {
    const key = `${port.bus}/${port.device}`;
    perDevice.set(key, (perDevice.get(key) ?? 0) + 1);
  }
  for (const [key, count] of perDevice) {
    const slash = key.indexOf('/');
    addSample(ports, count, key.slice(0, slash), key.slice(slash + 1));
  }

  const portInfo = family(D.portInfo);
  for (const port of snap.ports) {
    addSample(
      portInfo,
      1,
      port.bus,
      port.device,
      String(port.index),
      optional(port.type, PORT_TYPE_NAMES),
      optional(port.flavour, PORT_FLAVOUR_NAMES),
      optional(port.number),
      optional(port.netdev),
    );
  }

  const deviceInfo = family(D.deviceInfo);
  const versionInfo = family(D.versionInfo);
  for (const info of snap.info) {
    addSample(
      deviceInfo,
      1,
      info.bus,
      info.device,
      info.driver,
      info.serialNumber,
      info.boardSerialNumber,
    );
    for (const version of info.versions) {
      addSample(versionInfo, 1, info.bus, info.device, version.kind, version.name, version.value);
    }
  }

  const state = family(D.reporterState);
  const errors = family(D.reporterErrors);
  const recoveries = family(D.reporterRecoveries);
  const dumped = family(D.reporterDump);
  for (const r of snap.reporters) {
    const labels = [r.bus, r.device, r.name, optional(r.port)];
    addSample(state, r.state, ...labels);
    addSample(errors, r.errors, ...labels);
    addSample(recoveries, r.recoveries, ...labels);
    if (r.dumpTimestampNs !== undefined)
      addSample(dumped, Number(r.dumpTimestampNs) / 1e9, ...labels);
  }
  return [devices, ports, portInfo, deviceInfo, versionInfo, state, errors, recoveries, dumped];
}

async function readSnapshot(ctx: CollectContext): Promise<DevlinkSnapshot> {
  return withSocket(ctx, NETLINK_GENERIC, async (socket) => {
    const opts = dumpOptions(ctx);
    const resolved = await resolveFamily(socket, DEVLINK_GENL_NAME, ctx.netns ?? '', opts);
    if (resolved.kind === 'unavailable') return { devices: [], ports: [], info: [], reporters: [] };
    const genl = resolved.family;
    const devices = await dumpDevices(socket, genl, opts);
    const ports = await dumpPorts(socket, genl, opts);
    const info = await dumpInfo(socket, genl, opts);
    // A kernel without devlink health reporting rejects the command with EOPNOTSUPP.
    const reporters = await dumpHealthReporters(socket, genl, opts).catch((err: unknown) => {
      if (isUnavailable(err)) return { items: [], restarts: 0 };
      throw err;
    });
    ctx.stats.addDumpRestarts(
      devices.restarts + ports.restarts + info.restarts + reporters.restarts,
    );
    return {
      devices: devices.items,
      ports: ports.items,
      info: info.items,
      reporters: reporters.items,
    };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    const resolved = await withSocket(ctx, NETLINK_GENERIC, (socket) =>
      resolveFamily(socket, DEVLINK_GENL_NAME, ctx.netns ?? '', dumpOptions(ctx)),
    );
    if (resolved.kind === 'unavailable') return { kind: 'unavailable', reason: resolved.reason };
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'devlink generic netlink family lookup');
  }
}

/** The devlink collector. */
export const devlinkCollector = registerCollector({
  name: 'devlink',
  descriptors: Object.values(D),
  interfaceScoped: false,
  probe,
  collect: async (ctx) => devlinkFamilies(await readSnapshot(ctx)),
});
