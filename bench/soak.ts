// Soak benchmark: the exporter with all 21 collectors on a small host (a namespace with 50
// veth pairs, addresses and 200 loopback TCP connections), scraped 2,000 times. It prints
// the resident set at checkpoints, so that memory that grows with every scrape shows up as a
// slope. Needs root, curl and python3. Usage: npm run build && node dist/bench/soak.js

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { COLLECTOR_NAMES } from '../src/collectors/names.js';
import { createBenchNamespace, vethPairLines } from './netns-scene.js';
import { fetchIn, MAIN, NODE_FLAGS, rssMb, startIn, stop } from './scrape-common.js';

const SCRAPES = Number(process.env['BENCH_SOAK_SCRAPES'] ?? 2000);
/** Scrapes per curl process, which fetches the same URL repeatedly on one connection. */
const BATCH = 50;
const PORT = 33482;
const CONNECTIONS = 200;

/** Reads the exporter's unlabelled nodejs_* and process_* gauges from an exposition. */
function selfGauges(body: string): Map<string, number> {
  const gauges = new Map<string, number>();
  for (const line of body.split('\n')) {
    const match = /^((?:nodejs|process)_[a-z_]+) (\S+)$/.exec(line);
    if (match !== null) gauges.set(match[1]!, Number(match[2]));
  }
  return gauges;
}

/** Scrapes `url` `count` times from inside `ns`, discarding the bodies. */
function scrapeMany(ns: string, url: string, count: number): void {
  const args = ['netns', 'exec', ns, 'curl', '-sSf', '--max-time', '600'];
  for (let i = 0; i < count; i++) args.push('-o', '/dev/null', url);
  const out = spawnSync('ip', args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`curl ${url} failed: ${out.stderr}`);
}

/**
 * Starts a Python process in `ns` that listens on 127.0.0.1 and keeps `count` connections to
 * itself open, so that the sock_diag collector has established sockets to report.
 */
function holdConnections(ns: string, count: number): ChildProcess {
  const script = [
    'import socket, sys, time',
    'server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1024)',
    'port = server.getsockname()[1]',
    `clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(${count})]`,
    `accepted = [server.accept()[0] for _ in range(${count})]`,
    'print("ready", flush=True)',
    'time.sleep(3600)',
  ].join('\n');
  return spawn('ip', ['netns', 'exec', ns, 'python3', '-c', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function main(): Promise<void> {
  const ns = createBenchNamespace('soak');
  let holder: ChildProcess | undefined;
  try {
    ns.batch(vethPairLines(50));
    ns.batch(['addr add 192.0.2.1/24 dev bva0', 'addr add 2001:db8::1/64 dev bva0 nodad']);
    holder = holdConnections(ns.name, CONNECTIONS);
    await new Promise<void>((resolve, reject) => {
      holder!.stdout!.once('data', () => resolve());
      holder!.once('exit', (code) => reject(new Error(`connection holder exited with ${code}`)));
    });

    const exporter = await startIn(
      ns.name,
      process.execPath,
      [
        ...NODE_FLAGS,
        MAIN,
        `--web.listen-address=127.0.0.1:${PORT}`,
        '--log.level=warn',
        ...COLLECTOR_NAMES.map((name) => `--collector.${name}`),
      ],
      `http://127.0.0.1:${PORT}/ready`,
    );
    try {
      const pid = exporter.pid!;
      const url = `http://127.0.0.1:${PORT}/metrics`;
      scrapeMany(ns.name, url, BATCH);
      console.log(
        `all collectors, 50 veth pairs, ${CONNECTIONS} TCP connections, ${SCRAPES} scrapes (${process.version})`,
      );
      // Row 0 is taken after the warm-up scrapes. The heap and external columns come from the
      // exporter's own nodejs_* gauges and show whether growth is in V8's heap or outside it.
      console.log('  scrapes  RSS MiB  heap used MiB  heap total MiB  external MiB  open fds');
      const points: [number, number][] = [];
      const checkpoint = (done: number): void => {
        const gauges = selfGauges(fetchIn(ns.name, url).body);
        const rss = rssMb(pid);
        points.push([done, rss]);
        const mib = (name: string): string =>
          ((gauges.get(name) ?? Number.NaN) / 1048576).toFixed(1).padStart(14);
        console.log(
          `  ${String(done).padStart(7)}  ${rss.toFixed(1).padStart(7)}` +
            `${mib('nodejs_heap_size_used_bytes')} ${mib('nodejs_heap_size_total_bytes')}` +
            `${mib('nodejs_external_memory_bytes')}` +
            `${String(gauges.get('process_open_fds') ?? '?').padStart(10)}`,
        );
      };
      checkpoint(0);
      for (let done = 0; done < SCRAPES; ) {
        const count = Math.min(BATCH, SCRAPES - done);
        scrapeMany(ns.name, url, count);
        done += count;
        if (done % 250 === 0 || done === SCRAPES) checkpoint(done);
      }
      // The second half excludes the warm-up, in which V8 and malloc reach their working size.
      const half = points.find(([scrapes]) => scrapes >= SCRAPES / 2)!;
      const last = points[points.length - 1]!;
      const slope = ((last[1] - half[1]) / (last[0] - half[0])) * 1000;
      console.log(`  growth over the second half: ${slope.toFixed(1)} MiB per 1,000 scrapes`);
    } finally {
      await stop(exporter);
    }
  } finally {
    if (holder !== undefined && holder.exitCode === null) holder.kill('SIGTERM');
    ns.remove();
  }
}

await main();
