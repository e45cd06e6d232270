// Parsers for the NETLINK_ROUTE messages that the rtnetlink_extended collector reads:
// RTM_NEWSTATS (struct if_stats_msg with IFLA_STATS_* attributes, <linux/if_link.h>), bridge
// FDB entries (RTM_NEWNEIGH of family AF_BRIDGE, <linux/neighbour.h>), FIB rules
// (struct fib_rule_hdr, <linux/fib_rules.h>) and nexthops (struct nhmsg, <linux/nexthop.h>).
// Struct layouts of br_mcast_stats (<linux/if_bridge.h>), rtnl_hw_stats64 and
// mpls_link_stats (<linux/mpls.h>) were checked against the Linux 6.1 uapi headers.
// No I/O, no logging.

import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  AF_MPLS,
  BRIDGE_XSTATS_MCAST,
  FIB_RULE_HDR_LEN,
  IF_STATS_MSG_LEN,
  IFLA_OFFLOAD_XSTATS_CPU_HIT,
  IFLA_OFFLOAD_XSTATS_L3_STATS,
  IFLA_STATS_AF_SPEC,
  IFLA_STATS_LINK_64,
  IFLA_STATS_LINK_OFFLOAD_XSTATS,
  IFLA_STATS_LINK_XSTATS,
  IFLA_STATS_LINK_XSTATS_SLAVE,
  LINK_XSTATS_TYPE_BRIDGE,
  MPLS_STATS_LINK,
  NDA_MASTER,
  NDMSG_LEN,
  NHA_GROUP,
  NHMSG_LEN,
} from './constants.js';
import { LINK_STATS_MIN, type LinkStats, parseLinkStats } from './parse.js';

/** Fields of struct br_mcast_stats in wire order; `_rx`/`_tx` are the two directions. */
export const BRIDGE_MCAST_FIELDS = [
  'igmp_v1queries_rx',
  'igmp_v1queries_tx',
  'igmp_v2queries_rx',
  'igmp_v2queries_tx',
  'igmp_v3queries_rx',
  'igmp_v3queries_tx',
  'igmp_leaves_rx',
  'igmp_leaves_tx',
  'igmp_v1reports_rx',
  'igmp_v1reports_tx',
  'igmp_v2reports_rx',
  'igmp_v2reports_tx',
  'igmp_v3reports_rx',
  'igmp_v3reports_tx',
  'igmp_parse_errors',
  'mld_v1queries_rx',
  'mld_v1queries_tx',
  'mld_v2queries_rx',
  'mld_v2queries_tx',
  'mld_leaves_rx',
  'mld_leaves_tx',
  'mld_v1reports_rx',
  'mld_v1reports_tx',
  'mld_v2reports_rx',
  'mld_v2reports_tx',
  'mld_parse_errors',
  'mcast_bytes_rx',
  'mcast_bytes_tx',
  'mcast_packets_rx',
  'mcast_packets_tx',
] as const;

/** Name of one br_mcast_stats counter. */
export type BridgeMcastField = (typeof BRIDGE_MCAST_FIELDS)[number];

/** IGMP/MLD packet counters of a bridge or bridge port; absent fields are undefined. */
export type BridgeMcastStats = Readonly<Record<BridgeMcastField, bigint | undefined>>;

/** br_mcast_stats up to mld_parse_errors; mcast_bytes and mcast_packets came later. */
const BRIDGE_MCAST_MIN = 26 * 8;

/** The first eight u64 counters that rtnl_link_stats64, rtnl_hw_stats64 and mpls_link_stats share. */
export interface CoreLinkStats {
  readonly rx_packets: bigint;
  readonly tx_packets: bigint;
  readonly rx_bytes: bigint;
  readonly tx_bytes: bigint;
  readonly rx_errors: bigint;
  readonly tx_errors: bigint;
  readonly rx_dropped: bigint;
  readonly tx_dropped: bigint;
}
const CORE_STATS_LEN = 8 * 8;

/** struct mpls_link_stats: the core counters and rx_noroute. */
export interface MplsLinkStats extends CoreLinkStats {
  readonly rx_noroute: bigint;
}
const MPLS_LINK_STATS_LEN = 9 * 8;

