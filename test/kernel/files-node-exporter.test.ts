// Compares the file collectors with node_exporter 1.5 (Debian package
// prometheus-node-exporter) on this machine's live /proc: softnet, netstat, sockstat,
// interrupts, and the softirq totals of its stat collector. node_exporter listens on a free
// loopback port of this host's network namespace, because the per-namespace files
// (/proc/net/snmp, /proc/net/sockstat) must show the same namespace to both exporters.
//
// Values move between two reads, partly because of the test's own HTTP requests on
// loopback. So node_exporter is read before and after our collection, and each counter of
// ours must lie between its two readings. Gauges (sockets in use, TCP memory, CurrEstab) can
// move either way and may lie up to GAUGE_SLACK outside that range.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { irqCollector } from '../../src/collectors/irq.js';
import { netstatCollector } from '../../src/collectors/netstat.js';
import { sockstatCollector } from '../../src/collectors/sockstat.js';
import { softirqCollector } from '../../src/collectors/softirq.js';
import { softnetCollector } from '../../src/collectors/softnet.js';
import type { Collector } from '../../src/collectors/types.js';
import type { MetricFamily } from '../../src/metrics/model.js';
import { testConfig, testContext } from '../support/config.js';
import { parseExposition } from '../support/exposition-parser.js';
import { freeLoopbackPort } from '../support/ports.js';

const NODE_EXPORTER = 'prometheus-node-exporter';
const GAUGE_SLACK = 8;

/** Series keyed `name{label="value",...}` with labels sorted by name. */
type Series = Map<string, number>;

function seriesKey(name: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${labels[key]}"`);
  return `${name}{${pairs.join(',')}}`;
}

function nodeExporterBlocker(): string | undefined {
  const probe = spawnSync(NODE_EXPORTER, ['--version'], { stdio: 'ignore' });
  if (probe.error !== undefined) {
    return `${NODE_EXPORTER} is not installed (Debian package prometheus-node-exporter)`;
  }
  return undefined;
}

function requireNodeExporter(t: TestContext): boolean {
  const blocker = nodeExporterBlocker();
  if (blocker === undefined) return true;
  if (process.env['CI'] === 'true') throw new Error(`kernel test cannot run in CI: ${blocker}`);
  t.skip(blocker);
  return false;
}

interface RunningExporter {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stderr: () => string;
}

