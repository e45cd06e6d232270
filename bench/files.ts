// Cost of the file collectors: wall time and CPU time per scrape of each collector over N
// runs, next to node_exporter 1.5 (Debian package prometheus-node-exporter) reading the same
// files, scraped one collector at a time with `collect[]=<name>`.
//
// Usage: npm run build && node dist/bench/files.js [--runs N] [--veths N]
//   --runs N    scrapes per collector (default 200)
//   --veths N   also run inside a fresh network namespace with N veth pairs, so that the
//               NIC collectors list 2N devices. This needs root, and `ip netns exec` mounts
//               a sysfs of that namespace.
//
// Columns: our collect() alone, our collect() plus text encoding, node_exporter's own
// node_scrape_collector_duration_seconds, the HTTP round trip of its scrape, and CPU time per
// scrape (ours from process.cpuUsage, node_exporter's from /proc/<pid>/stat in clock ticks,
// so its figure has a resolution of 10 ms / N).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { irqCollector } from '../src/collectors/irq.js';
import { netstatCollector } from '../src/collectors/netstat.js';
import { nicBqlCollector } from '../src/collectors/nic_bql.js';
import { nicPcieCollector } from '../src/collectors/nic_pcie.js';
import { nicTempCollector } from '../src/collectors/nic_temp.js';
import { sockstatCollector } from '../src/collectors/sockstat.js';
import { softirqCollector } from '../src/collectors/softirq.js';
import { softnetCollector } from '../src/collectors/softnet.js';
import type { CollectContext, Collector } from '../src/collectors/types.js';
import { defaultConfig } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { encodeFamilies } from '../src/metrics/exposition.js';
import { createBenchNamespace, vethPairLines } from './netns-scene.js';

const NODE_EXPORTER = 'prometheus-node-exporter';
// Clock ticks per second of /proc/<pid>/stat, as getconf CLK_TCK prints it.
const CLOCK_TICKS = Number(
  spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim() || '100',
);

/** Our collector, and node_exporter's collector that reads the same file (or none). */
const PAIRS: readonly (readonly [Collector, string | undefined])[] = [
  [softnetCollector, 'softnet'],
  [netstatCollector, 'netstat'],
  // node_exporter's stat collector reads all of /proc/stat, softirq totals included.
  [softirqCollector, 'stat'],
  [irqCollector, 'interrupts'],
  [sockstatCollector, 'sockstat'],
  [nicBqlCollector, undefined],
  [nicPcieCollector, undefined],
  // node_exporter's hwmon collector reads /sys/class/hwmon, every chip of the machine.
  [nicTempCollector, 'hwmon'],
];

interface Options {
  readonly runs: number;
  readonly veths: number;
  readonly inside: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let runs = 200;
  let veths = 0;
  let inside = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = Number(argv[i + 1]);
    if (arg === '--inside') {
      inside = true;
    } else if ((arg === '--runs' || arg === '--veths') && Number.isInteger(value) && value >= 0) {
      if (arg === '--runs') runs = Math.max(1, value);
      else veths = value;
      i++;
    } else {
      throw new Error(`invalid argument "${arg}"; usage: files.js [--runs N] [--veths N]`);
    }
  }
  return { runs, veths, inside };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

function benchContext(): CollectContext {
  return {
    config: { ...defaultConfig(), netstat: { fieldInclude: /.*/ } },
    log: createLogger('error', 'logfmt', () => {}),
    signal: new AbortController().signal,
    interfaceAllowed: () => true,
    stats: { addDumpRestarts: () => {}, addCapDropped: () => {}, addSkipped: () => {} },
  };
}

interface OurFigures {
  readonly series: number;
  readonly collectP50: number;
  readonly collectP99: number;
  readonly encodeP50: number;
  readonly cpuMs: number;
}

async function measureOurs(collector: Collector, runs: number): Promise<OurFigures | string> {
  const ctx = benchContext();
  const probe = await collector.probe(ctx);
  if (probe.kind !== 'available') return probe.reason;

  const collectMs: number[] = [];
  const encodeMs: number[] = [];
  let series = 0;
  await collector.collect(ctx);
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const families = await collector.collect(ctx);
    const collected = performance.now();
    encodeFamilies(families, 'text');
    const encoded = performance.now();
    collectMs.push(collected - start);
    encodeMs.push(encoded - start);
    series = families.reduce((sum, fam) => sum + fam.samples.length, 0);
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    series,
    collectP50: percentile(collectMs, 0.5),
    collectP99: percentile(collectMs, 0.99),
    encodeP50: percentile(encodeMs, 0.5),
    cpuMs: (cpu.user + cpu.system) / 1000 / runs,
  };
}