/** One link from RTM_NEWSTATS; each part is undefined when the kernel did not send it. */
export interface LinkStatsSnapshot {
  readonly index: number;
  /** IFLA_STATS_LINK_64: struct rtnl_link_stats64. */
  readonly link64: LinkStats | undefined;
  /** IFLA_STATS_LINK_XSTATS/LINK_XSTATS_TYPE_BRIDGE/BRIDGE_XSTATS_MCAST of a bridge. */
  readonly bridgeMcast: BridgeMcastStats | undefined;
  /** IFLA_STATS_LINK_XSTATS_SLAVE/LINK_XSTATS_TYPE_BRIDGE/BRIDGE_XSTATS_MCAST of a bridge port. */
  readonly bridgePortMcast: BridgeMcastStats | undefined;
  /** IFLA_OFFLOAD_XSTATS_CPU_HIT: traffic of an offloading device that the CPU handled. */
  readonly offloadCpuHit: CoreLinkStats | undefined;
  /** IFLA_OFFLOAD_XSTATS_L3_STATS: L3 traffic counted by the hardware. */
  readonly offloadL3: CoreLinkStats | undefined;
  /** IFLA_STATS_AF_SPEC/AF_MPLS/MPLS_STATS_LINK. */
  readonly mpls: MplsLinkStats | undefined;
}

/** Parses one RTM_NEWSTATS body (if_stats_msg and attributes). Throws DecodeError. */
export function parseStats(buf: Buffer, start: number, end: number): LinkStatsSnapshot {
  if (end - start < IF_STATS_MSG_LEN) {
    throw new DecodeError(
      'RTM_NEWSTATS/if_stats_msg',
      `expected at least ${IF_STATS_MSG_LEN} bytes`,
      end - start,
    );
  }
  let link64: LinkStats | undefined;
  let bridgeMcast: BridgeMcastStats | undefined;
  let bridgePortMcast: BridgeMcastStats | undefined;
  let offloadCpuHit: CoreLinkStats | undefined;
  let offloadL3: CoreLinkStats | undefined;
  let mpls: MplsLinkStats | undefined;
  const cursor = new AttrCursor(buf, start + IF_STATS_MSG_LEN, end, 'RTM_NEWSTATS');
  while (cursor.next()) {
    switch (cursor.type) {
      case IFLA_STATS_LINK_64:
        link64 = parseLinkStats(
          buf,
          cursor.struct(LINK_STATS_MIN, 'IFLA_STATS_LINK_64'),
          cursor.length,
        );
        break;
      case IFLA_STATS_LINK_XSTATS:
        bridgeMcast = parseBridgeXstats(cursor.nested('IFLA_STATS_LINK_XSTATS'));
        break;
      case IFLA_STATS_LINK_XSTATS_SLAVE:
        bridgePortMcast = parseBridgeXstats(cursor.nested('IFLA_STATS_LINK_XSTATS_SLAVE'));
        break;
      case IFLA_STATS_LINK_OFFLOAD_XSTATS: {
        const offload = cursor.nested('IFLA_STATS_LINK_OFFLOAD_XSTATS');
        while (offload.next()) {
          if (offload.type === IFLA_OFFLOAD_XSTATS_CPU_HIT)
            offloadCpuHit = parseCore(offload, 'IFLA_OFFLOAD_XSTATS_CPU_HIT');
          else if (offload.type === IFLA_OFFLOAD_XSTATS_L3_STATS)
            offloadL3 = parseCore(offload, 'IFLA_OFFLOAD_XSTATS_L3_STATS');
        }
        break;
      }
      case IFLA_STATS_AF_SPEC:
        mpls = parseAfSpec(cursor.nested('IFLA_STATS_AF_SPEC')) ?? mpls;
        break;
    }
  }
  return {
    index: buf.readUInt32LE(start + 4),
    link64,
    bridgeMcast,
    bridgePortMcast,
    offloadCpuHit,
    offloadL3,
    mpls,
  };
}

function parseBridgeXstats(xstats: AttrCursor): BridgeMcastStats | undefined {
  let mcast: BridgeMcastStats | undefined;
  while (xstats.next()) {
    if (xstats.type !== LINK_XSTATS_TYPE_BRIDGE) continue;
    const bridge = xstats.nested('LINK_XSTATS_TYPE_BRIDGE');
    while (bridge.next()) {
      if (bridge.type !== BRIDGE_XSTATS_MCAST) continue;
      const at = bridge.struct(BRIDGE_MCAST_MIN, 'BRIDGE_XSTATS_MCAST');
      const fields = {} as Record<BridgeMcastField, bigint | undefined>;
      BRIDGE_MCAST_FIELDS.forEach((field, i) => {
        fields[field] =
          (i + 1) * 8 <= bridge.length ? bridge.buf.readBigUInt64LE(at + i * 8) : undefined;
      });
      mcast = fields;
    }
  }
  return mcast;
}

