// sock_diag collector: socket counts and queue sums by protocol and state, drops and TCP
// retransmits of the open sockets, and accept queue pressure of listening sockets. It reads
// SOCK_DIAG_BY_FAMILY dumps of TCP, UDP, RAW and MPTCP (IPv4 and IPv6) and of UNIX sockets.

import { dumpInetSockets, dumpUnixSockets } from '../families/sockdiag/client.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_MPTCP,
  IPPROTO_RAW,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  STATE_NAMES,
  TCP_CLOSE,
  TCP_LISTEN,
} from '../families/sockdiag/constants.js';
import { SocketTally } from '../families/sockdiag/parse.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_SOCK_DIAG } from '../netlink/constants.js';
import { isUnavailable } from '../netlink/errors.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const INET_MSG = 'SOCK_DIAG_BY_FAMILY inet_diag_msg';

/** Every family of this collector, with the labels used when address families are merged. */
const D = {
  sockets: {
    name: 'nft_sockets',
    type: 'gauge',
    help: 'Open sockets by protocol (tcp, udp, raw, mptcp, unix_stream, unix_dgram, unix_seqpacket) and state.',
    labels: ['protocol', 'state'],
    source: `${INET_MSG} idiag_state, unix_diag_msg udiag_type and udiag_state`,
  },
  receiveQueue: {
    name: 'nft_socket_receive_queue_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Bytes in the receive queues of the open sockets, summed by protocol and state. Listening sockets are left out.',
    labels: ['protocol', 'state'],
    source: `${INET_MSG} idiag_rqueue, UNIX_DIAG_RQLEN udiag_rqueue`,
  },
  sendQueue: {
    name: 'nft_socket_send_queue_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Bytes in the send queues of the open sockets, summed by protocol and state. Listening sockets are left out.',
    labels: ['protocol', 'state'],
    source: `${INET_MSG} idiag_wqueue, UNIX_DIAG_RQLEN udiag_wqueue`,
  },
  drops: {
    name: 'nft_socket_drops_by_open_sockets',
    type: 'gauge',
    help: 'Packets dropped by the sockets that are open now, summed by protocol. Falls when sockets close.',
    labels: ['protocol'],
    source: 'INET_DIAG_SKMEMINFO and UNIX_DIAG_MEMINFO SK_MEMINFO_DROPS',
  },
  retransmits: {
    name: 'nft_socket_tcp_retransmits_by_open_sockets',
    type: 'gauge',
    help: 'Segments retransmitted by the TCP sockets that are open now, summed. Falls when sockets close.',
    labels: [],
    source: 'INET_DIAG_INFO tcp_info.tcpi_total_retrans',
  },
  listenQueue: {
    name: 'nft_socket_listen_queue_connections',
    type: 'gauge',
    help: 'Connections waiting in the accept queues of the listening sockets, summed by protocol.',
    labels: ['protocol'],
    source: `${INET_MSG} idiag_rqueue, UNIX_DIAG_RQLEN udiag_rqueue of listening sockets`,
  },
  listenQueueMax: {
    name: 'nft_socket_listen_queue_max_connections',
    type: 'gauge',
    help: 'Maximum accept queue length of one listening socket in connections, by protocol.',
    labels: ['protocol'],
    source: `${INET_MSG} idiag_rqueue, UNIX_DIAG_RQLEN udiag_rqueue of listening sockets`,
  },
  listenBacklog: {
    name: 'nft_socket_listen_backlog_connections',
    type: 'gauge',
    help: 'Backlogs of the listening sockets (listen(2) argument capped by net.core.somaxconn), summed by protocol.',
    labels: ['protocol'],
    source: `${INET_MSG} idiag_wqueue, UNIX_DIAG_RQLEN udiag_wqueue of listening sockets`,
  },
  listenFill: {
    name: 'nft_socket_listen_queue_max_fill_ratio',
    type: 'gauge',
    help: 'Maximum accept queue length / (backlog + 1) of one listening socket, by protocol. At 1 the queue is full and new connections are dropped.',
    labels: ['protocol'],
    source: `${INET_MSG} idiag_rqueue and idiag_wqueue, UNIX_DIAG_RQLEN of listening sockets`,
  },
} as const satisfies Record<string, MetricDescriptor>;

type DescriptorKey = keyof typeof D;

/** Returns `fn` applied to every descriptor of D, under the same keys. */
function mapDescriptors<T>(
  fn: (desc: MetricDescriptor, key: DescriptorKey) => T,
): Record<DescriptorKey, T> {
  const out = {} as Record<DescriptorKey, T>;
  for (const key of Object.keys(D) as DescriptorKey[]) out[key] = fn(D[key], key);
  return out;
}

/** The descriptors with a `family` label (inet, inet6, unix) after `protocol`. */
const D_BY_FAMILY = mapDescriptors(
  (desc): MetricDescriptor => ({
    ...desc,
    labels: desc.labels.length === 0 ? ['family'] : ['protocol', 'family', ...desc.labels.slice(1)],
  }),
);

/** Inet protocols in dump order. Optional ones are skipped when the kernel lacks their diag module. */
const INET_PROTOCOLS = [
  { protocol: IPPROTO_TCP, label: 'tcp', optional: false },
  { protocol: IPPROTO_UDP, label: 'udp', optional: false },
  { protocol: IPPROTO_RAW, label: 'raw', optional: true },
  { protocol: IPPROTO_MPTCP, label: 'mptcp', optional: true },
] as const;

