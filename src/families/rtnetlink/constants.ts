// NETLINK_ROUTE constants from <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>,
// <linux/neighbour.h> and <linux/if.h>, checked against Linux 6.18 uapi headers. The
// RTM_GETSTATS, bridge, MPLS, FIB rule and nexthop constants further down come from
// <linux/if_link.h>, <linux/if_bridge.h>, <linux/mpls.h>, <linux/fib_rules.h> and
// <linux/nexthop.h> of Linux 6.1.

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_GETNEIGH = 30;
export const RTM_NEWRULE = 32;
export const RTM_GETRULE = 34;
export const RTM_NEWSTATS = 92;
export const RTM_GETSTATS = 94;
export const RTM_NEWNEXTHOP = 104;
export const RTM_GETNEXTHOP = 106;

/** Fixed header sizes: struct ifinfomsg, ifaddrmsg, rtmsg, ndmsg. */
export const IFINFOMSG_LEN = 16;
export const IFADDRMSG_LEN = 8;
export const RTMSG_LEN = 12;
export const NDMSG_LEN = 12;
/** struct if_stats_msg: family, 3 pad bytes, ifindex, filter_mask. */
export const IF_STATS_MSG_LEN = 12;
/** struct fib_rule_hdr. */
export const FIB_RULE_HDR_LEN = 12;
/** struct nhmsg. */
export const NHMSG_LEN = 8;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const AF_MPLS = 28;
/** Address families of the multicast routing rule tables (RTNL_FAMILY_IPMR, _IP6MR). */
export const RTNL_FAMILY_IPMR = 128;
export const RTNL_FAMILY_IP6MR = 129;

export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_MASTER = 10;
export const IFLA_TXQLEN = 13;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_IFALIAS = 20;
export const IFLA_STATS64 = 23;
export const IFLA_CARRIER = 33;
export const IFLA_EXT_MASK = 29;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_INFO_KIND = 1;

export const RTA_TABLE = 15;

/** IFLA_EXT_MASK bit that leaves IFLA_STATS and IFLA_STATS64 out of link messages. */
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;

/** Top-level attributes of RTM_NEWSTATS; filter_mask bit n-1 asks for attribute n. */
export const IFLA_STATS_LINK_64 = 1;
export const IFLA_STATS_LINK_XSTATS = 2;
export const IFLA_STATS_LINK_XSTATS_SLAVE = 3;
export const IFLA_STATS_LINK_OFFLOAD_XSTATS = 4;
export const IFLA_STATS_AF_SPEC = 5;

/** Returns the if_stats_msg filter_mask bit of an IFLA_STATS_* attribute. */
export function statsFilterBit(attr: number): number {
  return 1 << (attr - 1);
}

/** Nested in IFLA_STATS_LINK_XSTATS(_SLAVE): one attribute per link type. */
export const LINK_XSTATS_TYPE_BRIDGE = 1;
/** Nested in LINK_XSTATS_TYPE_BRIDGE: struct br_mcast_stats. */
export const BRIDGE_XSTATS_MCAST = 2;
/** Nested in IFLA_STATS_LINK_OFFLOAD_XSTATS. */
export const IFLA_OFFLOAD_XSTATS_CPU_HIT = 1;
export const IFLA_OFFLOAD_XSTATS_L3_STATS = 3;
/** Nested in IFLA_STATS_AF_SPEC/AF_MPLS: struct mpls_link_stats. */
export const MPLS_STATS_LINK = 1;

/** Neighbour attribute with the bridge of an AF_BRIDGE FDB entry (u32 ifindex). */
export const NDA_MASTER = 9;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;

/** Nexthop attribute present on nexthop groups (array of struct nexthop_grp). */
export const NHA_GROUP = 2;

/** Interface flags (IFF_*), <linux/if.h>. */
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;

/** RFC 2863 operational states (IF_OPER_*), <linux/if.h>. */
export const OPERSTATE_NAMES = [
  'unknown',
  'notpresent',
  'down',
  'lowerlayerdown',
  'testing',
  'dormant',
  'up',
] as const;
export const IF_OPER_UP = 6;

/** Neighbour states (NUD_*), <linux/neighbour.h>, in the order a state label is chosen. */
export const NUD_STATES: readonly (readonly [number, string])[] = [
  [0x80, 'permanent'],
  [0x02, 'reachable'],
  [0x04, 'stale'],
  [0x08, 'delay'],
  [0x10, 'probe'],
  [0x20, 'failed'],
  [0x40, 'noarp'],
  [0x01, 'incomplete'],
];

/** Routing table ids with names (RT_TABLE_*). */
export const TABLE_NAMES: Readonly<Record<number, string>> = {
  0: 'unspec',
  253: 'default',
  254: 'main',
  255: 'local',
};

/** Route protocols (RTPROT_*). */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0: 'unspec',
  1: 'redirect',
  2: 'kernel',
  3: 'boot',
  4: 'static',
  8: 'gated',
  9: 'ra',
  10: 'mrt',
  11: 'zebra',
  12: 'bird',
  13: 'dnrouted',
  14: 'xorp',
  15: 'ntk',
  16: 'dhcp',
  17: 'mrouted',
  18: 'keepalived',
  42: 'babel',
  99: 'openr',
  186: 'bgp',
  187: 'isis',
  188: 'ospf',
  189: 'rip',
  192: 'eigrp',
};

/** Route types (RTN_*). */
export const ROUTE_TYPE_NAMES = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
] as const;
