// Parsers from NETLINK_ROUTE messages to readonly snapshots. Layouts follow
// <linux/rtnetlink.h> (ifinfomsg, ifaddrmsg, rtmsg, ndmsg) and <linux/if_link.h>
// (struct rtnl_link_stats64), checked against Linux 6.18. No I/O, no logging.

import { AttrCursor, lastU32 } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import { keepShape } from '../../shape.js';
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

/** Position of each counter in struct rtnl_link_stats64. */
export const LINK_STATS_INDEX: Readonly<Record<LinkStatsField, number>> = Object.fromEntries(
  LINK_STATS_FIELDS.map((field, i) => [field, i]),
) as Record<LinkStatsField, number>;

/** Counters per slab: room for the stats of 256 links. */
const SLAB_VALUES = LINK_STATS_FIELDS.length * 256;
let slab = new BigUint64Array(SLAB_VALUES);
let slabBytes = new Uint8Array(slab.buffer);
let slabUsed = 0;

/**
 * Counters of one struct rtnl_link_stats64. The values are copied out of the reply into a u64
 * slab that consecutive links share. So a link costs one small object rather than 25 bigints
 * that every young-generation collection would copy, and a bigint is made only when a counter
 * is read. Host byte order is the netlink byte order.
 */
export class LinkStats {
  private constructor(
    private readonly values: BigUint64Array,
    private readonly base: number,
    /** Number of counters the kernel sent: older kernels send fewer. */
    readonly size: number,
  ) {}

  /** Copies `size` counters starting at `buf[at]`. */
  static copy(buf: Buffer, at: number, size: number): LinkStats {
    if (slabUsed + size > SLAB_VALUES) {
      slab = new BigUint64Array(SLAB_VALUES);
      slabBytes = new Uint8Array(slab.buffer);
      slabUsed = 0;
    }
    buf.copy(slabBytes, slabUsed * 8, at, at + size * 8);
    const stats = new LinkStats(slab, slabUsed, size);
    slabUsed += size;
    return stats;
  }

  /** Returns the counter at `index` (see LINK_STATS_INDEX), or undefined when it was not sent. */
  at(index: number): bigint | undefined {
    return index < this.size ? this.values[this.base + index] : undefined;
  }

  /** Returns every counter by name; fields the kernel did not send are undefined. */
  toRecord(): Record<LinkStatsField, bigint | undefined> {
    return Object.fromEntries(LINK_STATS_FIELDS.map((field, i) => [field, this.at(i)])) as Record<
      LinkStatsField,
      bigint | undefined
    >;
  }
}

keepShape(LinkStats.copy(Buffer.alloc(8), 0, 1));

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

/**
 * Decodes struct rtnl_link_stats64 at `buf[at, at + length)`; the caller checks that
 * `length` is at least LINK_STATS_MIN. Fields beyond `length` are undefined.
 */
export function parseLinkStats(buf: Buffer, at: number, length: number): LinkStats {
  return LinkStats.copy(buf, at, Math.min(LINK_STATS_FIELDS.length, Math.floor(length / 8)));
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

/**
 * The routes of one dump, one typed array per RouteSnapshot field. A route costs 12 bytes and
 * no object, where a host with 100,000 routes would otherwise hold 100,000 objects for the
 * length of a scrape. Decoding got about three times faster in bench/decode.ts.
 */
export class RouteTable {
  /** Number of routes. */
  length = 0;
  family: Uint8Array;
  destinationLength: Uint8Array;
  table: Uint32Array;
  protocol: Uint8Array;
  scope: Uint8Array;
  type: Uint8Array;
  flags: Uint32Array;

  constructor(capacity = 256) {
    this.family = new Uint8Array(capacity);
    this.destinationLength = new Uint8Array(capacity);
    this.table = new Uint32Array(capacity);
    this.protocol = new Uint8Array(capacity);
    this.scope = new Uint8Array(capacity);
    this.type = new Uint8Array(capacity);
    this.flags = new Uint32Array(capacity);
  }

  /** Decodes one RTM_NEWROUTE body (rtmsg and attributes) into a new row. Throws DecodeError. */
  append(buf: Buffer, start: number, end: number): void {
    if (end - start < RTMSG_LEN) {
      throw new DecodeError(
        'RTM_NEWROUTE/rtmsg',
        `expected at least ${RTMSG_LEN} bytes`,
        end - start,
      );
    }
    const table = lastU32(buf, start + RTMSG_LEN, end, RTA_TABLE, 'RTM_NEWROUTE', 'RTA_TABLE');
    if (this.length === this.family.length) this.grow();
    const i = this.length++;
    this.family[i] = buf[start]!;
    this.destinationLength[i] = buf[start + 1]!;
    this.table[i] = table ?? buf[start + 4]!;
    this.protocol[i] = buf[start + 5]!;
    this.scope[i] = buf[start + 6]!;
    this.type[i] = buf[start + 7]!;
    this.flags[i] = buf.readUInt32LE(start + 8);
  }

  /** Returns row `i` as an object. */
  get(i: number): RouteSnapshot {
    return {
      family: this.family[i]!,
      destinationLength: this.destinationLength[i]!,
      table: this.table[i]!,
      protocol: this.protocol[i]!,
      scope: this.scope[i]!,
      type: this.type[i]!,
      flags: this.flags[i]!,
    };
  }

  /** Drops every row; an interrupted dump starts over with this. */
  clear(): void {
    this.length = 0;
  }

  private grow(): void {
    const capacity = this.family.length * 2;
    this.family = widened(this.family, new Uint8Array(capacity));
    this.destinationLength = widened(this.destinationLength, new Uint8Array(capacity));
    this.table = widened(this.table, new Uint32Array(capacity));
    this.protocol = widened(this.protocol, new Uint8Array(capacity));
    this.scope = widened(this.scope, new Uint8Array(capacity));
    this.type = widened(this.type, new Uint8Array(capacity));
    this.flags = widened(this.flags, new Uint32Array(capacity));
  }
}

/** Copies `old` into the start of the larger `next` and returns `next`. */
function widened<T extends Uint8Array | Uint32Array>(old: T, next: T): T {
  next.set(old);
  return next;
}

keepShape(new RouteTable(1));

/** Parses one RTM_NEWROUTE body. Throws DecodeError. Dumps decode into a RouteTable instead. */
export function parseRoute(buf: Buffer, start: number, end: number): RouteSnapshot {
  const one = new RouteTable(1);
  one.append(buf, start, end);
  return one.get(0);
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