async function startNodeExporter(t: TestContext): Promise<RunningExporter> {
  const port = await freeLoopbackPort();
  const child = spawn(
    NODE_EXPORTER,
    [
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.disable-exporter-metrics',
      '--collector.disable-defaults',
      '--collector.softnet',
      '--collector.netstat',
      '--collector.netstat.fields=.*',
      '--collector.sockstat',
      '--collector.interrupts',
      '--collector.stat',
      '--collector.stat.softirq',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  t.after(stop);
  // Also when the test process ends without running its after hooks.
  process.on('exit', stop);
  const exporter = { url: `http://127.0.0.1:${port}/metrics`, child, stderr: () => stderr };
  await waitUntilServing(exporter);
  return exporter;
}

async function waitUntilServing(exporter: RunningExporter): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exporter.child.exitCode !== null) {
      throw new Error(
        `${NODE_EXPORTER} exited with ${exporter.child.exitCode}: ${exporter.stderr()}`,
      );
    }
    try {
      const response = await fetch(exporter.url);
      await response.text();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${NODE_EXPORTER} did not serve ${exporter.url} within 10 s: ${exporter.stderr()}`,
  );
}

async function scrapeNodeExporter(exporter: RunningExporter): Promise<Series> {
  const response = await fetch(exporter.url);
  assert.equal(response.status, 200);
  const series: Series = new Map();
  for (const fam of parseExposition(await response.text(), 'text').values()) {
    for (const sample of fam.samples) {
      series.set(seriesKey(sample.name, sample.labels), Number(sample.value));
    }
  }
  return series;
}

async function collectOurs(): Promise<Series> {
  const config = testConfig({
    netstat: { fieldInclude: /.*/ },
    irq: { perCpu: true },
  });
  const ctx = testContext(config);
  const collectors: Collector[] = [
    softnetCollector,
    netstatCollector,
    sockstatCollector,
    irqCollector,
    softirqCollector,
  ];
  const families: MetricFamily[] = [];
  for (const collector of collectors) families.push(...(await collector.collect(ctx)));
  assert.equal(ctx.skipped(), 0);

  const series: Series = new Map();
  for (const fam of families) {
    for (const sample of fam.samples) {
      const labels = Object.fromEntries(
        fam.desc.labels.map((name, i) => [name, sample.labels[i] ?? '']),
      );
      series.set(seriesKey(fam.desc.name, labels), Number(sample.value));
    }
  }
  return series;
}

interface Reads {
  readonly before: Series;
  readonly ours: Series;
  readonly after: Series;
}

async function readAll(t: TestContext): Promise<Reads> {
  const exporter = await startNodeExporter(t);
  const before = await scrapeNodeExporter(exporter);
  const ours = await collectOurs();
  const after = await scrapeNodeExporter(exporter);
  return { before, ours, after };
}

/** One value of ours paired with node_exporter's series name for the same field. */
interface Pair {
  readonly ours: string;
  readonly theirs: string;
  readonly kind: 'counter' | 'gauge';
}

/** Returns the pairs whose value of ours lies outside node_exporter's two readings. */
function outOfRange(reads: Reads, pairs: readonly Pair[]): string[] {
  const problems: string[] = [];
  for (const pair of pairs) {
    const ours = reads.ours.get(pair.ours);
    const before = reads.before.get(pair.theirs);
    const after = reads.after.get(pair.theirs);
    if (ours === undefined || before === undefined || after === undefined) {
      problems.push(`${pair.ours}=${ours} ${pair.theirs}=${before}..${after}: missing`);
      continue;
    }
    const slack = pair.kind === 'gauge' ? GAUGE_SLACK : 0;
    const low = Math.min(before, after) - slack;
    const high = Math.max(before, after) + slack;
    if (ours < low || ours > high) {
      problems.push(`${pair.ours}=${ours} outside ${pair.theirs} ${before}..${after}`);
    }
  }
  return problems;
}

/** Returns the label values of series named `name` for label `label`. */
function labelValues(series: Series, name: string, label: string): string[] {
  const pattern = new RegExp(`^${name}\\{(?:.*,)?${label}="([^"]*)"`);
  const values = new Set<string>();
  for (const key of series.keys()) {
    const match = pattern.exec(key);
    if (match !== null) values.add(match[1] ?? '');
  }
  return [...values].sort();
}

