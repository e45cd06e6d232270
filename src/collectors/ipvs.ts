// ipvs collector: IPVS virtual services and their real servers with 64-bit statistics, from
// one GET_SERVICE dump and one GET_DEST dump per service, both capped by configuration.

import { dumpDestinations, dumpServices, type IpvsDump } from '../families/ipvs/client.js';
import {
  AF_INET6,
  FORWARD_NAMES,
  IP_VS_CONN_F_FWD_MASK,
  IPVS_GENL_NAME,
  PROTOCOL_NAMES,
} from '../families/ipvs/constants.js';
import type { IpvsDestination, IpvsService, IpvsStats } from '../families/ipvs/parse.js';
import { type GenlFamily, resolveFamily } from '../genl/family.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_GENERIC } from '../netlink/constants.js';
import { KernelError } from '../netlink/errors.js';
import type { NetlinkSocket } from '../netlink/socket.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const SERVICE = ['family', 'proto', 'vip', 'port'];
const DEST = [...SERVICE, 'rip', 'rport'];
const SVC_STATS = 'IPVS_CMD_GET_SERVICE IPVS_SVC_ATTR_STATS64';
const DEST_STATS = 'IPVS_CMD_GET_DEST IPVS_DEST_ATTR_STATS64';

function stat(
  name: string,
  type: 'counter' | 'gauge',
  help: string,
  labels: readonly string[],
  source: string,
): MetricDescriptor {
  return {
    name,
    type,
    help,
    labels,
    source,
    ...(name.endsWith('_bytes_total') ? { unit: 'bytes' } : {}),
  };
}

/** Per-service families and the statistic each reads. */
const SERVICE_STATS: readonly (readonly [MetricDescriptor, (s: IpvsStats) => bigint | number])[] = [
  [
    stat(
      'nft_ipvs_connections_total',
      'counter',
      'IPVS virtual service connections scheduled, in connections.',
      SERVICE,
      `${SVC_STATS}.CONNS`,
    ),
    (s) => s.connections,
  ],
  [
    stat(
      'nft_ipvs_incoming_packets_total',
      'counter',
      'IPVS virtual service incoming packets.',
      SERVICE,
      `${SVC_STATS}.INPKTS`,
    ),
    (s) => s.inPackets,
  ],
  [
    stat(
      'nft_ipvs_outgoing_packets_total',
      'counter',
      'IPVS virtual service outgoing packets.',
      SERVICE,
      `${SVC_STATS}.OUTPKTS`,
    ),
    (s) => s.outPackets,
  ],
  [
    stat(
      'nft_ipvs_incoming_bytes_total',
      'counter',
      'IPVS virtual service incoming bytes.',
      SERVICE,
      `${SVC_STATS}.INBYTES`,
    ),
    (s) => s.inBytes,
  ],
  [
    stat(
      'nft_ipvs_outgoing_bytes_total',
      'counter',
      'IPVS virtual service outgoing bytes.',
      SERVICE,
      `${SVC_STATS}.OUTBYTES`,
    ),
    (s) => s.outBytes,
  ],
  [
    stat(
      'nft_ipvs_connections_rate',
      'gauge',
      "IPVS virtual service connections per second, the kernel estimator's moving average.",
      SERVICE,
      `${SVC_STATS}.CPS`,
    ),
    (s) => s.connectionsPerSecond,
  ],
  [
    stat(
      'nft_ipvs_incoming_packets_rate',
      'gauge',
      "IPVS virtual service incoming packets per second, the kernel estimator's moving average.",
      SERVICE,
      `${SVC_STATS}.INPPS`,
    ),
    (s) => s.inPacketsPerSecond,
  ],
  [
    stat(
      'nft_ipvs_outgoing_packets_rate',
      'gauge',
      "IPVS virtual service outgoing packets per second, the kernel estimator's moving average.",
      SERVICE,
      `${SVC_STATS}.OUTPPS`,
    ),
    (s) => s.outPacketsPerSecond,
  ],
  [
    stat(
      'nft_ipvs_incoming_bytes_rate',
      'gauge',
      "IPVS virtual service incoming bytes per second, the kernel estimator's moving average.",
      SERVICE,
      `${SVC_STATS}.INBPS`,
    ),
    (s) => s.inBytesPerSecond,
  ],
  [
    stat(
      'nft_ipvs_outgoing_bytes_rate',
      'gauge',
      "IPVS virtual service outgoing bytes per second, the kernel estimator's moving average.",
      SERVICE,
      `${SVC_STATS}.OUTBPS`,
    ),
    (s) => s.outBytesPerSecond,
  ],
];

