// rtnetlink collector: link counters and state, address, route and neighbour counts, from
// one RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE and RTM_GETNEIGH dump per scrape.

import {
  dumpAddresses,
  dumpLinks,
  dumpNeighbours,
  dumpRoutes,
} from '../families/rtnetlink/client.js';
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  IF_OPER_UP,
  IFF_RUNNING,
  IFF_UP,
  NUD_STATES,
  OPERSTATE_NAMES,
  PROTOCOL_NAMES,
  ROUTE_TYPE_NAMES,
  TABLE_NAMES,
} from '../families/rtnetlink/constants.js';
import {
  type AddressSnapshot,
  LINK_STATS_INDEX,
  type LinkSnapshot,
  type LinkStatsField,
  type NeighbourSnapshot,
  type RouteTable,
} from '../families/rtnetlink/parse.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_ROUTE } from '../netlink/constants.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const STATS = 'RTM_NEWLINK IFLA_STATS64';

function counter(
  name: string,
  help: string,
  field: LinkStatsField,
  unit?: string,
): MetricDescriptor {
  return {
    name,
    type: 'counter',
    help,
    ...(unit === undefined ? {} : { unit }),
    labels: ['device'],
    source: `${STATS}.${field}`,
  };
}

/** Link counters that map one rtnl_link_stats64 field to one family. */
const LINK_COUNTERS: readonly (readonly [LinkStatsField, MetricDescriptor])[] = [
  [
    'rx_bytes',
    counter(
      'nft_link_receive_bytes_total',
      'Total bytes received on the interface.',
      'rx_bytes',
      'bytes',
    ),
  ],
  [
    'tx_bytes',
    counter(
      'nft_link_transmit_bytes_total',
      'Total bytes transmitted on the interface.',
      'tx_bytes',
      'bytes',
    ),
  ],
  [
    'rx_packets',
    counter(
      'nft_link_receive_packets_total',
      'Total packets received on the interface.',
      'rx_packets',
    ),
  ],
  [
    'tx_packets',
    counter(
      'nft_link_transmit_packets_total',
      'Total packets transmitted on the interface.',
      'tx_packets',
    ),
  ],
  [
    'rx_errors',
    counter(
      'nft_link_receive_errors_total',
      'Total receive errors on the interface, in packets.',
      'rx_errors',
    ),
  ],
  [
    'tx_errors',
    counter(
      'nft_link_transmit_errors_total',
      'Total transmit errors on the interface, in packets.',
      'tx_errors',
    ),
  ],
  [
    'rx_dropped',
    counter(
      'nft_link_receive_drops_total',
      'Total receive drops on the interface, in packets.',
      'rx_dropped',
    ),
  ],
  [
    'tx_dropped',
    counter(
      'nft_link_transmit_drops_total',
      'Total transmit drops on the interface, in packets.',
      'tx_dropped',
    ),
  ],
  [
    'multicast',
    counter(
      'nft_link_receive_multicast_packets_total',
      'Multicast packets received on the interface.',
      'multicast',
    ),
  ],
  [
    'collisions',
    counter(
      'nft_link_transmit_collisions_total',
      'Collisions seen while transmitting on the interface, in events.',
      'collisions',
    ),
  ],
  [
    'rx_compressed',
    counter(
      'nft_link_receive_compressed_packets_total',
      'Compressed packets received on the interface.',
      'rx_compressed',
    ),
  ],
  [
    'tx_compressed',
    counter(
      'nft_link_transmit_compressed_packets_total',
      'Compressed packets transmitted on the interface.',
      'tx_compressed',
    ),
  ],
  [
    'rx_nohandler',
    counter(
      'nft_link_receive_nohandler_drops_total',
      'Received packets dropped because no protocol handler took them, in packets.',
      'rx_nohandler',
    ),
  ],
  [
    'rx_otherhost_dropped',
    counter(
      'nft_link_receive_otherhost_drops_total',
      'Received packets dropped because they were addressed to another host, in packets.',
      'rx_otherhost_dropped',
    ),
  ],
];

