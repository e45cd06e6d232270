// A real Prometheus server scrapes the exporter in a network namespace that the test creates,
// through three jobs: one served the text format, one OpenMetrics, and one that selects
// collectors with collect[]. The checks go through Prometheus' HTTP API, so they see what
// Prometheus parsed and stored, not what the exporter meant to send.
//
// Every process (exporter, Prometheus, the two recording proxies) runs inside the namespace
// and listens on its loopback, so fixed ports cannot clash with anything on the host. The
// exporter listens on its default address, 0.0.0.0:33400.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { registeredCollectors } from '../../src/collectors/index.js';
import type { CollectorName } from '../../src/collectors/names.js';
import { FILE_COLLECTORS } from '../../src/collectors/names.js';
import { MAIN } from '../support/exporter.js';
import { FIXTURES, REPO_ROOT } from '../support/fixtures.js';
import { createNamespace, kernelTestBlocker, type TestNamespace } from '../support/netns.js';
import {
  type Background,
  startIn,
  supportScript,
  toolMissing,
  waitFor,
} from './support/harness.js';
import { documentedMetrics } from './support/metric-names.js';
import { type RunningPrometheus, startPrometheus } from './support/prometheus.js';
import type { ProxyRecord } from './support/scrape-proxy.js';

const EXPORTER_PORT = 33400;
const TEXT_PROXY_PORT = 33401;
const OPENMETRICS_PROXY_PORT = 33402;
const PROMETHEUS_PORT = 9090;
const TEXT_ACCEPT = 'text/plain;version=0.0.4';
/** Collectors that the collect[] job requests. */
const SELECTED: readonly CollectorName[] = ['rtnetlink', 'sock_diag'];
/** sysfs tree with NICs that have PCIe links, hwmon sensors and BQL, which virtual machines lack. */
const SYSFS_FIXTURE = join(FIXTURES, 'files', 'server-5.15-13col', 'sys');
const RULES = join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yml');

const CONFIG = `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${RULES}
scrape_configs:
  - job_name: text
    static_configs: [{ targets: ['127.0.0.1:${TEXT_PROXY_PORT}'] }]
  - job_name: openmetrics
    static_configs: [{ targets: ['127.0.0.1:${OPENMETRICS_PROXY_PORT}'] }]
  - job_name: collect
    params:
      'collect[]': [${SELECTED.join(', ')}]
    static_configs: [{ targets: ['127.0.0.1:${EXPORTER_PORT}'] }]
`;

const JOBS = ['collect', 'openmetrics', 'text'];

function blocker(): string | undefined {
  const kernel = kernelTestBlocker();
  if (kernel !== undefined) {
    if (process.env['CI'] === 'true')
      throw new Error(`end-to-end test cannot run in CI: ${kernel}`);
    return kernel;
  }
  return toolMissing('prometheus', ['--version'], 'prometheus');
}

function proxyRecords(proxy: Background): ProxyRecord[] {
  return proxy
    .stdout()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ProxyRecord);
}

/** Builds a veth pair to a peer namespace with a pfifo qdisc, and sends a few pings over it. */
function buildScene(ns: TestNamespace, peer: TestNamespace): void {
  ns.ipBatch([
    `link add e2e0 type veth peer name e2e1 netns ${peer.name}`,
    'addr add 192.0.2.1/24 dev e2e0',
    'link set e2e0 up',
  ]);
  peer.ipBatch(['addr add 192.0.2.2/24 dev e2e1', 'link set e2e1 up']);
  ns.exec('tc', 'qdisc', 'add', 'dev', 'e2e0', 'root', 'pfifo', 'limit', '100');
  ns.exec('ping', '-c', '3', '-i', '0.2', '-W', '2', '192.0.2.2');
}

const skip = blocker();