function readCore(buf: Buffer, at: number): CoreLinkStats {
  return {
    rx_packets: buf.readBigUInt64LE(at),
    tx_packets: buf.readBigUInt64LE(at + 8),
    rx_bytes: buf.readBigUInt64LE(at + 16),
    tx_bytes: buf.readBigUInt64LE(at + 24),
    rx_errors: buf.readBigUInt64LE(at + 32),
    tx_errors: buf.readBigUInt64LE(at + 40),
    rx_dropped: buf.readBigUInt64LE(at + 48),
    tx_dropped: buf.readBigUInt64LE(at + 56),
  };
}

function parseCore(cursor: AttrCursor, name: string): CoreLinkStats {
  return readCore(cursor.buf, cursor.struct(CORE_STATS_LEN, name));
}

function parseAfSpec(afSpec: AttrCursor): MplsLinkStats | undefined {
  let mpls: MplsLinkStats | undefined;
  while (afSpec.next()) {
    if (afSpec.type !== AF_MPLS) continue;
    const family = afSpec.nested('AF_MPLS');
    while (family.next()) {
      if (family.type !== MPLS_STATS_LINK) continue;
      const at = family.struct(MPLS_LINK_STATS_LEN, 'MPLS_STATS_LINK');
      mpls = { ...readCore(family.buf, at), rx_noroute: family.buf.readBigUInt64LE(at + 64) };
    }
  }
  return mpls;
}

/** One bridge FDB entry (RTM_NEWNEIGH of family AF_BRIDGE). */
export interface FdbEntrySnapshot {
  /** Interface the entry points at: a bridge port, or the bridge itself. */
  readonly index: number;
  /** NUD_* state: NUD_PERMANENT for local entries, NUD_NOARP for static ones. */
  readonly state: number;
  /** NTF_* flags. */
  readonly flags: number;
  /** Bridge of the entry (NDA_MASTER); undefined for a device's own address list entries. */
  readonly master: number | undefined;
}

/** Parses one RTM_NEWNEIGH body of family AF_BRIDGE. Throws DecodeError. */
export function parseFdbEntry(buf: Buffer, start: number, end: number): FdbEntrySnapshot {
  if (end - start < NDMSG_LEN) {
    throw new DecodeError(
      'RTM_NEWNEIGH/ndmsg',
      `expected at least ${NDMSG_LEN} bytes`,
      end - start,
    );
  }
  let master: number | undefined;
  const cursor = new AttrCursor(buf, start + NDMSG_LEN, end, 'RTM_NEWNEIGH');
  while (cursor.next()) {
    if (cursor.type === NDA_MASTER) master = cursor.u32('NDA_MASTER');
  }
  return {
    index: buf.readInt32LE(start + 4),
    state: buf.readUInt16LE(start + 8),
    flags: buf[start + 10]!,
    master,
  };
}

/** One FIB rule (RTM_NEWRULE): the fib_rule_hdr fields the collector counts by. */
export interface RuleSnapshot {
  /** AF_INET, AF_INET6, RTNL_FAMILY_IPMR, RTNL_FAMILY_IP6MR ... */
  readonly family: number;
  readonly table: number;
  readonly action: number;
}

/** Parses one RTM_NEWRULE body. Throws DecodeError. */
export function parseRule(buf: Buffer, start: number, end: number): RuleSnapshot {
  if (end - start < FIB_RULE_HDR_LEN) {
    throw new DecodeError(
      'RTM_NEWRULE/fib_rule_hdr',
      `expected at least ${FIB_RULE_HDR_LEN} bytes`,
      end - start,
    );
  }
  return { family: buf[start]!, table: buf[start + 4]!, action: buf[start + 7]! };
}

/** One nexthop object (RTM_NEWNEXTHOP). */
export interface NexthopSnapshot {
  /** nh_family: AF_INET, AF_INET6, or AF_UNSPEC for groups and blackholes. */
  readonly family: number;
  /** Whether the object is a group (has NHA_GROUP). */
  readonly group: boolean;
}

/** Parses one RTM_NEWNEXTHOP body. Throws DecodeError. */
export function parseNexthop(buf: Buffer, start: number, end: number): NexthopSnapshot {
  if (end - start < NHMSG_LEN) {
    throw new DecodeError(
      'RTM_NEWNEXTHOP/nhmsg',
      `expected at least ${NHMSG_LEN} bytes`,
      end - start,
    );
  }
  let group = false;
  const cursor = new AttrCursor(buf, start + NHMSG_LEN, end, 'RTM_NEWNEXTHOP');
  while (cursor.next()) {
    if (cursor.type === NHA_GROUP) group = true;
  }
  return { family: buf[start]!, group };
}
