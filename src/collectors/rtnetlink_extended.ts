// rtnetlink_extended collector. One RTM_GETSTATS dump gives per-link bridge IGMP/MLD,
// hardware-offload and MPLS counters. One AF_BRIDGE RTM_GETNEIGH dump gives FDB entry counts
// per bridge, one RTM_GETRULE dump FIB rule counts per family, and one RTM_GETNEXTHOP dump
// nexthop counts. An RTM_GETLINK dump maps interface indexes to names.

import {
  dumpBridgeFdb,
  dumpLinksSkipStats,
  dumpNexthops,
  dumpRules,
  dumpStats,
  getStats,
} from '../families/rtnetlink/client.js';
import {
  AF_INET,
  AF_INET6,
  AF_MPLS,
  IFLA_STATS_AF_SPEC,
  IFLA_STATS_LINK_64,
  IFLA_STATS_LINK_OFFLOAD_XSTATS,
  IFLA_STATS_LINK_XSTATS,
  IFLA_STATS_LINK_XSTATS_SLAVE,
  NUD_NOARP,
  NUD_PERMANENT,
  RTNL_FAMILY_IP6MR,
  RTNL_FAMILY_IPMR,
  statsFilterBit,
} from '../families/rtnetlink/constants.js';
import type {
  BridgeMcastField,
  BridgeMcastStats,
  CoreLinkStats,
  FdbEntrySnapshot,
  LinkStatsSnapshot,
  NexthopSnapshot,
  RuleSnapshot,
} from '../families/rtnetlink/stats.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_ROUTE } from '../netlink/constants.js';
import { isUnavailable, KernelError } from '../netlink/errors.js';
import type { NetlinkSocket } from '../netlink/socket.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const MCAST =
  'RTM_NEWSTATS IFLA_STATS_LINK_XSTATS(_SLAVE)/LINK_XSTATS_TYPE_BRIDGE/BRIDGE_XSTATS_MCAST';
const OFFLOAD = 'RTM_NEWSTATS IFLA_STATS_LINK_OFFLOAD_XSTATS';
const MPLS = 'RTM_NEWSTATS IFLA_STATS_AF_SPEC/AF_MPLS/MPLS_STATS_LINK';
const OF_BRIDGE = 'on a bridge or bridge port; zero unless the bridge has mcast_stats_enabled';

function counter(
  name: string,
  help: string,
  source: string,
  labels = ['interface'],
): MetricDescriptor {
  const base = name.replace(/_total$/, '');
  return {
    name,
    type: 'counter',
    help,
    ...(base.endsWith('_bytes') ? { unit: 'bytes' } : {}),
    labels,
    source,
  };
}

/** Multicast traffic counters of br_mcast_stats, one family per field. */
const MCAST_TRAFFIC: readonly (readonly [BridgeMcastField, MetricDescriptor])[] = [
  [
    'mcast_bytes_rx',
    counter(
      'nft_link_xstats_bridge_rx_multicast_bytes_total',
      `Multicast bytes received ${OF_BRIDGE}.`,
      `${MCAST} mcast_bytes[BR_MCAST_DIR_RX]`,
    ),
  ],
  [
    'mcast_bytes_tx',
    counter(
      'nft_link_xstats_bridge_tx_multicast_bytes_total',
      `Multicast bytes transmitted ${OF_BRIDGE}.`,
      `${MCAST} mcast_bytes[BR_MCAST_DIR_TX]`,
    ),
  ],
  [
    'mcast_packets_rx',
    counter(
      'nft_link_xstats_bridge_rx_multicast_packets_total',
      `Multicast packets received ${OF_BRIDGE}.`,
      `${MCAST} mcast_packets[BR_MCAST_DIR_RX]`,
    ),
  ],
  [
    'mcast_packets_tx',
    counter(
      'nft_link_xstats_bridge_tx_multicast_packets_total',
      `Multicast packets transmitted ${OF_BRIDGE}.`,
      `${MCAST} mcast_packets[BR_MCAST_DIR_TX]`,
    ),
  ],
  [
    'igmp_parse_errors',
    counter(
      'nft_link_xstats_bridge_igmp_parse_errors_total',
      `IGMP packets that failed to parse, in packets, ${OF_BRIDGE}.`,
      `${MCAST} igmp_parse_errors`,
    ),
  ],
  [
    'mld_parse_errors',
    counter(
      'nft_link_xstats_bridge_mld_parse_errors_total',
      `MLD packets that failed to parse, in packets, ${OF_BRIDGE}.`,
      `${MCAST} mld_parse_errors`,
    ),
  ],
];