describe('Prometheus scrapes the exporter', { skip, timeout: 180_000 }, () => {
  let ns: TestNamespace;
  let peer: TestNamespace;
  let scratch: string;
  const processes: Background[] = [];
  let prometheus: RunningPrometheus;
  let textProxy: Background;
  let openMetricsProxy: Background;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nlx-e2e-prometheus-'));
    ns = createNamespace('e2e-prom');
    peer = createNamespace('e2e-peer');
    buildScene(ns, peer);

    const fileCollectorFlags = FILE_COLLECTORS.map((name) => `--collector.${name}`);
    const exporter = startIn(
      ns.name,
      process.execPath,
      [MAIN, ...fileCollectorFlags, `--path.sysfs=${SYSFS_FIXTURE}`],
      { cwd: scratch },
    );
    processes.push(exporter);
    textProxy = startIn(ns.name, process.execPath, [
      supportScript('scrape-proxy.js'),
      String(TEXT_PROXY_PORT),
      String(EXPORTER_PORT),
      TEXT_ACCEPT,
    ]);
    openMetricsProxy = startIn(ns.name, process.execPath, [
      supportScript('scrape-proxy.js'),
      String(OPENMETRICS_PROXY_PORT),
      String(EXPORTER_PORT),
    ]);
    processes.push(textProxy, openMetricsProxy);
    await waitFor(
      'the exporter to become ready',
      () => {
        if (exporter.process.exitCode !== null) {
          throw new Error(
            `exporter exited with ${exporter.process.exitCode}: ${exporter.stderr()}`,
          );
        }
        return ns.exec('curl', '-sf', `http://127.0.0.1:${EXPORTER_PORT}/ready`) === 'OK\n'
          ? true
          : undefined;
      },
      20_000,
    );

    prometheus = await startPrometheus(ns.name, scratch, PROMETHEUS_PORT, CONFIG);
    processes.push(prometheus.server);
    // Three samples of `up` per job: at least two scrapes after the first, so rate() has
    // two points in every 10 s window below.
    await waitFor(
      'three scrapes of every job',
      () => {
        const counts = prometheus.query('count_over_time(up[1m])');
        const done = JOBS.every((job) =>
          counts.some((s) => s.metric['job'] === job && s.value >= 3),
        );
        return done ? true : undefined;
      },
      60_000,
      500,
    );
  });

  after(async () => {
    for (const proc of processes.reverse()) await proc.stop();
    ns?.remove();
    peer?.remove();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  test('every job is up on every scrape', () => {
    const minimum = prometheus
      .query('min_over_time(up[1m])')
      .map((s) => ({ job: s.metric['job'], value: s.value }))
      .sort((a, b) => String(a.job).localeCompare(String(b.job)));
    assert.deepStrictEqual(
      minimum,
      JOBS.map((job) => ({ job, value: 1 })),
    );
  });

  test('targets report no scrape error', () => {
    const { activeTargets } = prometheus.api<{
      activeTargets: { scrapePool: string; health: string; lastError: string }[];
    }>('/api/v1/targets?state=active');
    const states = activeTargets
      .map((t) => ({ job: t.scrapePool, health: t.health, lastError: t.lastError }))
      .sort((a, b) => a.job.localeCompare(b.job));
    assert.deepStrictEqual(
      states,
      JOBS.map((job) => ({ job, health: 'up', lastError: '' })),
    );
  });

  test('no scrape stored duplicate or rejected samples', () => {
    const counters = [
      'prometheus_target_scrapes_sample_duplicate_timestamp_total',
      'prometheus_target_scrapes_sample_out_of_order_total',
      'prometheus_target_scrapes_sample_out_of_bounds_total',
      'prometheus_target_scrapes_exceeded_sample_limit_total',
      'prometheus_target_scrapes_exemplar_out_of_order_total',
    ];
    const values = Object.fromEntries(counters.map((name) => [name, prometheus.selfMetric(name)]));
    assert.deepStrictEqual(values, Object.fromEntries(counters.map((name) => [name, 0])));
  });

  test('Prometheus logged no scrape warning', () => {
    const scrapeLines = prometheus.server
      .stderr()
      .split('\n')
      .filter((line) => line.includes('scrape'));
    assert.deepStrictEqual(scrapeLines, []);
  });

  test('text job was served the text format', () => {
    const seen = new Set(proxyRecords(textProxy).map((r) => `${r.status} ${r.contentType}`));
    assert.deepStrictEqual([...seen], ['200 text/plain; version=0.0.4; charset=utf-8']);
  });

  test('OpenMetrics job was served OpenMetrics', () => {
    const records = proxyRecords(openMetricsProxy);
    const seen = new Set(records.map((r) => `${r.status} ${r.contentType}`));
    assert.deepStrictEqual(
      [...seen],
      ['200 application/openmetrics-text; version=1.0.0; charset=utf-8'],
    );
    const accepts = new Set(records.map((r) => r.receivedAccept?.split(/[;,]/)[0]));
    assert.deepStrictEqual([...accepts], ['application/openmetrics-text']);
  });

  test('every available collector has series in both formats', () => {
    const available = prometheus
      .query('nft_scrape_collector_available{job="text"} == 1')
      .map((s) => s.metric['collector'] as CollectorName)
      .sort();
    assert.ok(available.length > 0, 'no collector reported available 1');

    const missing: string[] = [];
    for (const name of available) {
      const descriptors = registeredCollectors().get(name)?.descriptors ?? [];
      const names = descriptors.map((d) => d.name).join('|');
      const jobs = prometheus
        .query(`count by (job) ({__name__=~"${names}", job=~"text|openmetrics"})`)
        .map((s) => s.metric['job'])
        .sort();
      if (jobs.join(',') !== 'openmetrics,text')
        missing.push(`${name}: series in [${jobs.join(', ')}]`);
    }
    assert.deepStrictEqual(missing, []);
  });

  test('collect[] job gets only the selected collectors', () => {
    const reported = prometheus
      .query('group by (collector) (nft_scrape_collector_success{job="collect"})')
      .map((s) => s.metric['collector'])
      .sort();
    assert.deepStrictEqual(reported, [...SELECTED].sort());

    const others = [...registeredCollectors().values()]
      .filter((c) => !SELECTED.includes(c.name))
      .flatMap((c) => c.descriptors.map((d) => d.name));
    const leaked = prometheus.query(
      `count by (__name__) ({__name__=~"${others.join('|')}", job="collect"})`,
    );
    assert.deepStrictEqual(leaked, []);
  });

  test('counters have a non-negative rate', () => {
    // One query per name: rate() drops the metric name, so one query over several names
    // would return series that differ only in their name, which Prometheus rejects.
    const counters = documentedMetrics().filter((m) => m.type === 'counter');
    const rated = new Set<string>();
    const negative: string[] = [];
    for (const { name } of counters) {
      for (const sample of prometheus.query(`rate(${name}{job=~"text|openmetrics"}[10s])`)) {
        rated.add(sample.metric['job'] ?? '');
        if (!(sample.value >= 0))
          negative.push(`${name}${JSON.stringify(sample.metric)} ${sample.value}`);
      }
    }
    assert.deepStrictEqual(
      [...rated].sort(),
      ['openmetrics', 'text'],
      'no counter had two samples in 10 s',
    );
    assert.deepStrictEqual(negative, []);
  });

  test('process CPU counter grows', () => {
    const growing = prometheus
      .query('rate(process_cpu_seconds_total{job="text"}[10s]) > 0')
      .map((s) => s.metric['job']);
    assert.deepStrictEqual(growing, ['text']);
  });

  test('every rule of alerts.yml evaluates', async () => {
    const rules = await waitFor(
      'every rule to be evaluated',
      () => {
        const data = prometheus.api<{
          groups: { rules: { name: string; health: string; lastError?: string }[] }[];
        }>('/api/v1/rules');
        const all = data.groups.flatMap((g) => g.rules);
        return all.some((r) => r.health === 'unknown') ? undefined : all;
      },
      20_000,
    );
    const unhealthy = rules
      .filter((r) => r.health !== 'ok')
      .map((r) => ({ name: r.name, health: r.health, lastError: r.lastError ?? '' }));
    assert.deepStrictEqual(unhealthy, []);
    assert.ok(rules.length > 0, 'Prometheus loaded no rule from alerts.yml');
  });
});