interface NodeExporter {
  readonly child: ChildProcess;
  readonly port: number;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

async function startNodeExporter(): Promise<NodeExporter | undefined> {
  if (spawnSync(NODE_EXPORTER, ['--version'], { stdio: 'ignore' }).error !== undefined) {
    return undefined;
  }
  const port = await freeLoopbackPort();
  const collectors = PAIRS.flatMap(([, name]) => (name === undefined ? [] : [name]));
  const child = spawn(
    NODE_EXPORTER,
    [
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.disable-exporter-metrics',
      '--collector.disable-defaults',
      '--collector.netstat.fields=.*',
      '--collector.stat.softirq',
      ...collectors.map((name) => `--collector.${name}`),
    ],
    { stdio: 'ignore' },
  );
  // Also stop it when this process ends early, for example on EPIPE from a closed pipe.
  process.on('exit', () => child.kill('SIGTERM'));
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      await response.text();
      if (response.ok) return { child, port };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill('SIGTERM');
  throw new Error(`${NODE_EXPORTER} did not serve 127.0.0.1:${port} within 10 s`);
}

function cpuTicks(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised command name.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface TheirFigures {
  readonly durationP50: number;
  readonly httpP50: number;
  readonly cpuMs: number;
}

async function measureTheirs(
  exporter: NodeExporter,
  collector: string,
  runs: number,
): Promise<TheirFigures> {
  const url = `http://127.0.0.1:${exporter.port}/metrics?collect[]=${collector}`;
  const pattern = new RegExp(
    `^node_scrape_collector_duration_seconds\\{collector="${collector}"\\} (\\S+)$`,
    'm',
  );
  const durationMs: number[] = [];
  const httpMs: number[] = [];
  await (await fetch(url)).text();
  const pid = exporter.child.pid ?? 0;
  const ticksStart = cpuTicks(pid);
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const body = await (await fetch(url)).text();
    httpMs.push(performance.now() - start);
    durationMs.push(Number(pattern.exec(body)?.[1]) * 1000);
  }
  const ticks = cpuTicks(pid) - ticksStart;
  return {
    durationP50: percentile(durationMs, 0.5),
    httpP50: percentile(httpMs, 0.5),
    cpuMs: ((ticks / CLOCK_TICKS) * 1000) / runs,
  };
}

function cell(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(3);
}

async function runHere(options: Options, title: string): Promise<void> {
  const exporter = await startNodeExporter();
  try {
    console.log(`\n${title}: ${options.runs} scrapes per collector, times in ms per scrape`);
    if (exporter === undefined) console.log(`(${NODE_EXPORTER} is not installed)`);
    const header = [
      'collector',
      'series',
      'collect p50',
      'collect p99',
      '+encode p50',
      'cpu',
      'node_exporter',
      'ne duration p50',
      'ne http p50',
      'ne cpu',
    ];
    console.log(header.map((h, i) => (i === 0 ? h.padEnd(10) : h.padStart(16))).join(''));
    for (const [collector, theirName] of PAIRS) {
      const ours = await measureOurs(collector, options.runs);
      if (typeof ours === 'string') {
        console.log(`${collector.name.padEnd(10)}unavailable: ${ours}`);
        continue;
      }
      const theirs =
        exporter === undefined || theirName === undefined
          ? undefined
          : await measureTheirs(exporter, theirName, options.runs);
      const cells = [
        String(ours.series),
        cell(ours.collectP50),
        cell(ours.collectP99),
        cell(ours.encodeP50),
        cell(ours.cpuMs),
      ];
      const theirCells = [cell(theirs?.durationP50), cell(theirs?.httpP50), cell(theirs?.cpuMs)];
      console.log(
        collector.name.padEnd(10) +
          [...cells, theirName ?? '-', ...theirCells].map((c) => c.padStart(16)).join(''),
      );
    }
  } finally {
    exporter?.child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.inside) {
    await runHere(options, `inside a namespace with ${options.veths} veth pairs`);
    return;
  }
  await runHere(options, 'this host');
  if (options.veths === 0) return;

  const ns = createBenchNamespace('files');
  try {
    ns.batch(vethPairLines(options.veths));
    const args = [process.argv[1] ?? '', '--inside', '--runs', String(options.runs)];
    const child = spawnSync(
      'ip',
      ['netns', 'exec', ns.name, process.execPath, ...args, '--veths', String(options.veths)],
      { stdio: 'inherit' },
    );
    if (child.status !== 0)
      throw new Error(`the run inside ${ns.name} exited with ${child.status}`);
  } finally {
    ns.remove();
  }
}

await main();
