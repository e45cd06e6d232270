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

/** Link counters; a field the kernel did not send (older kernels) is absent. */
export type LinkStats = Readonly<Partial<Record<LinkStatsField, bigint>>>;

/** rtnl_link_stats64 up to tx_window_errors (Linux 2.6.35); later fields were appended. */
const LINK_STATS_MIN = 21 * 8;

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
  readonly mtu?: number;
  readonly txqlen?: number;
  readonly carrier?: number;
  readonly carrierChanges?: number;
  readonly carrierUpCount?: number;
  readonly carrierDownCount?: number;
  /** Link kind from IFLA_LINKINFO/IFLA_INFO_KIND (`veth`, `bridge` ...). */
  readonly kind?: string;
  /** Hardware address as lower-case hex pairs joined by colons. */
  readonly address?: string;
  /** Interface index of the master device (bridge, bond, VRF). */
  readonly master?: number;
  readonly alias?: string;
  readonly stats?: LinkStats;
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
  const link: {
    -readonly [K in keyof LinkSnapshot]: LinkSnapshot[K];
  } = {
    index: buf.readInt32LE(start + 4),
    name: '',
    type: buf.readUInt16LE(start + 2),
    flags: buf.readUInt32LE(start + 8),
    operstate: 0,
  };
  const cursor = new AttrCursor(buf, start + IFINFOMSG_LEN, end, 'RTM_NEWLINK');
  while (cursor.next()) {
    switch (cursor.type) {
      case IFLA_IFNAME:
        link.name = cursor.str('IFLA_IFNAME');
        break;
      case IFLA_MTU:
        link.mtu = cursor.u32('IFLA_MTU');
        break;
      case IFLA_TXQLEN:
        link.txqlen = cursor.u32('IFLA_TXQLEN');
        break;
      case IFLA_OPERSTATE:
        link.operstate = cursor.u8('IFLA_OPERSTATE');
        break;
      case IFLA_CARRIER:
        link.carrier = cursor.u8('IFLA_CARRIER');
        break;
      case IFLA_CARRIER_CHANGES:
        link.carrierChanges = cursor.u32('IFLA_CARRIER_CHANGES');
        break;
      case IFLA_CARRIER_UP_COUNT:
        link.carrierUpCount = cursor.u32('IFLA_CARRIER_UP_COUNT');
        break;
      case IFLA_CARRIER_DOWN_COUNT:
        link.carrierDownCount = cursor.u32('IFLA_CARRIER_DOWN_COUNT');
        break;
      case IFLA_MASTER:
        link.master = cursor.u32('IFLA_MASTER');
        break;
      case IFLA_IFALIAS:
        link.alias = cursor.str('IFLA_IFALIAS');
        break;
      case IFLA_ADDRESS:
        link.address = formatHardwareAddress(cursor.bytes());
        break;
      case IFLA_LINKINFO:
        link.kind = parseLinkKind(cursor.nested('IFLA_LINKINFO'));
        break;
      case IFLA_STATS64:
        link.stats = parseLinkStats(
          buf,
          cursor.struct(LINK_STATS_MIN, 'IFLA_STATS64'),
          cursor.length,
        );
        break;
    }
  }
  return link;
}

function parseLinkKind(info: AttrCursor): string | undefined {
  while (info.next()) {
    if (info.type === IFLA_INFO_KIND) return info.str('IFLA_INFO_KIND');
  }
  return undefined;
}

function parseLinkStats(buf: Buffer, offset: number, length: number): LinkStats {
  const stats: Partial<Record<LinkStatsField, bigint>> = {};
  const count = Math.min(LINK_STATS_FIELDS.length, Math.floor(length / 8));
  for (let i = 0; i < count; i++) {
    stats[LINK_STATS_FIELDS[i]!] = buf.readBigUInt64LE(offset + i * 8);
  }
  return stats;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function formatHardwareAddress(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i === 0 ? '' : ':') + HEX[bytes[i]!];
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
