// Requests of the ethtool generic netlink family. Every kind of data is one dump over all
// devices. When such a dump fails for a reason other than "not supported", the devices are
// asked one by one, so that one failing driver does not hide the others.

import { type GenlFamily, genlHeader } from '../../genl/family.js';
import { AttrBuilder } from '../../netlink/attr.js';
import {
  isForbidden,
  isUnavailable,
  KernelError,
  type NetlinkError,
} from '../../netlink/errors.js';
import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import {
  ETH_SS_STATS_STD,
  ETHTOOL_A_BITSET_NOMASK,
  ETHTOOL_A_BITSET_SIZE,
  ETHTOOL_A_BITSET_VALUE,
  ETHTOOL_A_FEC_HEADER,
  ETHTOOL_A_HEADER_DEV_INDEX,
  ETHTOOL_A_HEADER_FLAGS,
  ETHTOOL_A_LINKINFO_HEADER,
  ETHTOOL_A_LINKMODES_HEADER,
  ETHTOOL_A_LINKSTATE_HEADER,
  ETHTOOL_A_PAUSE_HEADER,
  ETHTOOL_A_STATS_GROUPS,
  ETHTOOL_A_STATS_HEADER,
  ETHTOOL_A_STRINGSET_ID,
  ETHTOOL_A_STRINGSETS_STRINGSET,
  ETHTOOL_A_STRSET_HEADER,
  ETHTOOL_A_STRSET_STRINGSETS,
  ETHTOOL_FLAG_COMPACT_BITSETS,
  ETHTOOL_FLAG_STATS,
  ETHTOOL_GENL_VERSION,
  ETHTOOL_MSG_FEC_GET,
  ETHTOOL_MSG_FEC_GET_REPLY,
  ETHTOOL_MSG_LINKINFO_GET,
  ETHTOOL_MSG_LINKINFO_GET_REPLY,
  ETHTOOL_MSG_LINKMODES_GET,
  ETHTOOL_MSG_LINKMODES_GET_REPLY,
  ETHTOOL_MSG_LINKSTATE_GET,
  ETHTOOL_MSG_LINKSTATE_GET_REPLY,
  ETHTOOL_MSG_PAUSE_GET,
  ETHTOOL_MSG_PAUSE_GET_REPLY,
  ETHTOOL_MSG_STATS_GET,
  ETHTOOL_MSG_STATS_GET_REPLY,
  ETHTOOL_MSG_STRSET_GET,
  ETHTOOL_MSG_STRSET_GET_REPLY,
} from './constants.js';
import {
  type DeviceHeader,
  type FecSnapshot,
  type LinkInfoSnapshot,
  type LinkModesSnapshot,
  type LinkStateSnapshot,
  type PauseSnapshot,
  parseFec,
  parseLinkInfo,
  parseLinkModes,
  parseLinkState,
  parsePause,
  parseStats,
  parseStringSets,
  type StatsSnapshot,
  type StringSet,
} from './parse.js';

/** Options of a request: deadline signal and restart limit. */
export type EthtoolOptions = Omit<RequestOptions, 'op'>;

/** Lists the devices to ask one by one after a dump failed. */
export type DeviceLister = () => Promise<readonly DeviceHeader[]>;

/** A device whose request failed with an error other than "not supported". */
export interface DeviceFailure {
  readonly device: DeviceHeader;
  /** Request kind: `stats`, `linkinfo`, `linkmodes`, `linkstate`, `pause` or `fec`. */
  readonly request: string;
  readonly error: NetlinkError;
}

/** Replies of one kind of request for all devices that support it. */
export interface DeviceReplies<T> {
  readonly items: readonly T[];
  readonly restarts: number;
  readonly failures: readonly DeviceFailure[];
}

interface RequestSpec<T> {
  readonly request: string;
  readonly cmd: number;
  readonly replyCmd: number;
  readonly headerAttr: number;
  readonly flags: number;
  readonly extra?: (attrs: AttrBuilder) => void;
  readonly parse: (buf: Buffer, start: number, end: number) => T;
}

function requestAttrs<T>(spec: RequestSpec<T>, deviceIndex?: number): Buffer {
  const attrs = new AttrBuilder().nested(spec.headerAttr, (header) => {
    if (deviceIndex !== undefined) header.u32(ETHTOOL_A_HEADER_DEV_INDEX, deviceIndex);
    header.u32(ETHTOOL_A_HEADER_FLAGS, spec.flags);
  });
  spec.extra?.(attrs);
  return attrs.toBuffer();
}

function collect<T>(family: GenlFamily, spec: RequestSpec<T>, datagrams: readonly Buffer[]): T[] {
  const items: T[] = [];
  forEachMessage(datagrams, (buf, type, _flags, start, end) => {
    if (type === family.id && end > start && buf[start] === spec.replyCmd) {
      items.push(spec.parse(buf, start, end));
    }
  });
  return items;
}

function isDeviceError(err: unknown): err is KernelError {
  return err instanceof KernelError && !isUnavailable(err) && !isForbidden(err);
}