/** Per-destination families and the value each reads. */
const DEST_VALUES: readonly (readonly [
  MetricDescriptor,
  (d: IpvsDestination) => bigint | number,
])[] = [
  [
    stat(
      'nft_ipvs_dest_weight',
      'gauge',
      'IPVS real server configured weight.',
      DEST,
      'IPVS_CMD_GET_DEST IPVS_DEST_ATTR_WEIGHT',
    ),
    (d) => d.weight,
  ],
  [
    stat(
      'nft_ipvs_dest_active_connections',
      'gauge',
      'IPVS real server active connections, in connections.',
      DEST,
      'IPVS_CMD_GET_DEST IPVS_DEST_ATTR_ACTIVE_CONNS',
    ),
    (d) => d.activeConnections,
  ],
  [
    stat(
      'nft_ipvs_dest_inactive_connections',
      'gauge',
      'IPVS real server inactive connections, in connections.',
      DEST,
      'IPVS_CMD_GET_DEST IPVS_DEST_ATTR_INACT_CONNS',
    ),
    (d) => d.inactiveConnections,
  ],
  [
    stat(
      'nft_ipvs_dest_persistent_connections',
      'gauge',
      'IPVS real server persistent connection templates, in connections.',
      DEST,
      'IPVS_CMD_GET_DEST IPVS_DEST_ATTR_PERSIST_CONNS',
    ),
    (d) => d.persistentConnections,
  ],
  [
    stat(
      'nft_ipvs_dest_connections_total',
      'counter',
      'IPVS real server connections scheduled, in connections.',
      DEST,
      `${DEST_STATS}.CONNS`,
    ),
    (d) => d.stats.connections,
  ],
  [
    stat(
      'nft_ipvs_dest_incoming_packets_total',
      'counter',
      'IPVS real server incoming packets.',
      DEST,
      `${DEST_STATS}.INPKTS`,
    ),
    (d) => d.stats.inPackets,
  ],
  [
    stat(
      'nft_ipvs_dest_outgoing_packets_total',
      'counter',
      'IPVS real server outgoing packets.',
      DEST,
      `${DEST_STATS}.OUTPKTS`,
    ),
    (d) => d.stats.outPackets,
  ],
  [
    stat(
      'nft_ipvs_dest_incoming_bytes_total',
      'counter',
      'IPVS real server incoming bytes.',
      DEST,
      `${DEST_STATS}.INBYTES`,
    ),
    (d) => d.stats.inBytes,
  ],
  [
    stat(
      'nft_ipvs_dest_outgoing_bytes_total',
      'counter',
      'IPVS real server outgoing bytes.',
      DEST,
      `${DEST_STATS}.OUTBYTES`,
    ),
    (d) => d.stats.outBytes,
  ],
];

