// Parsers from NETLINK_ROUTE messages to readonly snapshots. Layouts follow
// <linux/rtnetlink.h> (ifinfomsg, ifaddrmsg, rtmsg, ndmsg) and <linux/if_link.h>
// (struct rtnl_link_stats64), checked against Linux 6.18. No I/O, no logging.

import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  IFADDRMSG_LEN,
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_CARRIER,
  IFLA_CARRIER_CHANGES,
  IFLA_CARRIER_DOWN_COUNT,
  IFLA_CARRIER_UP_COUNT,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_STATS64,
  IFLA_TXQLEN,
  NDMSG_LEN,
  RTA_TABLE,
  RTMSG_LEN,
} from './constants.js';

/** Fields of struct rtnl_link_stats64, in wire order. */
export const LINK_STATS_FIELDS = [
  'rx_packets',
  'tx_packets',
  'rx_bytes',
  'tx_bytes',
  'rx_errors',
  'tx_errors',
  'rx_dropped',
  'tx_dropped',
  'multicast',
  'collisions',
  'rx_length_errors',
  'rx_over_errors',
  'rx_crc_errors',
  'rx_frame_errors',
  'rx_fifo_errors',
  'rx_missed_errors',
  'tx_aborted_errors',
  'tx_carrier_errors',
  'tx_fifo_errors',
  'tx_heartbeat_errors',
  'tx_window_errors',
  'rx_compressed',
  'tx_compressed',
  'rx_nohandler',
  'rx_otherhost_dropped',
] as const;

/** Name of one rtnl_link_stats64 counter. */
export type LinkStatsField = (typeof LINK_STATS_FIELDS)[number];

/** Link counters; a field the kernel did not send (older kernels) is undefined. */
export type LinkStats = Readonly<Record<LinkStatsField, bigint | undefined>>;

/** rtnl_link_stats64 up to tx_window_errors (Linux 2.6.35); later fields were appended. */
export const LINK_STATS_MIN = 21 * 8;

/** One link from RTM_NEWLINK. */
export interface LinkSnapshot {
  readonly index: number;
  readonly name: string;
  /** Device type (ARPHRD_*). */
  readonly type: number;
  /** Interface flags (IFF_*). */
  readonly flags: number;
  /** Operational state (IF_OPER_*); 0 (unknown) when absent. */
  readonly operstate: number;
  readonly mtu: number | undefined;
  readonly txqlen: number | undefined;
  readonly carrier: number | undefined;
  readonly carrierChanges: number | undefined;
  readonly carrierUpCount: number | undefined;
  readonly carrierDownCount: number | undefined;
  /** Link kind from IFLA_LINKINFO/IFLA_INFO_KIND (`veth`, `bridge` ...). */
  readonly kind: string | undefined;
  /** Hardware address as lower-case hex pairs joined by colons. */
  readonly address: string | undefined;
  /** Interface index of the master device (bridge, bond, VRF). */
  readonly master: number | undefined;
  readonly alias: string | undefined;
  readonly stats: LinkStats | undefined;
}

/** Parses one RTM_NEWLINK body (ifinfomsg and attributes). Throws DecodeError. */
export function parseLink(buf: Buffer, start: number, end: number): LinkSnapshot {
  if (end - start < IFINFOMSG_LEN) {
    throw new DecodeError(
      'RTM_NEWLINK/ifinfomsg',
      `expected at least ${IFINFOMSG_LEN} bytes`,
      end - start,
    );
  }
  // NB: every field is a local first and the snapshot is one object literal, so all links
  // share one hidden class. Adding optional properties one by one was several times slower
  // in bench/decode.ts.
  let name = '';
  let operstate = 0;
  let mtu: number | undefined;
  let txqlen: number | undefined;
  let carrier: number | undefined;
  let carrierChanges: number | undefined;
  let carrierUpCount: number | undefined;
  let carrierDownCount: number | undefined;
  let kind: string | undefined;
  let address: string | undefined;
  let master: number | undefined;
  let alias: string | undefined;
  let stats: LinkStats | undefined;
  const cursor = new AttrCursor(buf, start + IFINFOMSG_LEN, end, 'RTM_NEWLINK');
  while (cursor.next()) {
    switch (cursor.type) {
      case IFLA_IFNAME:
        name = cursor.str('IFLA_IFNAME');
        break;
      case IFLA_MTU:
        mtu = cursor.u32('IFLA_MTU');
        break;
      case IFLA_TXQLEN:
        txqlen = cursor.u32('IFLA_TXQLEN');
        break;
      case IFLA_OPERSTATE:
        operstate = cursor.u8('IFLA_OPERSTATE');
        break;
      case IFLA_CARRIER:
        carrier = cursor.u8('IFLA_CARRIER');
        break;
      case IFLA_CARRIER_CHANGES:
        carrierChanges = cursor.u32('IFLA_CARRIER_CHANGES');
        break;
      case IFLA_CARRIER_UP_COUNT:
        carrierUpCount = cursor.u32('IFLA_CARRIER_UP_COUNT');
        break;
      case IFLA_CARRIER_DOWN_COUNT:
        carrierDownCount = cursor.u32('IFLA_CARRIER_DOWN_COUNT');
        break;
      case IFLA_MASTER:
        master = cursor.u32('IFLA_MASTER');
        break;
      case IFLA_IFALIAS:
        alias = cursor.str('IFLA_IFALIAS');
        break;
      case IFLA_ADDRESS:
        address = formatHardwareAddress(buf, cursor.offset, cursor.length);
        break;
      case IFLA_LINKINFO:
        kind = parseLinkKind(cursor.nested('IFLA_LINKINFO'));
        break;
      case IFLA_STATS64:
        stats = parseLinkStats(buf, cursor.struct(LINK_STATS_MIN, 'IFLA_STATS64'), cursor.length);
        break;
    }
  }
  return {
    index: buf.readInt32LE(start + 4),
    name,
    type: buf.readUInt16LE(start + 2),
    flags: buf.readUInt32LE(start + 8),
    operstate,
    mtu,
    txqlen,
    carrier,
    carrierChanges,
    carrierUpCount,
    carrierDownCount,
    kind,
    address,
    master,
    alias,
    stats,
  };
}

