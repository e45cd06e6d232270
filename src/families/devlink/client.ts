// Dumps of the devlink generic netlink family: devices, ports, device information and health
// reporters, each one dump over all devlink instances of the namespace.

import { type GenlFamily, genlHeader } from '../../genl/family.js';
import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import {
  DEVLINK_CMD_GET,
  DEVLINK_CMD_HEALTH_REPORTER_GET,
  DEVLINK_CMD_INFO_GET,
  DEVLINK_CMD_NEW,
  DEVLINK_CMD_PORT_GET,
  DEVLINK_CMD_PORT_NEW,
  DEVLINK_GENL_VERSION,
} from './constants.js';
import {
  type DevlinkDevice,
  type DevlinkInfo,
  type DevlinkPort,
  type HealthReporter,
  parseDevice,
  parseHealthReporter,
  parseInfo,
  parsePort,
} from './parse.js';

/** Options of a dump: deadline signal and restart limit. */
export type DevlinkOptions = Omit<RequestOptions, 'op'>;

/** Objects of one dump and the restarts it took (NLM_F_DUMP_INTR). */
export interface DevlinkDump<T> {
  readonly items: readonly T[];
  readonly restarts: number;
}

async function dumpAll<T>(
  socket: NetlinkSocket,
  family: GenlFamily,
  cmd: number,
  replyCmds: readonly number[],
  op: string,
  parse: (buf: Buffer, start: number, end: number) => T,
  opts: DevlinkOptions,
): Promise<DevlinkDump<T>> {
  const reply = await socket.dump(family.id, genlHeader(cmd, DEVLINK_GENL_VERSION), undefined, {
    ...opts,
    op,
  });
  const items: T[] = [];
  forEachMessage(reply.datagrams, (buf, type, _flags, start, end) => {
    if (type === family.id && end > start && replyCmds.includes(buf[start]!)) {
      items.push(parse(buf, start, end));
    }
  });
  return { items, restarts: reply.restarts };
}

/** Dumps every devlink instance (DEVLINK_CMD_GET). Rejects with the netlink layer's errors. */
export function dumpDevices(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: DevlinkOptions = {},
): Promise<DevlinkDump<DevlinkDevice>> {
  return dumpAll(
    socket,
    family,
    DEVLINK_CMD_GET,
    [DEVLINK_CMD_NEW],
    'dump devlink GET',
    parseDevice,
    opts,
  );
}

/** Dumps every port of every instance (DEVLINK_CMD_PORT_GET). */
export function dumpPorts(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: DevlinkOptions = {},
): Promise<DevlinkDump<DevlinkPort>> {
  // NB: Linux 6.1 replies to a port dump with DEVLINK_CMD_NEW messages, later kernels with
  // DEVLINK_CMD_PORT_NEW.
  return dumpAll(
    socket,
    family,
    DEVLINK_CMD_PORT_GET,
    [DEVLINK_CMD_PORT_NEW, DEVLINK_CMD_NEW],
    'dump devlink PORT_GET',
    parsePort,
    opts,
  );
}

/** Dumps the driver, serial number and versions of every instance (DEVLINK_CMD_INFO_GET). */
export function dumpInfo(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: DevlinkOptions = {},
): Promise<DevlinkDump<DevlinkInfo>> {
  return dumpAll(
    socket,
    family,
    DEVLINK_CMD_INFO_GET,
    [DEVLINK_CMD_INFO_GET],
    'dump devlink INFO_GET',
    parseInfo,
    opts,
  );
}

/** Dumps every device and port health reporter (DEVLINK_CMD_HEALTH_REPORTER_GET). */
export function dumpHealthReporters(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: DevlinkOptions = {},
): Promise<DevlinkDump<HealthReporter>> {
  return dumpAll(
    socket,
    family,
    DEVLINK_CMD_HEALTH_REPORTER_GET,
    [DEVLINK_CMD_HEALTH_REPORTER_GET],
    'dump devlink HEALTH_REPORTER_GET',
    parseHealthReporter,
    opts,
  );
}