/** Detailed error kinds, each a `kind` label value of one family per direction. */
const RX_ERROR_KINDS: readonly (readonly [string, LinkStatsField])[] = [
  ['length', 'rx_length_errors'],
  ['over', 'rx_over_errors'],
  ['crc', 'rx_crc_errors'],
  ['frame', 'rx_frame_errors'],
  ['fifo', 'rx_fifo_errors'],
  ['missed', 'rx_missed_errors'],
];
const TX_ERROR_KINDS: readonly (readonly [string, LinkStatsField])[] = [
  ['aborted', 'tx_aborted_errors'],
  ['carrier', 'tx_carrier_errors'],
  ['fifo', 'tx_fifo_errors'],
  ['heartbeat', 'tx_heartbeat_errors'],
  ['window', 'tx_window_errors'],
];

/** Every family of this collector other than the one-field link counters. */
const D = {
  rxErrorKinds: {
    name: 'nft_link_receive_errors_by_kind_total',
    type: 'counter',
    help: 'Receive errors on the interface by kind (length, over, crc, frame, fifo, missed), in packets.',
    labels: ['device', 'kind'],
    source: `${STATS}.rx_{length,over,crc,frame,fifo,missed}_errors`,
  },
  txErrorKinds: {
    name: 'nft_link_transmit_errors_by_kind_total',
    type: 'counter',
    help: 'Transmit errors on the interface by kind (aborted, carrier, fifo, heartbeat, window), in packets.',
    labels: ['device', 'kind'],
    source: `${STATS}.tx_{aborted,carrier,fifo,heartbeat,window}_errors`,
  },
  up: {
    name: 'nft_link_up',
    type: 'gauge',
    help: '1 if the interface is operationally up (IFF_UP and IFF_RUNNING, operstate up or unknown), 0 otherwise.',
    labels: ['device'],
    source: 'RTM_NEWLINK ifi_flags and IFLA_OPERSTATE',
  },
  adminUp: {
    name: 'nft_link_admin_up',
    type: 'gauge',
    help: '1 if the interface is administratively up (IFF_UP), 0 otherwise.',
    labels: ['device'],
    source: 'RTM_NEWLINK ifi_flags',
  },
  carrier: {
    name: 'nft_link_carrier',
    type: 'gauge',
    help: '1 if the interface has carrier (link detected), 0 otherwise.',
    labels: ['device'],
    source: 'RTM_NEWLINK IFLA_CARRIER',
  },
  carrierChanges: {
    name: 'nft_link_carrier_changes_total',
    type: 'counter',
    help: 'Carrier state changes of the interface since it was created, in events.',
    labels: ['device'],
    source: 'RTM_NEWLINK IFLA_CARRIER_CHANGES',
  },
  carrierUp: {
    name: 'nft_link_carrier_up_changes_total',
    type: 'counter',
    help: 'Carrier changes of the interface from down to up, in events.',
    labels: ['device'],
    source: 'RTM_NEWLINK IFLA_CARRIER_UP_COUNT',
  },
  carrierDown: {
    name: 'nft_link_carrier_down_changes_total',
    type: 'counter',
    help: 'Carrier changes of the interface from up to down, in events.',
    labels: ['device'],
    source: 'RTM_NEWLINK IFLA_CARRIER_DOWN_COUNT',
  },
  mtu: {
    name: 'nft_link_mtu_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'MTU of the interface in bytes.',
    labels: ['device'],
    source: 'RTM_NEWLINK IFLA_MTU',
  },
  txqlen: {
    name: 'nft_link_transmit_queue_length',
    type: 'gauge',
    help: 'Transmit queue length of the interface, in packets.',
    labels: ['device'],
    source: 'RTM_NEWLINK IFLA_TXQLEN',
  },
  info: {
    name: 'nft_link_info',
    type: 'gauge',
    help: 'Interface attributes as labels, value 1: kind (veth, bridge ...), operational state, MAC address, master device and alias.',
    labels: ['device', 'kind', 'operstate', 'address', 'master', 'alias'],
    source:
      'RTM_NEWLINK IFLA_LINKINFO.IFLA_INFO_KIND, IFLA_OPERSTATE, IFLA_ADDRESS, IFLA_MASTER, IFLA_IFALIAS',
  },
  addresses: {
    name: 'nft_addresses',
    type: 'gauge',
    help: 'Number of IP addresses assigned by address family.',
    labels: ['family'],
    source: 'RTM_NEWADDR ifa_family',
  },
  routes: {
    name: 'nft_routes',
    type: 'gauge',
    help: 'Number of routes by address family, routing table (named tables by name, others by number), protocol (kernel, static, bgp ...) and type (unicast, blackhole ...).',
    labels: ['family', 'table', 'protocol', 'type'],
    source: 'RTM_NEWROUTE rtm_family, RTA_TABLE, rtm_protocol, rtm_type',
  },
  neighbours: {
    name: 'nft_neighbors',
    type: 'gauge',
    help: 'Number of neighbour (ARP/NDP) entries by family and state.',
    labels: ['family', 'state'],
    source: 'RTM_NEWNEIGH ndm_family, ndm_state',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Everything one scrape reads from the kernel. */
export interface RtnetlinkSnapshot {
  readonly links: readonly LinkSnapshot[];
  readonly addresses: readonly AddressSnapshot[];
  readonly routes: RouteTable;
  readonly neighbours: readonly NeighbourSnapshot[];
}

/** 0, 1 or 2 for the `family` labels inet, inet6 and other. */
function familyCode(af: number): number {
  if (af === AF_INET) return 0;
  return af === AF_INET6 ? 1 : 2;
}

const FAMILY_CODE_LABELS = ['inet', 'inet6', 'other'];

/** Returns the `family` label value of an address family number. */
export function familyLabel(af: number): string {
  return FAMILY_CODE_LABELS[familyCode(af)]!;
}

function tableLabel(table: number): string {
  return TABLE_NAMES[table] ?? String(table);
}

function neighbourState(state: number): string {
  for (const [bit, name] of NUD_STATES) if ((state & bit) !== 0) return name;
  return 'unknown';
}

function isUp(link: LinkSnapshot): boolean {
  const running = (link.flags & IFF_UP) !== 0 && (link.flags & IFF_RUNNING) !== 0;
  return running && (link.operstate === IF_OPER_UP || link.operstate === 0);
}

/** Adds one to the count of `key`. */
function bump<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Counts routes by family, table, protocol and type under one number per combination:
 * table * 2^18 + family code * 2^16 + protocol * 2^8 + type, below 2^50 for any u32 table.
 * Counting under numbers rather than joined label strings keeps a 100,000-route table from
 * making a string per route.
 */
function countRoutes(routes: RouteTable): Map<number, number> {
  const counts = new Map<number, number>();
  const { family: af, table, protocol, type } = routes;
  for (let i = 0; i < routes.length; i++) {
    bump(
      counts,
      table[i]! * 0x40000 + familyCode(af[i]!) * 0x10000 + protocol[i]! * 0x100 + type[i]!,
    );
  }
  return counts;
}

/** Builds the families of one scrape from a snapshot; `allowed` is the interface filter. */
export function rtnetlinkFamilies(
  snap: RtnetlinkSnapshot,
  allowed: (device: string) => boolean,
): MetricFamily[] {
  const names = new Map<number, string>();
  for (const link of snap.links) names.set(link.index, link.name);
  const links = snap.links.filter((l) => l.name !== '' && allowed(l.name));
  const allowedIndex = (index: number): boolean => {
    const name = names.get(index);
    return name === undefined || allowed(name);
  };

  const out: MetricFamily[] = [];
  // NB: plain index loops, because for-of with destructuring allocated an iterator result per
  // link here (seen in a heap allocation profile of a 2,000-link scrape).
  for (const [field, desc] of LINK_COUNTERS) {
    const fam = family(desc);
    const index = LINK_STATS_INDEX[field];
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      const value = link.stats?.at(index);
      if (value !== undefined) addSample(fam, value, link.name);
    }
    out.push(fam);
  }
  for (const [desc, kinds] of [
    [D.rxErrorKinds, RX_ERROR_KINDS],
    [D.txErrorKinds, TX_ERROR_KINDS],
  ] as const) {
    const fam = family(desc);
    const indexes = kinds.map(([, field]) => LINK_STATS_INDEX[field]);
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      if (link.stats === undefined) continue;
      for (let k = 0; k < kinds.length; k++) {
        const value = link.stats.at(indexes[k]!);
        if (value !== undefined) addSample(fam, value, link.name, kinds[k]![0]);
      }
    }
    out.push(fam);
  }

  const gauges = {
    up: family(D.up),
    adminUp: family(D.adminUp),
    carrier: family(D.carrier),
    carrierChanges: family(D.carrierChanges),
    carrierUp: family(D.carrierUp),
    carrierDown: family(D.carrierDown),
    mtu: family(D.mtu),
    txqlen: family(D.txqlen),
    info: family(D.info),
  };
  for (let i = 0; i < links.length; i++) {
    const link = links[i]!;
    const device = link.name;
    addSample(gauges.up, isUp(link) ? 1 : 0, device);
    addSample(gauges.adminUp, (link.flags & IFF_UP) !== 0 ? 1 : 0, device);
    if (link.carrier !== undefined) addSample(gauges.carrier, link.carrier, device);
    if (link.carrierChanges !== undefined)
      addSample(gauges.carrierChanges, link.carrierChanges, device);
    if (link.carrierUpCount !== undefined) addSample(gauges.carrierUp, link.carrierUpCount, device);
    if (link.carrierDownCount !== undefined)
      addSample(gauges.carrierDown, link.carrierDownCount, device);
    if (link.mtu !== undefined) addSample(gauges.mtu, link.mtu, device);
    if (link.txqlen !== undefined) addSample(gauges.txqlen, link.txqlen, device);
    const master = link.master === undefined ? '' : (names.get(link.master) ?? String(link.master));
    addSample(
      gauges.info,
      1,
      device,
      link.kind ?? '',
      OPERSTATE_NAMES[link.operstate] ?? String(link.operstate),
      link.address ?? '',
      master,
      link.alias ?? '',
    );
  }
  out.push(...Object.values(gauges));

  const addresses = family(D.addresses);
  const addressCounts = new Map<string, number>();
  for (let i = 0; i < snap.addresses.length; i++) {
    const a = snap.addresses[i]!;
    if (allowedIndex(a.index)) bump(addressCounts, familyLabel(a.family));
  }
  for (const [label, count] of addressCounts) addSample(addresses, count, label);
  out.push(addresses);

  const routes = family(D.routes);
  for (const [key, count] of countRoutes(snap.routes)) {
    const protocol = (key >>> 8) & 0xff;
    const type = key & 0xff;
    addSample(
      routes,
      count,
      FAMILY_CODE_LABELS[(key >>> 16) & 3]!,
      tableLabel(Math.floor(key / 0x40000)),
      PROTOCOL_NAMES[protocol] ?? String(protocol),
      ROUTE_TYPE_NAMES[type] ?? String(type),
    );
  }
  out.push(routes);

  const neighbours = family(D.neighbours);
  const neighbourCounts = new Map<string, number>();
  for (let i = 0; i < snap.neighbours.length; i++) {
    const n = snap.neighbours[i]!;
    if (n.family !== AF_BRIDGE && allowedIndex(n.index))
      bump(neighbourCounts, `${familyLabel(n.family)}\0${neighbourState(n.state)}`);
  }
  for (const [key, count] of neighbourCounts) addSample(neighbours, count, ...key.split('\0'));
  out.push(neighbours);
  return out;
}