function parseLinkKind(info: AttrCursor): string | undefined {
  while (info.next()) {
    if (info.type === IFLA_INFO_KIND) return info.str('IFLA_INFO_KIND');
  }
  return undefined;
}

// Scratch space for reading u64 counters: a BigUint64Array element read makes the bigint
// directly, which is several times faster than Buffer.readBigUInt64LE. Host byte order is
// the netlink byte order.
const statsScratch = new BigUint64Array(LINK_STATS_FIELDS.length);
const statsScratchBytes = new Uint8Array(statsScratch.buffer);

/**
 * Decodes struct rtnl_link_stats64 at `buf[at, at + length)`; the caller checks that
 * `length` is at least LINK_STATS_MIN. Fields beyond `length` are undefined.
 */
export function parseLinkStats(buf: Buffer, at: number, length: number): LinkStats {
  const n = Math.min(LINK_STATS_FIELDS.length, Math.floor(length / 8));
  buf.copy(statsScratchBytes, 0, at, at + n * 8);
  const v = statsScratch;
  const u64 = (i: number): bigint | undefined => (i < n ? v[i] : undefined);
  return {
    rx_packets: u64(0),
    tx_packets: u64(1),
    rx_bytes: u64(2),
    tx_bytes: u64(3),
    rx_errors: u64(4),
    tx_errors: u64(5),
    rx_dropped: u64(6),
    tx_dropped: u64(7),
    multicast: u64(8),
    collisions: u64(9),
    rx_length_errors: u64(10),
    rx_over_errors: u64(11),
    rx_crc_errors: u64(12),
    rx_frame_errors: u64(13),
    rx_fifo_errors: u64(14),
    rx_missed_errors: u64(15),
    tx_aborted_errors: u64(16),
    tx_carrier_errors: u64(17),
    tx_fifo_errors: u64(18),
    tx_heartbeat_errors: u64(19),
    tx_window_errors: u64(20),
    rx_compressed: u64(21),
    tx_compressed: u64(22),
    rx_nohandler: u64(23),
    rx_otherhost_dropped: u64(24),
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function formatHardwareAddress(buf: Buffer, at: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += (i === 0 ? '' : ':') + HEX[buf[at + i]!];
  return out;
}

/** One address from RTM_NEWADDR (the ifaddrmsg header; addresses are not decoded). */
export interface AddressSnapshot {
  readonly family: number;
  readonly prefixLength: number;
  readonly scope: number;
  readonly index: number;
}

/** Parses one RTM_NEWADDR body. Throws DecodeError. */
export function parseAddress(buf: Buffer, start: number, end: number): AddressSnapshot {
  if (end - start < IFADDRMSG_LEN) {
    throw new DecodeError(
      'RTM_NEWADDR/ifaddrmsg',
      `expected at least ${IFADDRMSG_LEN} bytes`,
      end - start,
    );
  }
  return {
    family: buf[start]!,
    prefixLength: buf[start + 1]!,
    scope: buf[start + 3]!,
    index: buf.readUInt32LE(start + 4),
  };
}

/** One route from RTM_NEWROUTE: the rtmsg header with the table from RTA_TABLE. */
export interface RouteSnapshot {
  readonly family: number;
  readonly destinationLength: number;
  /** Table id: RTA_TABLE when present (ids above 255), else rtm_table. */
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  readonly flags: number;
}

/** Parses one RTM_NEWROUTE body. Throws DecodeError. */
export function parseRoute(buf: Buffer, start: number, end: number): RouteSnapshot {
  if (end - start < RTMSG_LEN) {
    throw new DecodeError(
      'RTM_NEWROUTE/rtmsg',
      `expected at least ${RTMSG_LEN} bytes`,
      end - start,
    );
  }
  let table = buf[start + 4]!;
  const cursor = new AttrCursor(buf, start + RTMSG_LEN, end, 'RTM_NEWROUTE');
  while (cursor.next()) {
    if (cursor.type === RTA_TABLE) table = cursor.u32('RTA_TABLE');
  }
  return {
    family: buf[start]!,
    destinationLength: buf[start + 1]!,
    table,
    protocol: buf[start + 5]!,
    scope: buf[start + 6]!,
    type: buf[start + 7]!,
    flags: buf.readUInt32LE(start + 8),
  };
}

/** One neighbour from RTM_NEWNEIGH (the ndmsg header; addresses are not decoded). */
export interface NeighbourSnapshot {
  readonly family: number;
  readonly index: number;
  /** NUD_* state bits. */
  readonly state: number;
  readonly flags: number;
}

/** Parses one RTM_NEWNEIGH body. Throws DecodeError. */
export function parseNeighbour(buf: Buffer, start: number, end: number): NeighbourSnapshot {
  if (end - start < NDMSG_LEN) {
    throw new DecodeError(
      'RTM_NEWNEIGH/ndmsg',
      `expected at least ${NDMSG_LEN} bytes`,
      end - start,
    );
  }
  return {
    family: buf[start]!,
    index: buf.readInt32LE(start + 4),
    state: buf.readUInt16LE(start + 8),
    flags: buf[start + 10]!,
  };
}