const ADDRESS_FAMILIES = [
  [AF_INET, 'inet'],
  [AF_INET6, 'inet6'],
] as const;

const UNIX_TYPES: readonly (readonly [number, string])[] = [
  [SOCK_STREAM, 'unix_stream'],
  [SOCK_DGRAM, 'unix_dgram'],
  [SOCK_SEQPACKET, 'unix_seqpacket'],
];

/** Tallies of one scrape, one per protocol and address family whose dump succeeded. */
export interface SockDiagSnapshot {
  readonly tallies: readonly SocketTally[];
}

/** Returns the `state` label value. State 7 (TCP_CLOSE) is `unconnected` outside TCP and MPTCP. */
export function stateLabel(protocol: string, state: number): string {
  if (state === TCP_CLOSE && protocol !== 'tcp' && protocol !== 'mptcp') return 'unconnected';
  return STATE_NAMES[state] ?? String(state);
}

/** Merges the tallies of each protocol across address families, keeping first-seen order. */
function mergeFamilies(tallies: readonly SocketTally[]): SocketTally[] {
  const merged = new Map<string, SocketTally>();
  for (const tally of tallies) {
    let into = merged.get(tally.protocol);
    if (into === undefined) {
      into = new SocketTally(tally.protocol, '');
      merged.set(tally.protocol, into);
    }
    into.merge(tally);
  }
  return [...merged.values()];
}

/**
 * Builds the families of one scrape. With `byFamily` every series gets a `family` label,
 * otherwise the address families of each protocol are summed.
 */
export function sockDiagFamilies(snap: SockDiagSnapshot, byFamily: boolean): MetricFamily[] {
  const fams = mapDescriptors((desc, key) => family(byFamily ? D_BY_FAMILY[key] : desc));
  const tallies = byFamily ? snap.tallies : mergeFamilies(snap.tallies);

  for (const tally of tallies) {
    const key = byFamily ? [tally.protocol, tally.family] : [tally.protocol];
    for (let state = 0; state < tally.sockets.length; state++) {
      const count = tally.sockets[state]!;
      if (count === 0) continue;
      const label = stateLabel(tally.protocol, state);
      addSample(fams.sockets, count, ...key, label);
      if (state === TCP_LISTEN) continue;
      addSample(fams.receiveQueue, tally.receiveQueueBytes[state]!, ...key, label);
      addSample(fams.sendQueue, tally.sendQueueBytes[state]!, ...key, label);
    }
    addSample(fams.drops, tally.drops, ...key);
    if (tally.protocol === 'tcp') addSample(fams.retransmits, tally.retransmits, ...key.slice(1));
    if (tally.listeners > 0) {
      addSample(fams.listenQueue, tally.listenQueue, ...key);
      addSample(fams.listenQueueMax, tally.listenQueueMax, ...key);
      addSample(fams.listenBacklog, tally.listenBacklog, ...key);
      addSample(fams.listenFill, tally.listenFillMax, ...key);
    }
  }
  return Object.values(fams);
}

async function readSnapshot(ctx: CollectContext): Promise<SockDiagSnapshot> {
  return withSocket(ctx, NETLINK_SOCK_DIAG, async (socket) => {
    const opts = dumpOptions(ctx);
    const tallies: SocketTally[] = [];
    let restarts = 0;
    for (const { protocol, label, optional } of INET_PROTOCOLS) {
      for (const [af, afLabel] of ADDRESS_FAMILIES) {
        const tally = new SocketTally(label, afLabel);
        try {
          restarts += await dumpInetSockets(socket, af, protocol, tally, opts);
        } catch (err) {
          if (!optional || !isUnavailable(err)) throw err;
          ctx.log.debug('skipped a socket protocol that this kernel cannot dump', {
            protocol: label,
            err,
          });
          break;
        }
        tallies.push(tally);
      }
    }

    const unix = new Map<number, SocketTally>();
    for (const [type, label] of UNIX_TYPES) unix.set(type, new SocketTally(label, 'unix'));
    const other = new SocketTally('unix_other', 'unix');
    try {
      restarts += await dumpUnixSockets(socket, (type) => unix.get(type) ?? other, opts);
      tallies.push(...unix.values());
      if (other.sockets.some((n) => n > 0)) tallies.push(other);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      ctx.log.debug('skipped UNIX sockets because this kernel cannot dump them', { err });
    }
    ctx.stats.addDumpRestarts(restarts);
    return { tallies };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    // A dump of no states reaches the TCP diag handler without walking any socket.
    await withSocket(ctx, NETLINK_SOCK_DIAG, (socket) =>
      dumpInetSockets(
        socket,
        AF_INET,
        IPPROTO_TCP,
        new SocketTally('tcp', 'inet'),
        dumpOptions(ctx),
        0,
      ),
    );
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'SOCK_DIAG_BY_FAMILY dump of TCP sockets');
  }
}

/** The sock_diag collector. */
export const sockDiagCollector = registerCollector({
  name: 'sock_diag',
  descriptors: Object.values(D),
  interfaceScoped: false,
  probe,
  collect: async (ctx) => sockDiagFamilies(await readSnapshot(ctx), ctx.config.sockDiag.byFamily),
});
