// Expected sock_diag series from ss output, for the host kernel test and the lab guest test:
// ss is the oracle for each socket, and the sums follow the collector's help texts.

import { parseExposition } from '../support/exposition-parser.js';

/** The protocols whose diag module the kernel may lack, and whether it has them. */
export interface Optional {
  readonly mptcp: boolean;
  readonly raw: boolean;
}

/** One socket as ss prints it. */
export interface SsSocket {
  readonly protocol: string;
  readonly family: string;
  readonly state: string;
  readonly recvQ: number;
  readonly sendQ: number;
  drops: number;
  retransmits: number;
}

/** ss state names and the collector's state labels. UNCONN is `close` for TCP and MPTCP. */
const SS_STATES: Readonly<Record<string, string>> = {
  ESTAB: 'established',
  'SYN-SENT': 'syn_sent',
  'SYN-RECV': 'syn_recv',
  'FIN-WAIT-1': 'fin_wait1',
  'FIN-WAIT-2': 'fin_wait2',
  'TIME-WAIT': 'time_wait',
  UNCONN: 'unconnected',
  'CLOSE-WAIT': 'close_wait',
  'LAST-ACK': 'last_ack',
  LISTEN: 'listen',
  CLOSING: 'closing',
};

/** Netid values of ss that name a protocol differently from the collector. */
const NETIDS: Readonly<Record<string, string>> = {
  u_str: 'unix_stream',
  u_dgr: 'unix_dgram',
  u_seq: 'unix_seqpacket',
};

/**
 * Parses `ss -H ... -m [-i]` output. A line that starts with white space continues the
 * socket above it with skmem (drops) and tcp_info (retransmits). UNIX sockets have their
 * skmem at the end of the socket's own line instead.
 *
 * With `protocol` undefined the output must have a Netid column, which ss prints when it is
 * given several protocol options. Without `family`, the family comes from the local address:
 * `[...]` is inet6, a UNIX socket is unix, and anything else is inet.
 */
export function parseSs(output: string, protocol?: string, family?: string): SsSocket[] {
  const sockets: SsSocket[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      const fields = line.trim().split(/\s+/);
      const netid = protocol === undefined ? fields.shift()! : undefined;
      const proto = protocol ?? NETIDS[netid!] ?? netid!;
      const local = fields[3] ?? '';
      const fam =
        family ?? (proto.startsWith('unix') ? 'unix' : local.startsWith('[') ? 'inet6' : 'inet');
      const ssState = fields[0]!;
      let state = SS_STATES[ssState] ?? `unknown ${ssState}`;
      if (state === 'unconnected' && (proto === 'tcp' || proto === 'mptcp')) state = 'close';
      sockets.push({
        protocol: proto,
        family: fam,
        state,
        recvQ: Number(fields[1]),
        sendQ: Number(fields[2]),
        drops: 0,
        retransmits: 0,
      });
    }
    const last = sockets.at(-1);
    const drops = /skmem:\([^)]*\bd(\d+)\)/.exec(line);
    if (last !== undefined && drops !== null) last.drops = Number(drops[1]);
    const retrans = /\bretrans:\d+\/(\d+)/.exec(line);
    if (last !== undefined && retrans !== null) last.retransmits = Number(retrans[1]);
  }
  return sockets;
}

/** Runs `ss ARGS` in the namespace under test and returns its output. */
export type SsRunner = (...args: string[]) => string;

/** Runs `ss -H -n -a -m ARGS`: every socket, numeric, with memory info, no header. */
export function ss(run: SsRunner, args: readonly string[]): string {
  return run('-H', '-n', '-a', '-m', ...args);
}

/** Reads every socket with ss, for the protocols the collector dumps. */
export function readSs(run: SsRunner, optional: Optional): SsSocket[] {
  // One ss process for most protocols: under the lab VM's emulation each process costs about
  // 1.5 s, and the read must be quick to fall between SYN retransmits. Raw sockets get their
  // own, because iproute2 6.1's ss prints the netid of netlink-dumped raw sockets as `???`.
  const sockets = parseSs(ss(run, ['-i', '-t', '-u', '-x', ...(optional.mptcp ? ['-M'] : [])]));
  if (optional.raw) sockets.push(...parseSs(ss(run, ['-w']), 'raw'));
  return sockets;
}

/** Label text of one series: `name{label="value",...}`, in the order the exporter writes. */
export type Series = Record<string, string>;

function key(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return `${name}{${pairs.join(',')}}`;
}

/** Returns every nft_socket* series of a scrape as `name{labels}` → value. */
export function scrapedSeries(text: string): Series {
  const series: Series = {};
  for (const [name, fam] of parseExposition(text, 'text')) {
    if (!name.startsWith('nft_socket')) continue;
    for (const sample of fam.samples) series[key(sample.name, sample.labels)] = sample.value;
  }
  return sortKeys(series);
}

function sortKeys(series: Series): Series {
  return Object.fromEntries(Object.entries(series).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The series the collector should report for `sockets`, computed the way its help texts
 * describe them. `dumped` lists `protocol/family` of every dump that succeeds, because
 * drops are reported for each even without sockets.
 */
export function expectedSeries(
  sockets: readonly SsSocket[],
  dumped: readonly string[],
  byFamily: boolean,
): Series {
  const series: Series = {};
  const add = (name: string, labels: Record<string, string>, value: number): void => {
    const k = key(name, labels);
    series[k] = String(Number(series[k] ?? 0) + value);
  };
  const max = (name: string, labels: Record<string, string>, value: number): void => {
    const k = key(name, labels);
    series[k] = String(Math.max(Number(series[k] ?? 0), value));
  };
  const groupOf = (protocol: string, family: string): Record<string, string> =>
    byFamily ? { protocol, family } : { protocol };

  for (const entry of dumped) {
    const [protocol, family] = entry.split('/') as [string, string];
    add('nft_socket_drops_by_open_sockets', groupOf(protocol, family), 0);
    if (protocol === 'tcp') {
      add('nft_socket_tcp_retransmits_by_open_sockets', byFamily ? { family } : {}, 0);
    }
  }
  for (const s of sockets) {
    const group = groupOf(s.protocol, s.family);
    add('nft_sockets', { ...group, state: s.state }, 1);
    add('nft_socket_drops_by_open_sockets', group, s.drops);
    if (s.protocol === 'tcp') {
      add(
        'nft_socket_tcp_retransmits_by_open_sockets',
        byFamily ? { family: s.family } : {},
        s.retransmits,
      );
    }
    if (s.state !== 'listen') {
      add('nft_socket_receive_queue_bytes', { ...group, state: s.state }, s.recvQ);
      add('nft_socket_send_queue_bytes', { ...group, state: s.state }, s.sendQ);
      continue;
    }
    add('nft_socket_listen_queue_connections', group, s.recvQ);
    max('nft_socket_listen_queue_max_connections', group, s.recvQ);
    add('nft_socket_listen_backlog_connections', group, s.sendQ);
    max('nft_socket_listen_queue_max_fill_ratio', group, s.recvQ / (s.sendQ + 1));
  }
  return sortKeys(series);
}

export function dumpedProtocols(optional: Optional): string[] {
  const protocols = ['tcp', 'udp'];
  if (optional.raw) protocols.push('raw');
  if (optional.mptcp) protocols.push('mptcp');
  const dumped = protocols.flatMap((p) => [`${p}/inet`, `${p}/inet6`]);
  return [...dumped, 'unix_stream/unix', 'unix_dgram/unix', 'unix_seqpacket/unix'];
}
