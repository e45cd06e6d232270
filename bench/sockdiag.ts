// Scrape benchmark of the sock_diag collector on a busy host: a namespace with 50,000 TCP
// sockets, made by a helper process that opens 25,000 loopback connections to listeners in
// the namespace. The exporter (sock_diag only), node_exporter 1.5 (tcpstat and sockstat) and
// the ss commands an operator would run (`ss -s`, `ss -tan | wc -l`) run in the same
// namespace and the same run.
//
// Needs root, curl, iproute2 and prometheus-node-exporter.
// Usage: npm run build && node dist/bench/sockdiag.js
// Environment: BENCH_CONNECTIONS (default 25000), BENCH_SCRAPES (default 20).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createBenchNamespace } from './netns-scene.js';
import { fetchIn, MAIN, measure, NODE_FLAGS, report, startIn, stop } from './scrape-common.js';

const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 25000);
const SCRAPES = Number(process.env['BENCH_SCRAPES'] ?? 20);
/** Listener ports per helper; several spread the client ports over more four-tuples. */
const PORTS_PER_HELPER = 4;
/** Below the ephemeral port range that the benchmark sets (10000-65000), like the exporters. */
const FIRST_PORT = 800;
/** Connections in flight at once while a helper builds its part of the scene. */
const CONCURRENCY = 500;
/**
 * Returns how many connections one helper can hold: each holds both ends of its connections,
 * and raising the hard file limit needs CAP_SYS_RESOURCE, so the hard limit sets the size.
 */
function connectionsPerHelper(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  const limit = out === 'unlimited' ? 1_048_576 : Number(out);
  if (!Number.isInteger(limit) || limit < 4096) {
    throw new Error(`the hard file limit ${out} is too low; it must be at least 4096`);
  }
  return Math.floor((limit - 1024) / 2);
}

/**
 * Runs as a helper inside the namespace: listens on PORTS_PER_HELPER ports from `firstPort`,
 * opens `count` loopback connections to them, prints "ready" and keeps every socket until
 * stdin closes.
 */
async function hold(count: number, firstPort: number): Promise<void> {
  const ports = Array.from({ length: PORTS_PER_HELPER }, (_, i) => firstPort + i);
  const accepted: net.Socket[] = [];
  const servers = ports.map((port) =>
    net
      .createServer((socket) => accepted.push(socket))
      .listen({
        port,
        host: '127.0.0.1',
        backlog: 4096,
      }),
  );
  await Promise.all(servers.map((server) => once(server, 'listening')));
  const clients: net.Socket[] = [];
  for (let start = 0; start < count; start += CONCURRENCY) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + CONCURRENCY); i++) {
      const port = ports[i % ports.length]!;
      const socket = net.connect({ port, host: '127.0.0.1' });
      clients.push(socket);
      batch.push(once(socket, 'connect'));
    }
    await Promise.all(batch);
  }
  while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
  process.stdout.write('ready\n');
  process.stdin.resume();
  await once(process.stdin, 'end');
  for (const socket of [...clients, ...accepted]) socket.destroy();
  for (const server of servers) server.close();
}

/** Starts one helper in `ns` for `count` connections; resolves when its sockets are open. */
async function startHolder(ns: string, count: number, firstPort: number): Promise<ChildProcess> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, self, 'hold', String(count), String(firstPort)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  child.stdout?.setEncoding('utf8');
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`socket helper exited with ${code}`)));
  });
  return child;
}

/** Starts as many helpers as `count` connections need, one after another. */
async function startHolders(ns: string, count: number): Promise<ChildProcess[]> {
  const helpers: ChildProcess[] = [];
  const perHelper = connectionsPerHelper();
  for (let done = 0; done < count; done += perHelper) {
    const port = FIRST_PORT + helpers.length * PORTS_PER_HELPER;
    helpers.push(await startHolder(ns, Math.min(perHelper, count - done), port));
  }
  return helpers;
}