/** IGMP and MLD message counters by `type` label value. Each field has an _rx and a _tx half. */
const IGMP_TYPES: readonly (readonly [string, string])[] = [
  ['v1_query', 'igmp_v1queries'],
  ['v2_query', 'igmp_v2queries'],
  ['v3_query', 'igmp_v3queries'],
  ['leave', 'igmp_leaves'],
  ['v1_report', 'igmp_v1reports'],
  ['v2_report', 'igmp_v2reports'],
  ['v3_report', 'igmp_v3reports'],
];
const MLD_TYPES: readonly (readonly [string, string])[] = [
  ['v1_query', 'mld_v1queries'],
  ['v2_query', 'mld_v2queries'],
  ['leave', 'mld_leaves'],
  ['v1_report', 'mld_v1reports'],
  ['v2_report', 'mld_v2reports'],
];

/** Offload counters exported per direction: bytes and packets. */
const CORE_FIELDS: readonly (readonly [keyof CoreLinkStats, string, string])[] = [
  ['rx_bytes', 'rx_bytes_total', 'Bytes received'],
  ['tx_bytes', 'tx_bytes_total', 'Bytes transmitted'],
  ['rx_packets', 'rx_packets_total', 'Packets received'],
  ['tx_packets', 'tx_packets_total', 'Packets transmitted'],
];
const MPLS_FIELDS: readonly (readonly [keyof CoreLinkStats | 'rx_noroute', string, string])[] = [
  ['rx_bytes', 'receive_bytes_total', 'MPLS bytes received on the interface'],
  ['tx_bytes', 'transmit_bytes_total', 'MPLS bytes transmitted on the interface'],
  ['rx_packets', 'receive_packets_total', 'MPLS packets received on the interface'],
  ['tx_packets', 'transmit_packets_total', 'MPLS packets transmitted on the interface'],
  ['rx_errors', 'receive_errors_total', 'MPLS receive errors on the interface, in packets'],
  ['tx_errors', 'transmit_errors_total', 'MPLS transmit errors on the interface, in packets'],
  ['rx_dropped', 'receive_drops_total', 'MPLS packets dropped on receive'],
  ['tx_dropped', 'transmit_drops_total', 'MPLS packets dropped on transmit'],
  ['rx_noroute', 'receive_noroute_total', 'MPLS packets received without a route for their label'],
];

function offloadFamilies(kind: 'cpu_hit' | 'l3', what: string, attr: string) {
  return CORE_FIELDS.map(
    ([field, suffix, help]) =>
      [
        field,
        counter(
          `nft_link_xstats_offload_${kind}_${suffix}`,
          `${help} ${what}.`,
          `${OFFLOAD}/${attr}.${field}`,
        ),
      ] as const,
  );
}
const CPU_HIT = offloadFamilies(
  'cpu_hit',
  'by the CPU on an interface that offloads forwarding (traffic the hardware did not handle)',
  'IFLA_OFFLOAD_XSTATS_CPU_HIT',
);
const L3 = offloadFamilies(
  'l3',
  'by the hardware at L3 (routed traffic); present when l3_stats is enabled',
  'IFLA_OFFLOAD_XSTATS_L3_STATS',
);
const MPLS_STATS = MPLS_FIELDS.map(
  ([field, suffix, help]) =>
    [field, counter(`nft_link_mpls_${suffix}`, `${help}.`, `${MPLS}.${field}`)] as const,
);

