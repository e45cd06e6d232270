// Whole-exposition tests: every file collector reads each fixture tree, and the families of
// all available collectors are encoded together and compared with golden files under
// test/fixtures/files/<tree>/golden/. Run with NLX_UPDATE_GOLDEN=1 to rewrite them after a
// deliberate change, then review the diff.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { irqCollector } from '../../src/collectors/irq.js';
import { netstatCollector } from '../../src/collectors/netstat.js';
import { nicBqlCollector } from '../../src/collectors/nic_bql.js';
import { nicPcieCollector } from '../../src/collectors/nic_pcie.js';
import { nicTempCollector } from '../../src/collectors/nic_temp.js';
import { sockstatCollector } from '../../src/collectors/sockstat.js';
import { softirqCollector } from '../../src/collectors/softirq.js';
import { softnetCollector } from '../../src/collectors/softnet.js';
import type { Collector } from '../../src/collectors/types.js';
import type { Config } from '../../src/config/types.js';
import {
  type EncodeDrop,
  type ExpositionFormat,
  encodeFamilies,
} from '../../src/metrics/exposition.js';
import type { MetricFamily } from '../../src/metrics/model.js';
import { FILE_FIXTURES, fixtureConfig, testContext } from '../support/config.js';

const COLLECTORS: readonly Collector[] = [
  softnetCollector,
  netstatCollector,
  softirqCollector,
  irqCollector,
  sockstatCollector,
  nicBqlCollector,
  nicPcieCollector,
  nicTempCollector,
];

const UPDATE = process.env['NLX_UPDATE_GOLDEN'] === '1';

interface Scrape {
  readonly unavailable: string[];
  readonly families: MetricFamily[];
  readonly skipped: number;
}

async function scrapeTree(config: Config): Promise<Scrape> {
  const ctx = testContext(config);
  const unavailable: string[] = [];
  const families: MetricFamily[] = [];
  for (const collector of COLLECTORS) {
    const probe = await collector.probe(ctx);
    if (probe.kind !== 'available') {
      unavailable.push(collector.name);
      continue;
    }
    families.push(...(await collector.collect(ctx)));
  }
  return { unavailable, families, skipped: ctx.skipped() };
}

function encode(families: MetricFamily[], format: ExpositionFormat): string {
  const drops: EncodeDrop[] = [];
  const text = encodeFamilies(families, format, { onDrop: (drop) => drops.push(drop) });
  assert.deepEqual(drops, []);
  return text;
}

function assertGolden(tree: string, file: string, actual: string): void {
  const path = join(FILE_FIXTURES, tree, 'golden', file);
  if (UPDATE) {
    mkdirSync(join(FILE_FIXTURES, tree, 'golden'), { recursive: true });
    writeFileSync(path, actual);
  }
  assert.equal(actual, readFileSync(path, 'utf8'));
}

// promtool comes with the Debian package "prometheus". Under CI its absence is a failure.
function promtoolCheck(text: string): { status: number | null; output: string } | undefined {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if ((result.error as { code?: string } | undefined)?.code === 'ENOENT') return undefined;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const TREES = [
  { tree: 'vm-6.18-x86_64', unavailable: [] },
  { tree: 'rps-10col-no-ipv6', unavailable: [] },
  { tree: 'server-5.15-13col', unavailable: ['netstat', 'sockstat'] },
];

for (const { tree, unavailable } of TREES) {
  describe(`golden exposition of ${tree}`, () => {
    // Every field, so that the golden files do not depend on the default field list.
    const config = fixtureConfig(tree, { netstat: { fieldInclude: /.*/ } });

    it('probes the expected collectors', async () => {
      const scrape = await scrapeTree(config);
      assert.deepEqual(scrape.unavailable, unavailable);
      assert.equal(scrape.skipped, 0);
    });

    it('matches the text golden file', async () => {
      assertGolden(tree, 'all.prom', encode((await scrapeTree(config)).families, 'text'));
    });

    it('passes promtool check metrics', async (t) => {
      const result = promtoolCheck(encode((await scrapeTree(config)).families, 'text'));
      if (result === undefined && process.env['CI'] !== 'true') {
        t.skip('promtool is not installed (Debian package prometheus)');
        return;
      }
      assert.deepEqual(result, { status: 0, output: '' });
    });

    it('matches the OpenMetrics golden file', async () => {
      const text = encode((await scrapeTree(config)).families, 'openmetrics');
      assertGolden(tree, 'all.openmetrics', text);
    });
  });
}

describe('golden exposition of per-CPU IRQs', () => {
  it('matches the golden file', async () => {
    const config = fixtureConfig('server-5.15-13col', {
      irq: { perCpu: true, nameExclude: /eno2.*/ },
    });
    const families = await irqCollector.collect(testContext(config));
    assertGolden('server-5.15-13col', 'irq-per-cpu.prom', encode(families, 'text'));
  });
});
