import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MetricFamily } from '../../src/metrics/model.js';
import {
  PROCESS_DESCRIPTOR_LIST,
  PROCESS_DESCRIPTORS,
  ProcessMetrics,
  parseAuxv,
  parseBootTime,
  parseMaxOpenFiles,
  parseProcStat,
} from '../../src/metrics/process.js';

// /proc/self/stat of a process whose command name contains a space and parentheses.
const STAT =
  '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 9617 0 0 0 51 9 0 0 20 0 11 0 37147 ' +
  '1103101952 12480 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0\n';

const LIMITS = [
  'Limit                     Soft Limit           Hard Limit           Units     ',
  'Max cpu time              unlimited            unlimited            seconds   ',
  'Max processes             31413                31413                processes ',
  'Max open files            1024                 524288               files     ',
  'Max locked memory         8388608              8388608              bytes     ',
  '',
].join('\n');

const PROC_STAT = 'cpu  1 2 3 4\nintr 1 2\nctxt 99\nbtime 1796415434\nprocesses 6124\n';

/** Encodes (type, value) pairs as an auxiliary vector with 8-byte little-endian words. */
function auxv64(pairs: [number, number][]): Uint8Array {
  const view = new DataView(new ArrayBuffer(pairs.length * 16));
  pairs.forEach(([type, value], i) => {
    view.setBigUint64(i * 16, BigInt(type), true);
    view.setBigUint64(i * 16 + 8, BigInt(value), true);
  });
  return new Uint8Array(view.buffer);
}

describe('procfs parsers', () => {
  test('stat fields after command name', () => {
    assert.deepStrictEqual(parseProcStat(STAT), {
      startTicks: 37147,
      virtualBytes: 1103101952,
      residentPages: 12480,
    });
  });

  test('truncated stat is rejected', () => {
    assert.equal(parseProcStat('4242 (node) S 1 4242\n'), undefined);
    assert.equal(parseProcStat('no command name'), undefined);
  });

  test('boot time from /proc/stat', () => {
    assert.equal(parseBootTime(PROC_STAT), 1796415434);
    assert.equal(parseBootTime('cpu 1 2\n'), undefined);
  });

  test('open files soft limit', () => {
    assert.equal(parseMaxOpenFiles(LIMITS), 1024);
    assert.equal(
      parseMaxOpenFiles(
        'Max open files            unlimited            unlimited            files\n',
      ),
      Number.POSITIVE_INFINITY,
    );
    assert.equal(parseMaxOpenFiles('Max processes 1 1 processes\n'), undefined);
  });

  test('auxv with 64-bit words', () => {
    const data = auxv64([
      [33, 0x7fc27c42a000],
      [6, 4096],
      [17, 100],
      [0, 0],
      [17, 250],
    ]);
    assert.deepStrictEqual(parseAuxv(data, 8, true), { clockTicks: 100, pageSize: 4096 });
  });

  test('auxv with 32-bit big-endian words', () => {
    const view = new DataView(new ArrayBuffer(24));
    for (const [i, word] of [17, 1024, 6, 65536, 0, 0].entries())
      view.setUint32(i * 4, word, false);
    assert.deepStrictEqual(parseAuxv(new Uint8Array(view.buffer), 4, false), {
      clockTicks: 1024,
      pageSize: 65536,
    });
  });

  test('auxv without AT_CLKTCK is rejected', () => {
    assert.equal(parseAuxv(auxv64([[6, 4096]]), 8, true), undefined);
    assert.equal(parseAuxv(new Uint8Array(5), 8, true), undefined);
  });
});

/** Family names and label sets of `families`, without the values that change between runs. */
function familyShapes(families: readonly MetricFamily[]): [string, string[][]][] {
  return families.map((f) => [f.desc.name, f.samples.map((s) => [...s.labels])]);
}

function firstValue(families: readonly MetricFamily[], name: string): number | bigint | undefined {
  return families.find((f) => f.desc.name === name)?.samples[0]?.value;
}