/** Every other family of this collector. */
const D = {
  igmp: counter(
    'nft_link_xstats_bridge_igmp_packets_total',
    `IGMP messages by direction (rx, tx) and type (v1_query ... v3_report), in packets, ${OF_BRIDGE}.`,
    `${MCAST} igmp_*`,
    ['interface', 'direction', 'type'],
  ),
  mld: counter(
    'nft_link_xstats_bridge_mld_packets_total',
    `MLD messages by direction (rx, tx) and type (v1_query ... v2_report), in packets, ${OF_BRIDGE}.`,
    `${MCAST} mld_*`,
    ['interface', 'direction', 'type'],
  ),
  fdb: {
    name: 'nft_bridge_fdb_entries',
    type: 'gauge',
    help: 'Bridge forwarding-database entries per bridge, over all its ports.',
    labels: ['interface'],
    source: 'RTM_NEWNEIGH AF_BRIDGE NDA_MASTER',
  },
  fdbByType: {
    name: 'nft_bridge_fdb_entries_by_type',
    type: 'gauge',
    help: 'Bridge forwarding-database entries per bridge and type: local (the bridge and port addresses), static or dynamic (learned).',
    labels: ['interface', 'type'],
    source: 'RTM_NEWNEIGH AF_BRIDGE NDA_MASTER, ndm_state',
  },
  rules: {
    name: 'nft_fib_rules',
    type: 'gauge',
    help: 'Installed FIB policy-routing rules per address family (inet, inet6, ipmr, ip6mr). Absent when the kernel has no policy routing.',
    labels: ['family'],
    source: 'RTM_NEWRULE fib_rule_hdr.family',
  },
  nexthops: {
    name: 'nft_nexthop_objects',
    type: 'gauge',
    help: 'Installed nexthop objects, groups included. Absent on kernels without nexthop objects (before Linux 5.3).',
    labels: [],
    source: 'RTM_NEWNEXTHOP',
  },
  nexthopGroups: {
    name: 'nft_nexthop_groups',
    type: 'gauge',
    help: 'Installed nexthop groups. Absent on kernels without nexthop objects (before Linux 5.3).',
    labels: [],
    source: 'RTM_NEWNEXTHOP NHA_GROUP',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Every family of this collector, in output order. */
const DESCRIPTORS: readonly MetricDescriptor[] = [
  ...MCAST_TRAFFIC.map(([, desc]) => desc),
  D.igmp,
  D.mld,
  ...CPU_HIT.map(([, desc]) => desc),
  ...L3.map(([, desc]) => desc),
  ...MPLS_STATS.map(([, desc]) => desc),
  D.fdb,
  D.fdbByType,
  D.rules,
  D.nexthops,
  D.nexthopGroups,
];

/** Statistics requested in the RTM_GETSTATS dump. */
export const STATS_FILTER_MASK =
  statsFilterBit(IFLA_STATS_LINK_XSTATS) |
  statsFilterBit(IFLA_STATS_LINK_XSTATS_SLAVE) |
  statsFilterBit(IFLA_STATS_LINK_OFFLOAD_XSTATS) |
  statsFilterBit(IFLA_STATS_AF_SPEC);

/** Everything one scrape reads from the kernel. */
export interface RtnetlinkExtendedSnapshot {
  /** Interface names by index, from the link dump. */
  readonly devices: ReadonlyMap<number, string>;
  readonly stats: readonly LinkStatsSnapshot[];
  readonly fdb: readonly FdbEntrySnapshot[];
  /** Undefined when the kernel has no FIB rules. */
  readonly rules: readonly RuleSnapshot[] | undefined;
  /** Undefined when the kernel has no nexthop objects. */
  readonly nexthops: readonly NexthopSnapshot[] | undefined;
}

/** Returns the `family` label of a FIB rule family. */
export function ruleFamilyLabel(af: number): string {
  if (af === AF_INET) return 'inet';
  if (af === AF_INET6) return 'inet6';
  if (af === RTNL_FAMILY_IPMR) return 'ipmr';
  if (af === RTNL_FAMILY_IP6MR) return 'ip6mr';
  if (af === AF_MPLS) return 'mpls';
  return String(af);
}

/**
 * Returns the `type` label of an FDB entry: local for NUD_PERMANENT (`bridge fdb` prints
 * permanent), static for NUD_NOARP, dynamic for learned entries.
 */
export function fdbType(state: number): string {
  if ((state & NUD_PERMANENT) !== 0) return 'local';
  if ((state & NUD_NOARP) !== 0) return 'static';
  return 'dynamic';
}

function addMcast(
  fams: Map<MetricDescriptor, MetricFamily>,
  mcast: BridgeMcastStats,
  device: string,
): void {
  for (const [field, desc] of MCAST_TRAFFIC) {
    const value = mcast[field];
    if (value !== undefined) addSample(fams.get(desc)!, value, device);
  }
  for (const [desc, types] of [
    [D.igmp, IGMP_TYPES],
    [D.mld, MLD_TYPES],
  ] as const) {
    for (const [type, prefix] of types) {
      for (const direction of ['rx', 'tx'] as const) {
        const value = mcast[`${prefix}_${direction}` as BridgeMcastField];
        if (value !== undefined) addSample(fams.get(desc)!, value, device, direction, type);
      }
    }
  }
}

function addLinkStats(
  fams: Map<MetricDescriptor, MetricFamily>,
  stats: LinkStatsSnapshot,
  device: string,
): void {
  if (stats.bridgeMcast !== undefined) addMcast(fams, stats.bridgeMcast, device);
  if (stats.bridgePortMcast !== undefined) addMcast(fams, stats.bridgePortMcast, device);
  for (const [table, values] of [
    [CPU_HIT, stats.offloadCpuHit],
    [L3, stats.offloadL3],
  ] as const) {
    if (values === undefined) continue;
    for (const [field, desc] of table) addSample(fams.get(desc)!, values[field], device);
  }
  if (stats.mpls !== undefined) {
    for (const [field, desc] of MPLS_STATS) addSample(fams.get(desc)!, stats.mpls[field], device);
  }
}

function countBy(keys: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** Builds the families of one scrape from a snapshot; `allowed` is the interface filter. */
export function rtnetlinkExtendedFamilies(
  snap: RtnetlinkExtendedSnapshot,
  allowed: (device: string) => boolean,
): MetricFamily[] {
  const fams = new Map<MetricDescriptor, MetricFamily>();
  for (const desc of DESCRIPTORS) fams.set(desc, family(desc));

  for (const stats of snap.stats) {
    const device = snap.devices.get(stats.index);
    if (device !== undefined && allowed(device)) addLinkStats(fams, stats, device);
  }

  // NB: entries without NDA_MASTER are the address lists of devices outside any bridge.
  const bridged: [string, FdbEntrySnapshot][] = [];
  for (const entry of snap.fdb) {
    const bridge = entry.master === undefined ? undefined : snap.devices.get(entry.master);
    if (bridge !== undefined && allowed(bridge)) bridged.push([bridge, entry]);
  }
  for (const [bridge, count] of countBy(bridged.map(([b]) => b)))
    addSample(fams.get(D.fdb)!, count, bridge);
  const byType = countBy(bridged.map(([b, e]) => `${b}\0${fdbType(e.state)}`));
  for (const [key, count] of byType) addSample(fams.get(D.fdbByType)!, count, ...key.split('\0'));

  if (snap.rules !== undefined) {
    for (const [label, count] of countBy(snap.rules.map((r) => ruleFamilyLabel(r.family)))) {
      addSample(fams.get(D.rules)!, count, label);
    }
  }
  if (snap.nexthops !== undefined) {
    addSample(fams.get(D.nexthops)!, snap.nexthops.length);
    addSample(fams.get(D.nexthopGroups)!, snap.nexthops.filter((n) => n.group).length);
  }
  return [...fams.values()];
}

/** Runs an optional dump: a kernel that lacks the object kind yields undefined. */
async function optional<T>(
  dump: () => Promise<{ items: readonly T[]; restarts: number }>,
): Promise<{ items: readonly T[] | undefined; restarts: number }> {
  try {
    return await dump();
  } catch (err) {
    // Kernels without the object kind reject the dump with EOPNOTSUPP or EINVAL.
    if (isUnavailable(err) || (err instanceof KernelError && err.errnoName === 'EINVAL')) {
      return { items: undefined, restarts: 0 };
    }
    throw err;
  }
}

async function readSnapshot(ctx: CollectContext): Promise<RtnetlinkExtendedSnapshot> {
  return withSocket(ctx, NETLINK_ROUTE, async (socket: NetlinkSocket) => {
    const opts = dumpOptions(ctx);
    const links = await dumpLinksSkipStats(socket, opts);
    const stats = await dumpStats(socket, STATS_FILTER_MASK, opts);
    const fdb = await dumpBridgeFdb(socket, opts);
    const rules = await optional(() => dumpRules(socket, opts));
    const nexthops = await optional(() => dumpNexthops(socket, opts));
    ctx.stats.addDumpRestarts(
      links.restarts + stats.restarts + fdb.restarts + rules.restarts + nexthops.restarts,
    );
    const devices = new Map<number, string>();
    for (const link of links.items) if (link.name !== '') devices.set(link.index, link.name);
    return {
      devices,
      stats: stats.items,
      fdb: fdb.items,
      rules: rules.items,
      nexthops: nexthops.items,
    };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    // NB: index 1 is the loopback device, which every network namespace has.
    await withSocket(ctx, NETLINK_ROUTE, (socket) =>
      getStats(socket, 1, statsFilterBit(IFLA_STATS_LINK_64), dumpOptions(ctx)),
    );
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'RTM_GETSTATS request');
  }
}

/** The rtnetlink_extended collector. */
export const rtnetlinkExtendedCollector = registerCollector({
  name: 'rtnetlink_extended',
  descriptors: DESCRIPTORS,
  interfaceScoped: true,
  probe,
  collect: async (ctx) => rtnetlinkExtendedFamilies(await readSnapshot(ctx), ctx.interfaceAllowed),
});