async function readSnapshot(ctx: CollectContext): Promise<RtnetlinkSnapshot> {
  return withSocket(ctx, NETLINK_ROUTE, async (socket) => {
    const opts = dumpOptions(ctx);
    const links = await dumpLinks(socket, opts);
    const addresses = await dumpAddresses(socket, 0, opts);
    const routes = await dumpRoutes(socket, 0, opts);
    const neighbours = await dumpNeighbours(socket, 0, opts);
    ctx.stats.addDumpRestarts(
      links.restarts + addresses.restarts + routes.restarts + neighbours.restarts,
    );
    return {
      links: links.items,
      addresses: addresses.items,
      routes: routes.routes,
      neighbours: neighbours.items,
    };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    await withSocket(ctx, NETLINK_ROUTE, (socket) => dumpLinks(socket, dumpOptions(ctx)));
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'RTM_GETLINK dump');
  }
}

/** The rtnetlink collector. */
export const rtnetlinkCollector = registerCollector({
  name: 'rtnetlink',
  descriptors: [...LINK_COUNTERS.map(([, desc]) => desc), ...Object.values(D)],
  interfaceScoped: true,
  probe,
  collect: async (ctx) => rtnetlinkFamilies(await readSnapshot(ctx), ctx.interfaceAllowed),
});