/**
 * Reports whether the kernel rejected the request itself: strict attribute validation answers
 * EINVAL with the offset of the offending attribute, a driver failure carries no offset.
 */
function isRequestRejected(err: unknown): boolean {
  return err instanceof KernelError && err.errnoName === 'EINVAL' && err.extAckOffset !== undefined;
}

async function dumpDevices<T>(
  socket: NetlinkSocket,
  family: GenlFamily,
  spec: RequestSpec<T>,
  opts: EthtoolOptions,
  listDevices: DeviceLister,
): Promise<DeviceReplies<T>> {
  const header = genlHeader(spec.cmd, ETHTOOL_GENL_VERSION);
  const op = `dump ethtool ${spec.request}`;
  try {
    const reply = await socket.dump(family.id, header, requestAttrs(spec), { ...opts, op });
    return {
      items: collect(family, spec, reply.datagrams),
      restarts: reply.restarts,
      failures: [],
    };
  } catch (err) {
    // EOPNOTSUPP here means that the kernel lacks the command (older kernels lack STATS_GET).
    if (isUnavailable(err)) return { items: [], restarts: 0, failures: [] };
    // NB: Linux 6.1 rejects ETHTOOL_FLAG_STATS in LINKSTATE requests ("reserved bit set"),
    // so the request is repeated without it and yields no statistics.
    if (isRequestRejected(err) && (spec.flags & ETHTOOL_FLAG_STATS) !== 0) {
      const withoutStats = { ...spec, flags: spec.flags & ~ETHTOOL_FLAG_STATS };
      return dumpDevices(socket, family, withoutStats, opts, listDevices);
    }
    if (!isDeviceError(err)) throw err;
  }
  // NB: a dump stops at the first device whose driver fails with anything but EOPNOTSUPP,
  // so the devices are asked one by one to keep the others' data.
  const items: T[] = [];
  const failures: DeviceFailure[] = [];
  for (const device of await listDevices()) {
    try {
      const reply = await socket.request(family.id, 0, header, requestAttrs(spec, device.index), {
        ...opts,
        op: `get ethtool ${spec.request} ${device.name}`,
      });
      items.push(...collect(family, spec, reply.datagrams));
    } catch (err) {
      if (isDeviceError(err)) failures.push({ device, request: spec.request, error: err });
      else if (!isUnavailable(err)) throw err;
    }
  }
  return { items, restarts: 0, failures };
}

/**
 * Reads the global string sets `ids` (ETH_SS_*) with one ETHTOOL_MSG_STRSET_GET. A set the
 * kernel does not know is missing from the result. Rejects with the netlink layer's errors.
 */
export async function readStringSets(
  socket: NetlinkSocket,
  family: GenlFamily,
  ids: readonly number[],
  opts: EthtoolOptions = {},
): Promise<StringSet[]> {
  // NB: Linux 6.18 rejects a request without a header nest with EINVAL, but it accepts a
  // header without a device.
  const attrs = new AttrBuilder()
    .nested(ETHTOOL_A_STRSET_HEADER, (header) => header.u32(ETHTOOL_A_HEADER_FLAGS, 0))
    .nested(ETHTOOL_A_STRSET_STRINGSETS, (sets) => {
      for (const id of ids) {
        sets.nested(ETHTOOL_A_STRINGSETS_STRINGSET, (set) => set.u32(ETHTOOL_A_STRINGSET_ID, id));
      }
    })
    .toBuffer();
  const reply = await socket.request(
    family.id,
    0,
    genlHeader(ETHTOOL_MSG_STRSET_GET, ETHTOOL_GENL_VERSION),
    attrs,
    { ...opts, op: 'get ethtool strset' },
  );
  const sets: StringSet[] = [];
  forEachMessage(reply.datagrams, (buf, type, _flags, start, end) => {
    if (type === family.id && end > start && buf[start] === ETHTOOL_MSG_STRSET_GET_REPLY) {
      sets.push(...parseStringSets(buf, start, end));
    }
  });
  return sets;
}

/** Reads the names of the standard statistics groups (ETH_SS_STATS_STD), by group id. */
export async function readGroupNames(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: EthtoolOptions = {},
): Promise<readonly string[]> {
  const sets = await readStringSets(socket, family, [ETH_SS_STATS_STD], opts);
  return sets.find((set) => set.id === ETH_SS_STATS_STD)?.strings ?? [];
}

/** Builds the compact bit set that selects groups 0 .. count-1. */
function allGroups(count: number): (attrs: AttrBuilder) => void {
  const words = new Uint32Array(Math.ceil(count / 32));
  for (let word = 0; word < words.length; word++) {
    const bits = Math.min(32, count - word * 32);
    words[word] = bits === 32 ? 0xffff_ffff : (1 << bits) - 1;
  }
  return (attrs) =>
    attrs.nested(ETHTOOL_A_STATS_GROUPS, (bitset) => {
      bitset.flag(ETHTOOL_A_BITSET_NOMASK);
      bitset.u32(ETHTOOL_A_BITSET_SIZE, count);
      bitset.bytes(ETHTOOL_A_BITSET_VALUE, new Uint8Array(words.buffer));
    });
}