describe('ProcessMetrics', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nlx-process-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('fake procfs gives exact values', async () => {
    const procfs = join(scratch, 'proc');
    mkdirSync(join(procfs, 'self', 'fd'), { recursive: true });
    for (const fd of ['0', '1', '2', '3']) writeFileSync(join(procfs, 'self', 'fd', fd), '');
    writeFileSync(join(procfs, 'self', 'stat'), STAT);
    writeFileSync(join(procfs, 'self', 'limits'), LIMITS);
    writeFileSync(
      join(procfs, 'self', 'auxv'),
      auxv64([
        [6, 4096],
        [17, 100],
        [0, 0],
      ]),
    );
    writeFileSync(join(procfs, 'stat'), PROC_STAT);

    const metrics = new ProcessMetrics({ procfs });
    try {
      const families = await metrics.collect();
      const fromProcfs = families.filter(
        (f) => f.desc.name.startsWith('process_') && f.desc.type === 'gauge',
      );
      assert.deepStrictEqual(fromProcfs, [
        {
          desc: PROCESS_DESCRIPTORS.startTime,
          samples: [{ labels: [], value: 1796415434 + 371.47 }],
        },
        { desc: PROCESS_DESCRIPTORS.resident, samples: [{ labels: [], value: 12480 * 4096 }] },
        { desc: PROCESS_DESCRIPTORS.virtual, samples: [{ labels: [], value: 1103101952 }] },
        // Four entries less the descriptor that the directory listing holds.
        { desc: PROCESS_DESCRIPTORS.openFds, samples: [{ labels: [], value: 3 }] },
        { desc: PROCESS_DESCRIPTORS.maxFds, samples: [{ labels: [], value: 1024 }] },
      ]);
    } finally {
      metrics.close();
    }
  });

  test('missing procfs files omit their series', async () => {
    const metrics = new ProcessMetrics({ procfs: join(scratch, 'missing') });
    try {
      const families = await metrics.collect();
      assert.deepStrictEqual(familyShapes(families), [
        ['process_cpu_seconds_total', [[]]],
        ['nodejs_heap_size_total_bytes', [[]]],
        ['nodejs_heap_size_used_bytes', [[]]],
        ['nodejs_external_memory_bytes', [[]]],
        ['nodejs_eventloop_lag_seconds', [[]]],
        ['nodejs_version_info', [[process.version]]],
      ]);
    } finally {
      metrics.close();
    }
  });

  test('real procfs gives every series', async () => {
    const metrics = new ProcessMetrics();
    try {
      const families = await metrics.collect();
      assert.deepStrictEqual(
        familyShapes(families),
        PROCESS_DESCRIPTOR_LIST.map((d) => [
          d.name,
          [d.labels.length === 0 ? [] : [process.version]],
        ]),
      );
      assert.deepStrictEqual(
        families.map((f) => f.desc),
        PROCESS_DESCRIPTOR_LIST,
      );

      const start = firstValue(families, 'process_start_time_seconds') as number;
      assert.ok(Math.abs(start - performance.timeOrigin / 1000) < 2, `start time ${start}`);
      const resident = firstValue(families, 'process_resident_memory_bytes') as number;
      const rss = process.memoryUsage.rss();
      assert.ok(resident > rss / 2, `resident ${resident}, rss ${rss}`);
      assert.ok(resident < rss * 2, `resident ${resident}, rss ${rss}`);
      assert.ok((firstValue(families, 'process_open_fds') as number) >= 3);
      assert.ok((firstValue(families, 'process_max_fds') as number) >= 3);
      assert.equal(firstValue(families, 'nodejs_version_info'), 1);
    } finally {
      metrics.close();
    }
  });

  test('blocked event loop raises the lag', async () => {
    const metrics = new ProcessMetrics();
    try {
      await sleep(50);
      await metrics.collect();
      await sleep(20);
      const end = Date.now() + 60;
      while (Date.now() < end) {
        // Blocks the event loop on purpose.
      }
      await sleep(50);
      const lag = firstValue(await metrics.collect(), 'nodejs_eventloop_lag_seconds') as number;
      assert.ok(lag > 0.001, `lag ${lag} s`);
      assert.ok(lag < 10, `lag ${lag} s`);
    } finally {
      metrics.close();
    }
  });
});
