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
import { REPO_ROOT } from '../support/fixtures.js';
import { requireKernel, type TestNamespace, testNamespace } from '../support/netns.js';
import {
  dumpedProtocols,
  expectedSeries,
  type Optional,
  parseSs,
  readSs,
  type SsRunner,
  type SsSocket,
  scrapedSeries,
  ss,
} from './sock_diag-ss.js';

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

/** Returns a runner of ss inside `ns`. */
function ssIn(ns: TestNamespace): SsRunner {
  return (...args) => ns.exec('ss', ...args);
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
  optional: Optional,
): { sockets: SsSocket[]; texts: string[] } {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = readSs(ssIn(ns), optional);
    const texts = exporters.map((exporter) => scrape(ns, exporter));
    const after = readSs(ssIn(ns), optional);
    if (JSON.stringify(before) === JSON.stringify(after)) return { sockets: before, texts };
  }
  throw new Error('the sockets kept changing between ss reads in five attempts');
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
  const listeners = parseSs(ss(ssIn(ns), ['-t', '-l', '-4']), 'tcp', 'inet');
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