const D = {
  serviceInfo: {
    name: 'nft_ipvs_service_info',
    type: 'gauge',
    help: 'IPVS virtual service scheduler as a label, value 1.',
    labels: [...SERVICE, 'scheduler'],
    source: 'IPVS_CMD_GET_SERVICE IPVS_SVC_ATTR_SCHED_NAME',
  },
  destInfo: {
    name: 'nft_ipvs_dest_info',
    type: 'gauge',
    help: 'IPVS real server forwarding method (masq, local, tunnel, route, bypass) as a label, value 1.',
    labels: [...DEST, 'forward'],
    source: 'IPVS_CMD_GET_DEST IPVS_DEST_ATTR_FWD_METHOD',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** One service with its destinations; `destinations` is empty when they were not read. */
export interface ServiceEntry {
  readonly service: IpvsService;
  readonly destinations: readonly IpvsDestination[];
}

/** Everything one scrape reads, after the caps, and what the caps left out. */
export interface IpvsSnapshot {
  readonly services: readonly ServiceEntry[];
  readonly droppedServices: number;
  readonly droppedDestinations: number;
}

/** Returns the `family`, `proto`, `vip` and `port` label values of a service. */
export function serviceLabels(service: IpvsService): string[] {
  const af = service.family === AF_INET6 ? 'inet6' : 'inet';
  // NB: a fwmark service has no protocol, address or port; its mark, in hex as ipvsadm
  // prints it, takes the port label.
  if (service.fwmark !== 0) return [af, '', '', `0x${service.fwmark.toString(16)}`];
  return [
    af,
    PROTOCOL_NAMES[service.protocol] ?? String(service.protocol),
    service.address,
    String(service.port),
  ];
}

/** Builds the families of one scrape; without `withDestinations` only per-service ones. */
export function ipvsFamilies(snap: IpvsSnapshot, withDestinations: boolean): MetricFamily[] {
  const serviceFamilies = SERVICE_STATS.map(([desc, read]) => ({ fam: family(desc), read }));
  const destFamilies = DEST_VALUES.map(([desc, read]) => ({ fam: family(desc), read }));
  const serviceInfo = family(D.serviceInfo);
  const destInfo = family(D.destInfo);
  for (const { service, destinations } of snap.services) {
    const labels = serviceLabels(service);
    for (const { fam, read } of serviceFamilies) addSample(fam, read(service.stats), ...labels);
    addSample(serviceInfo, 1, ...labels, service.scheduler);
    if (!withDestinations) continue;
    for (const dest of destinations) {
      const destLabels = [...labels, dest.address, String(dest.port)];
      for (const { fam, read } of destFamilies) addSample(fam, read(dest), ...destLabels);
      const forward = dest.forward & IP_VS_CONN_F_FWD_MASK;
      addSample(destInfo, 1, ...destLabels, FORWARD_NAMES[forward] ?? String(forward));
    }
  }
  const services = [...serviceFamilies.map((f) => f.fam), serviceInfo];
  return withDestinations ? [...services, ...destFamilies.map((f) => f.fam), destInfo] : services;
}

/** Dumps a service's destinations; undefined when the service was deleted meanwhile (ESRCH). */
async function destinationsOf(
  socket: NetlinkSocket,
  genl: GenlFamily,
  service: IpvsService,
  opts: ReturnType<typeof dumpOptions>,
): Promise<IpvsDump<IpvsDestination> | undefined> {
  try {
    return await dumpDestinations(socket, genl, service, opts);
  } catch (err) {
    if (err instanceof KernelError && err.errnoName === 'ESRCH') return undefined;
    throw err;
  }
}

async function readSnapshot(ctx: CollectContext): Promise<IpvsSnapshot> {
  const { maxServices, maxDestinations, servicesOnly } = ctx.config.ipvs;
  return withSocket(ctx, NETLINK_GENERIC, async (socket) => {
    const opts = dumpOptions(ctx);
    const resolved = await resolveFamily(socket, IPVS_GENL_NAME, ctx.netns ?? '', opts);
    if (resolved.kind === 'unavailable')
      return { services: [], droppedServices: 0, droppedDestinations: 0 };
    const dump = await dumpServices(socket, resolved.family, opts);
    let restarts = dump.restarts;
    const kept = dump.items.slice(0, maxServices);
    const services: ServiceEntry[] = [];
    let destinations = 0;
    let droppedDestinations = 0;
    for (const service of kept) {
      if (servicesOnly) {
        services.push({ service, destinations: [] });
        continue;
      }
      const dests = await destinationsOf(socket, resolved.family, service, opts);
      if (dests === undefined) continue;
      restarts += dests.restarts;
      const room = Math.max(0, maxDestinations - destinations);
      const keptDests = dests.items.slice(0, room);
      destinations += keptDests.length;
      droppedDestinations += dests.items.length - keptDests.length;
      services.push({ service, destinations: keptDests });
    }
    ctx.stats.addDumpRestarts(restarts);
    return { services, droppedServices: dump.items.length - kept.length, droppedDestinations };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    const resolved = await withSocket(ctx, NETLINK_GENERIC, (socket) =>
      resolveFamily(socket, IPVS_GENL_NAME, ctx.netns ?? '', dumpOptions(ctx)),
    );
    if (resolved.kind === 'unavailable') return { kind: 'unavailable', reason: resolved.reason };
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'IPVS generic netlink family lookup');
  }
}

async function collect(ctx: CollectContext): Promise<MetricFamily[]> {
  const snap = await readSnapshot(ctx);
  ctx.stats.addCapDropped('ipvs_services', snap.droppedServices);
  ctx.stats.addCapDropped('ipvs_destinations', snap.droppedDestinations);
  return ipvsFamilies(snap, !ctx.config.ipvs.servicesOnly);
}

/** The ipvs collector. */
export const ipvsCollector = registerCollector({
  name: 'ipvs',
  descriptors: [
    ...SERVICE_STATS.map(([desc]) => desc),
    D.serviceInfo,
    ...DEST_VALUES.map(([desc]) => desc),
    D.destInfo,
  ],
  interfaceScoped: false,
  probe,
  collect,
});
