// The sock_diag collector end to end: a helper opens known sockets in a fresh namespace, the
// real exporter runs there, and every series is checked against what ss reports for the
// same namespace.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { dumpInetSockets } from '../../src/families/sockdiag/client.js';
import { AF_INET, IPPROTO_MPTCP, IPPROTO_RAW } from '../../src/families/sockdiag/constants.js';
import { SocketTally } from '../../src/families/sockdiag/parse.js';
import { NETLINK_SOCK_DIAG } from '../../src/netlink/constants.js';
import { isUnavailable } from '../../src/netlink/errors.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { type RunningExporter, startExporter } from '../support/exporter.js';
import { parseExposition } from '../support/exposition-parser.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { requireKernel, type TestNamespace, testNamespace } from '../support/netns.js';

const SCENE = join(REPO_ROOT, 'test', 'kernel', 'sock_diag_scene.py');
const PATH = '/metrics?collect[]=sock_diag';

/** Route to 192.0.2.2 out of a veth whose peer drops the packets: connections stay in SYN-SENT. */
const BLACKHOLE_ROUTE = [
  'link add nlxbh0 type veth peer name nlxbh1',
  'link set nlxbh0 up',
  'link set nlxbh1 up',
  'addr add 192.0.2.1/24 dev nlxbh0',
  'neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev nlxbh0 nud permanent',
];

/** Runs the scene helper in `ns` until the test ends, and resolves with its ready line. */
async function startScene(
  t: TestContext,
  ns: TestNamespace,
  args: readonly string[],
): Promise<Record<string, unknown>> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns.name, 'python3', SCENE, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => {
    child.stdin?.end();
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(stdout.slice(0, newline)) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`socket scene exited with ${code}: ${stderr}`)));
  });
}

/** GETs the sock_diag metrics with a client that leaves no socket behind in `ns`. */
function scrape(ns: TestNamespace, exporter: RunningExporter): string {
  const result = spawnSync(
    'ip',
    ['netns', 'exec', ns.name, 'python3', SCENE, 'scrape', String(exporter.port), PATH],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`scrape failed: ${result.stderr}`);
  return result.stdout;
}

/** Reports whether the kernel can dump sockets of `protocol` (raw_diag, mptcp_diag). */
async function canDump(ns: TestNamespace, protocol: number): Promise<boolean> {
  const socket = NetlinkSocket.open(NETLINK_SOCK_DIAG, { netns: ns.path });
  try {
    await dumpInetSockets(socket, AF_INET, protocol, new SocketTally('', ''), {}, 0);
    return true;
  } catch (err) {
    if (isUnavailable(err)) return false;
    throw err;
  } finally {
    socket.close();
  }
}