/**
 * Dumps the standard statistics of every device, asking for groups 0 .. groupCount-1 (the
 * size of ETH_SS_STATS_STD, so every group the kernel offers). Rejects with the netlink
 * layer's errors; per-device failures are returned, not thrown.
 */
export function dumpStats(
  socket: NetlinkSocket,
  family: GenlFamily,
  groupCount: number,
  opts: EthtoolOptions,
  listDevices: DeviceLister,
): Promise<DeviceReplies<StatsSnapshot>> {
  const spec: RequestSpec<StatsSnapshot> = {
    request: 'stats',
    cmd: ETHTOOL_MSG_STATS_GET,
    replyCmd: ETHTOOL_MSG_STATS_GET_REPLY,
    headerAttr: ETHTOOL_A_STATS_HEADER,
    flags: ETHTOOL_FLAG_COMPACT_BITSETS,
    extra: allGroups(groupCount),
    parse: parseStats,
  };
  return dumpDevices(socket, family, spec, opts, listDevices);
}

/** Dumps the connector type of every device (ETHTOOL_MSG_LINKINFO_GET). */
export function dumpLinkInfo(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: EthtoolOptions,
  listDevices: DeviceLister,
): Promise<DeviceReplies<LinkInfoSnapshot>> {
  const spec: RequestSpec<LinkInfoSnapshot> = {
    request: 'linkinfo',
    cmd: ETHTOOL_MSG_LINKINFO_GET,
    replyCmd: ETHTOOL_MSG_LINKINFO_GET_REPLY,
    headerAttr: ETHTOOL_A_LINKINFO_HEADER,
    flags: ETHTOOL_FLAG_COMPACT_BITSETS,
    parse: parseLinkInfo,
  };
  return dumpDevices(socket, family, spec, opts, listDevices);
}

/** Dumps speed, duplex and autonegotiation of every device (ETHTOOL_MSG_LINKMODES_GET). */
export function dumpLinkModes(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: EthtoolOptions,
  listDevices: DeviceLister,
): Promise<DeviceReplies<LinkModesSnapshot>> {
  const spec: RequestSpec<LinkModesSnapshot> = {
    request: 'linkmodes',
    cmd: ETHTOOL_MSG_LINKMODES_GET,
    replyCmd: ETHTOOL_MSG_LINKMODES_GET_REPLY,
    headerAttr: ETHTOOL_A_LINKMODES_HEADER,
    flags: ETHTOOL_FLAG_COMPACT_BITSETS,
    parse: parseLinkModes,
  };
  return dumpDevices(socket, family, spec, opts, listDevices);
}

/** Dumps link detection, extended state and link-down events (ETHTOOL_MSG_LINKSTATE_GET). */
export function dumpLinkState(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: EthtoolOptions,
  listDevices: DeviceLister,
): Promise<DeviceReplies<LinkStateSnapshot>> {
  const spec: RequestSpec<LinkStateSnapshot> = {
    request: 'linkstate',
    cmd: ETHTOOL_MSG_LINKSTATE_GET,
    replyCmd: ETHTOOL_MSG_LINKSTATE_GET_REPLY,
    headerAttr: ETHTOOL_A_LINKSTATE_HEADER,
    flags: ETHTOOL_FLAG_COMPACT_BITSETS | ETHTOOL_FLAG_STATS,
    parse: parseLinkState,
  };
  return dumpDevices(socket, family, spec, opts, listDevices);
}

/** Dumps the pause frame counters of every device (ETHTOOL_MSG_PAUSE_GET with statistics). */
export function dumpPause(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: EthtoolOptions,
  listDevices: DeviceLister,
): Promise<DeviceReplies<PauseSnapshot>> {
  const spec: RequestSpec<PauseSnapshot> = {
    request: 'pause',
    cmd: ETHTOOL_MSG_PAUSE_GET,
    replyCmd: ETHTOOL_MSG_PAUSE_GET_REPLY,
    headerAttr: ETHTOOL_A_PAUSE_HEADER,
    flags: ETHTOOL_FLAG_COMPACT_BITSETS | ETHTOOL_FLAG_STATS,
    parse: parsePause,
  };
  return dumpDevices(socket, family, spec, opts, listDevices);
}

/** Dumps the FEC counters of every device (ETHTOOL_MSG_FEC_GET with statistics). */
export function dumpFec(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: EthtoolOptions,
  listDevices: DeviceLister,
): Promise<DeviceReplies<FecSnapshot>> {
  const spec: RequestSpec<FecSnapshot> = {
    request: 'fec',
    cmd: ETHTOOL_MSG_FEC_GET,
    replyCmd: ETHTOOL_MSG_FEC_GET_REPLY,
    headerAttr: ETHTOOL_A_FEC_HEADER,
    flags: ETHTOOL_FLAG_COMPACT_BITSETS | ETHTOOL_FLAG_STATS,
    parse: parseFec,
  };
  return dumpDevices(socket, family, spec, opts, listDevices);
}