/** Runs `sh -c command` in `ns` `runs` times and returns the median wall time in ms. */
function timeCommand(ns: string, command: string, runs: number): { ms: number; output: string } {
  const wall: number[] = [];
  let output = '';
  for (let i = 0; i < runs + 1; i++) {
    const started = performance.now();
    const result = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', command], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const ms = performance.now() - started;
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
    output = result.stdout;
    // The first run warms the page cache and is left out.
    if (i > 0) wall.push(ms);
  }
  wall.sort((a, b) => a - b);
  return { ms: wall[Math.floor((wall.length - 1) / 2)]!, output };
}

/** Returns the collector's own duration from the self-metric of one scrape, in ms. */
function collectorMs(ns: string, url: string): number {
  const { body } = fetchIn(ns, url);
  const match = /^nft_scrape_collector_duration_seconds\{collector="sock_diag"\} (\S+)$/m.exec(
    body,
  );
  return match === null ? Number.NaN : Number(match[1]) * 1000;
}

async function main(): Promise<void> {
  const ns = createBenchNamespace('sockdiag');
  let holders: ChildProcess[] = [];
  try {
    spawnSync('ip', [
      'netns',
      'exec',
      ns.name,
      'sysctl',
      '-qw',
      'net.ipv4.ip_local_port_range=10000 65000',
    ]);
    console.log(`opening ${CONNECTIONS} loopback connections (${2 * CONNECTIONS} sockets) ...`);
    holders = await startHolders(ns.name, CONNECTIONS);

    const ours = await startIn(
      ns.name,
      process.execPath,
      [
        ...NODE_FLAGS,
        MAIN,
        '--web.listen-address=127.0.0.1:9490',
        '--collector.disable-defaults',
        '--collector.sock_diag',
        '--log.level=warn',
      ],
      'http://127.0.0.1:9490/ready',
    );
    const peer = await startIn(
      ns.name,
      'prometheus-node-exporter',
      [
        '--web.listen-address=127.0.0.1:9491',
        '--collector.disable-defaults',
        '--collector.tcpstat',
        '--collector.sockstat',
        '--web.disable-exporter-metrics',
      ],
      'http://127.0.0.1:9491/metrics',
    );
    try {
      const url = 'http://127.0.0.1:9490/metrics';
      const rows = [
        measure('netlink_exporter sock_diag', ns.name, ours.pid!, url, SCRAPES),
        measure(
          'node_exporter 1.5 tcpstat+sockstat',
          ns.name,
          peer.pid!,
          'http://127.0.0.1:9491/metrics',
          SCRAPES,
        ),
      ];
      report(`sock_diag: ${2 * CONNECTIONS} TCP sockets`, rows);

      const durations: number[] = [];
      for (let i = 0; i < 5; i++) durations.push(collectorMs(ns.name, url));
      durations.sort((a, b) => a - b);
      const collector = durations[2]!;
      const ssSummary = timeCommand(ns.name, 'ss -s', 5);
      const ssCount = timeCommand(ns.name, 'ss -tan | wc -l', 5);
      const ours0 = rows[0]!;
      console.log('  commands in the same namespace (median wall ms, process start included):');
      console.log(`    ss -s                      ${ssSummary.ms.toFixed(1).padStart(8)}`);
      console.log(
        `    ss -tan | wc -l            ${ssCount.ms.toFixed(1).padStart(8)}   (${ssCount.output.trim()} lines)`,
      );
      console.log(
        `    sock_diag collection       ${collector.toFixed(1).padStart(8)}   (nft_scrape_collector_duration_seconds)`,
      );
      console.log(
        `  ratio sock_diag scrape / ss -tan | wc -l: ${(ours0.wallMs.median / ssCount.ms).toFixed(2)} (target <= 3); collection only: ${(collector / ssCount.ms).toFixed(2)}`,
      );
    } finally {
      await stop(ours);
      await stop(peer);
    }
  } finally {
    for (const holder of holders) {
      if (holder.exitCode !== null) continue;
      const exited = once(holder, 'exit');
      holder.stdin?.end();
      await exited;
    }
    ns.remove();
  }
}

if (process.argv[2] === 'hold') {
  hold(Number(process.argv[3]), Number(process.argv[4])).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