/** One socket as ss prints it. */
interface SsSocket {
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

const UNIX_NETIDS: Readonly<Record<string, string>> = {
  u_str: 'unix_stream',
  u_dgr: 'unix_dgram',
  u_seq: 'unix_seqpacket',
};

/**
 * Parses `ss -H ... -m [-i]` output. A line that starts with white space continues the
 * socket above it with skmem (drops) and tcp_info (retransmits); UNIX sockets have skmem on
 * their own line.
 */
function parseSs(output: string, protocol: string | undefined, family: string): SsSocket[] {
  const sockets: SsSocket[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      const fields = line.trim().split(/\s+/);
      const netid = protocol === undefined ? fields.shift()! : undefined;
      const ssState = fields[0]!;
      const proto = protocol ?? UNIX_NETIDS[netid!] ?? `unknown ${netid}`;
      let state = SS_STATES[ssState] ?? `unknown ${ssState}`;
      if (state === 'unconnected' && (proto === 'tcp' || proto === 'mptcp')) state = 'close';
      sockets.push({
        protocol: proto,
        family,
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

function ss(ns: TestNamespace, args: readonly string[]): string {
  return ns.exec('ss', '-H', '-n', '-a', '-m', ...args);
}

/** Reads every socket of `ns` with ss, for the protocols the collector dumps. */
function readSs(ns: TestNamespace, optional: { mptcp: boolean; raw: boolean }): SsSocket[] {
  const out: SsSocket[] = [];
  for (const [flag, family] of [
    ['-4', 'inet'],
    ['-6', 'inet6'],
  ] as const) {
    out.push(...parseSs(ss(ns, ['-t', '-i', flag]), 'tcp', family));
    out.push(...parseSs(ss(ns, ['-u', flag]), 'udp', family));
    if (optional.raw) out.push(...parseSs(ss(ns, ['-w', flag]), 'raw', family));
    if (optional.mptcp) out.push(...parseSs(ss(ns, ['-M', flag]), 'mptcp', family));
  }
  out.push(...parseSs(ss(ns, ['-x']), undefined, 'unix'));
  return out;
}

/** Label text of one series: `name{label="value",...}`, in the order the exporter writes. */
type Series = Record<string, string>;

function key(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return `${name}{${pairs.join(',')}}`;
}

/** Returns every nft_socket* series of a scrape as `name{labels}` → value. */
function scrapedSeries(text: string): Series {
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
function expectedSeries(
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

/** Returns the scrape's own connection: both sides established, with empty queues. */
function scrapeConnection(): SsSocket[] {
  const side = (): SsSocket => ({
    protocol: 'tcp',
    family: 'inet',
    state: 'established',
    recvQ: 0,
    sendQ: 0,
    drops: 0,
    retransmits: 0,
  });
  return [side(), side()];
}

/**
 * Scrapes each exporter between two ss reads, until both reads agree, so that nothing moved
 * (SYN retransmits add drops and retransmits now and then). Returns the ss read and the
 * scrapes.
 */
function stableScrapes(
  ns: TestNamespace,
  exporters: readonly RunningExporter[],
  optional: { mptcp: boolean; raw: boolean },
): { sockets: SsSocket[]; texts: string[] } {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = readSs(ns, optional);
    const texts = exporters.map((exporter) => scrape(ns, exporter));
    const after = readSs(ns, optional);
    if (JSON.stringify(before) === JSON.stringify(after)) return { sockets: before, texts };
  }
  throw new Error('the sockets kept changing between ss reads in five attempts');
}

function dumpedProtocols(optional: { mptcp: boolean; raw: boolean }): string[] {
  const protocols = ['tcp', 'udp'];
  if (optional.raw) protocols.push('raw');
  if (optional.mptcp) protocols.push('mptcp');
  const dumped = protocols.flatMap((p) => [`${p}/inet`, `${p}/inet6`]);
  return [...dumped, 'unix_stream/unix', 'unix_dgram/unix', 'unix_seqpacket/unix'];
}

test('sock_diag matches ss for every socket kind', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'sockdiag');
  ns.ipBatch(BLACKHOLE_ROUTE);
  const ready = await startScene(t, ns, ['full']);
  const optional = {
    mptcp: await canDump(ns, IPPROTO_MPTCP),
    raw: await canDump(ns, IPPROTO_RAW),
  };
  assert.equal(ready['mptcp'], optional.mptcp, 'MPTCP sockets exist exactly when mptcp_diag does');

  const merged = await startExporter(ns);
  t.after(() => merged.stop());
  const split = await startExporter(ns, ['--collector.sock_diag.by-family']);
  t.after(() => split.stop());

  const { sockets, texts } = stableScrapes(ns, [merged, split], optional);
  const atScrape = [...sockets, ...scrapeConnection()];
  const dumped = dumpedProtocols(optional);
  assert.deepStrictEqual(scrapedSeries(texts[0]!), expectedSeries(atScrape, dumped, false));
  assert.deepStrictEqual(scrapedSeries(texts[1]!), expectedSeries(atScrape, dumped, true));

  // The scene's own counts, so that a scene that failed to build cannot pass unnoticed.
  const count = (protocol: string, state: string): number =>
    sockets.filter((s) => s.protocol === protocol && s.state === state).length;
  assert.ok(count('tcp', 'time_wait') >= 3, 'time-wait sockets');
  assert.ok(count('tcp', 'close_wait') >= 2, 'close-wait sockets');
  assert.ok(count('tcp', 'syn_sent') >= 3, 'syn-sent sockets');
  assert.ok(count('unix_dgram', 'unconnected') >= 2, 'unconnected UNIX datagram sockets');
  assert.ok(
    sockets.some((s) => s.protocol === 'udp' && s.drops > 0),
    'UDP drops',
  );
});

test('listen queue shows a full accept queue', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'sdlisten');
  const backlog = 4;
  const extra = 3;
  await startScene(t, ns, ['listen', String(backlog), String(extra)]);
  const exporter = await startExporter(ns);
  t.after(() => exporter.stop());

  const series = scrapedSeries(scrape(ns, exporter));
  // The exporter's own listener adds its backlog and an empty queue.
  const listeners = parseSs(ss(ns, ['-t', '-l', '-4']), 'tcp', 'inet');
  const exporterBacklog = listeners.reduce((sum, s) => sum + s.sendQ, 0) - backlog;
  assert.deepStrictEqual(
    {
      queue: series['nft_socket_listen_queue_connections{protocol="tcp"}'],
      max: series['nft_socket_listen_queue_max_connections{protocol="tcp"}'],
      backlog: series['nft_socket_listen_backlog_connections{protocol="tcp"}'],
      fill: series['nft_socket_listen_queue_max_fill_ratio{protocol="tcp"}'],
      synSent: series['nft_sockets{protocol="tcp",state="syn_sent"}'],
      listeners: series['nft_sockets{protocol="tcp",state="listen"}'],
    },
    {
      // The kernel drops connections only once the queue is longer than the backlog.
      queue: String(backlog + 1),
      max: String(backlog + 1),
      backlog: String(backlog + exporterBacklog),
      fill: '1',
      synSent: String(extra - 1),
      listeners: '2',
    },
  );
});