describe('file collectors against node_exporter 1.5', () => {
  it('softnet per CPU', async (t) => {
    if (!requireNodeExporter(t)) return;
    const reads = await readAll(t);
    const cpus = labelValues(reads.ours, 'nft_softnet_processed_total', 'cpu');
    assert.deepEqual(cpus, labelValues(reads.before, 'node_softnet_processed_total', 'cpu'));
    const pairs: Pair[] = cpus.flatMap((cpu) =>
      [
        ['nft_softnet_processed_total', 'node_softnet_processed_total'],
        ['nft_softnet_dropped_total', 'node_softnet_dropped_total'],
        ['nft_softnet_time_squeeze_total', 'node_softnet_times_squeezed_total'],
      ].map(([ours, theirs]) => ({
        ours: `${ours}{cpu="${cpu}"}`,
        theirs: `${theirs}{cpu="${cpu}"}`,
        kind: 'counter' as const,
      })),
    );
    assert.deepEqual(outOfRange(reads, pairs), []);
  });

  it('netstat fields of all three files', async (t) => {
    if (!requireNodeExporter(t)) return;
    const reads = await readAll(t);
    const pairs: Pair[] = [];
    for (const key of reads.ours.keys()) {
      const match = /^nft_netstat_(total|value)\{field="([^"]+)",protocol="([^"]+)"\}$/.exec(key);
      if (match === null) continue;
      const [, family, field, protocol] = match;
      pairs.push({
        ours: key,
        theirs: `node_netstat_${protocol}_${field}{}`,
        kind: family === 'total' ? 'counter' : 'gauge',
      });
    }
    const theirNames = [...reads.before.keys()].filter((key) => key.startsWith('node_netstat_'));
    assert.deepEqual(pairs.map((pair) => pair.theirs).sort(), theirNames.sort());
    assert.deepEqual(outOfRange(reads, pairs), []);
  });

  it('sockstat counts and memory', async (t) => {
    if (!requireNodeExporter(t)) return;
    const reads = await readAll(t);
    const pairs: Pair[] = [];
    for (const key of reads.ours.keys()) {
      const count = /^nft_sockstat\{key="([^"]+)",protocol="([^"]+)"\}$/.exec(key);
      const memory = /^nft_sockstat_memory_bytes\{protocol="([^"]+)"\}$/.exec(key);
      if (count !== null) {
        const [, name, protocol = ''] = count;
        const upper = protocol === 'sockets' ? protocol : protocol.toUpperCase();
        pairs.push({ ours: key, theirs: `node_sockstat_${upper}_${name}{}`, kind: 'gauge' });
      } else if (memory !== null) {
        const upper = (memory[1] ?? '').toUpperCase();
        const theirs = upper.startsWith('FRAG') ? `${upper}_memory` : `${upper}_mem_bytes`;
        pairs.push({ ours: key, theirs: `node_sockstat_${theirs}{}`, kind: 'gauge' });
      }
    }
    assert.ok(pairs.length >= 10, `only ${pairs.length} sockstat series`);
    assert.deepEqual(outOfRange(reads, pairs), []);
  });

  it('interrupts per IRQ and CPU', async (t) => {
    if (!requireNodeExporter(t)) return;
    const reads = await readAll(t);
    const pairs: Pair[] = [];
    const devices: [string, string][] = [];
    for (const key of reads.ours.keys()) {
      const match = /^nft_irq_cpu_total\{cpu="(\d+)",device="([^"]*)",irq="(\d+)"\}$/.exec(key);
      if (match === null) continue;
      const [, cpu, device = '', irq] = match;
      const theirs = [...reads.before.keys()].find(
        (k) =>
          k.startsWith(`node_interrupts_total{cpu="${cpu}",devices=`) &&
          k.endsWith(`,type="${irq}"}`),
      );
      pairs.push({
        ours: key,
        theirs: theirs ?? `node_interrupts_total{type="${irq}"}`,
        kind: 'counter',
      });
      const theirDevices =
        theirs === undefined ? '' : (/devices="([^"]*)"/.exec(theirs)?.[1] ?? '');
      // node_exporter's devices label starts with the hardware IRQ and trigger ("1-edge").
      if (!theirDevices.endsWith(device)) devices.push([device, theirDevices]);
    }
    const ourIrqs = labelValues(reads.ours, 'nft_irq_cpu_total', 'irq');
    const theirIrqs = labelValues(reads.before, 'node_interrupts_total', 'type').filter((type) =>
      /^\d+$/.test(type),
    );
    assert.deepEqual(ourIrqs, theirIrqs);
    assert.deepEqual(devices, []);
    assert.deepEqual(outOfRange(reads, pairs), []);
  });

  it('softirq sums across CPUs', async (t) => {
    if (!requireNodeExporter(t)) return;
    const reads = await readAll(t);
    for (const kind of ['net_rx', 'net_tx']) {
      let sum = 0;
      for (const [key, value] of reads.ours) {
        if (key.startsWith('nft_softirq_total{') && key.includes(`kind="${kind}"`)) sum += value;
      }
      const before = reads.before.get(`node_softirqs_total{vector="${kind}"}`);
      const after = reads.after.get(`node_softirqs_total{vector="${kind}"}`);
      assert.ok(before !== undefined && after !== undefined, `node_softirqs_total ${kind} missing`);
      assert.ok(before <= sum && sum <= after, `${kind} sum ${sum} outside ${before}..${after}`);
    }
  });
});
