import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type GuardResult, guardFamilies, seriesKey } from '../../src/metrics/guard.js';
import type { MetricDescriptor, MetricFamily } from '../../src/metrics/model.js';

const RX: MetricDescriptor = {
  name: 'nft_rx_bytes_total',
  type: 'counter',
  unit: 'bytes',
  help: 'Received bytes.',
  labels: ['device'],
  source: 'test',
};
const RULES: MetricDescriptor = {
  name: 'nft_rule_packets_total',
  type: 'counter',
  help: 'Packets matched by a rule.',
  labels: ['table', 'chain', 'comment'],
  source: 'test',
};
const UP: MetricDescriptor = {
  name: 'nft_up',
  type: 'gauge',
  help: 'Up.',
  labels: [],
  source: 'test',
};

function fam(desc: MetricDescriptor, ...samples: [number | bigint, ...string[]][]): MetricFamily {
  return { desc, samples: samples.map(([value, ...labels]) => ({ labels, value })) };
}

describe('guardFamilies', () => {
  test('distinct series pass unchanged', () => {
    const result = guardFamilies([
      { collector: 'a', families: [fam(RX, [1n, 'eth0'], [2n, 'eth1']), fam(UP, [1])] },
    ]);
    assert.deepStrictEqual(result, {
      families: [fam(RX, [1n, 'eth0'], [2n, 'eth1']), fam(UP, [1])],
      duplicates: new Map(),
      conflicts: new Map(),
      drops: [],
    } satisfies GuardResult);
  });

  test('repeated series within a family keeps the first', () => {
    const result = guardFamilies([
      {
        collector: 'nftables',
        families: [
          fam(
            RULES,
            [5n, 'filter', 'input', 'ssh'],
            [7n, 'filter', 'input', 'ssh'],
            [9n, 'filter', 'input', 'web'],
          ),
        ],
      },
    ]);
    assert.deepStrictEqual(result, {
      families: [fam(RULES, [5n, 'filter', 'input', 'ssh'], [9n, 'filter', 'input', 'web'])],
      duplicates: new Map([['nftables', 1]]),
      conflicts: new Map(),
      drops: [
        {
          metric: 'nft_rule_packets_total',
          collector: 'nftables',
          reason: 'duplicate',
          samples: 1,
        },
      ],
    } satisfies GuardResult);
  });

  test('same family from two collectors merges', () => {
    const later: MetricDescriptor = { ...RX, help: 'Other help.' };
    const result = guardFamilies([
      { collector: 'a', families: [fam(RX, [1n, 'eth0'])] },
      { collector: 'b', families: [fam(later, [2n, 'eth0'], [3n, 'eth1'])] },
    ]);
    assert.deepStrictEqual(result, {
      families: [fam(RX, [1n, 'eth0'], [3n, 'eth1'])],
      duplicates: new Map([['b', 1]]),
      conflicts: new Map(),
      drops: [{ metric: 'nft_rx_bytes_total', collector: 'b', reason: 'duplicate', samples: 1 }],
    } satisfies GuardResult);
  });

  test('conflicting type drops the later family', () => {
    const gauge: MetricDescriptor = { ...RX, type: 'gauge' };
    const result = guardFamilies([
      { collector: 'a', families: [fam(RX, [1n, 'eth0'])] },
      { collector: 'b', families: [fam(gauge, [2, 'eth1'], [3, 'eth2'])] },
    ]);
    assert.deepStrictEqual(result, {
      families: [fam(RX, [1n, 'eth0'])],
      duplicates: new Map(),
      conflicts: new Map([['b', 2]]),
      drops: [{ metric: 'nft_rx_bytes_total', collector: 'b', reason: 'conflict', samples: 2 }],
    } satisfies GuardResult);
  });

  test('conflicting label names drop the later family', () => {
    const reordered: MetricDescriptor = { ...RULES, labels: ['chain', 'table', 'comment'] };
    const renamed: MetricDescriptor = { ...RULES, labels: ['table', 'chain', 'handle'] };
    const shorter: MetricDescriptor = { ...RULES, labels: ['table', 'chain'] };
    const result = guardFamilies([
      { collector: 'a', families: [fam(RULES, [1n, 't', 'c', 'x'])] },
      {
        collector: 'b',
        families: [fam(reordered, [2n, 'c', 't', 'y']), fam(renamed, [3n, 't', 'c', '4'])],
      },
      { collector: 'c', families: [fam(shorter, [4n, 't', 'c']), fam(shorter)] },
    ]);
    assert.deepStrictEqual(result, {
      families: [fam(RULES, [1n, 't', 'c', 'x'])],
      duplicates: new Map(),
      conflicts: new Map([
        ['b', 2],
        ['c', 1],
      ]),
      drops: [
        { metric: 'nft_rule_packets_total', collector: 'b', reason: 'conflict', samples: 2 },
        { metric: 'nft_rule_packets_total', collector: 'c', reason: 'conflict', samples: 1 },
      ],
    } satisfies GuardResult);
  });

  test('drops are summed per metric, collector and reason', () => {
    const result = guardFamilies([
      { collector: 'a', families: [fam(RX, [1n, 'eth0'], [1n, 'eth0']), fam(UP, [1], [1])] },
      { collector: 'a', families: [fam(RX, [1n, 'eth0'])] },
    ]);
    assert.deepStrictEqual(result, {
      families: [fam(RX, [1n, 'eth0']), fam(UP, [1])],
      duplicates: new Map([['a', 3]]),
      conflicts: new Map(),
      drops: [
        { metric: 'nft_rx_bytes_total', collector: 'a', reason: 'duplicate', samples: 2 },
        { metric: 'nft_up', collector: 'a', reason: 'duplicate', samples: 1 },
      ],
    } satisfies GuardResult);
  });

  test('label values cannot forge a separator', () => {
    const desc: MetricDescriptor = { ...RULES, labels: ['a', 'b'] };
    const result = guardFamilies([
      { collector: 'x', families: [fam(desc, [1n, 'a:1', 'b'], [2n, 'a', '1:b'])] },
    ]);
    assert.deepStrictEqual(result.families, [fam(desc, [1n, 'a:1', 'b'], [2n, 'a', '1:b'])]);
    assert.notEqual(seriesKey(['a:1', 'b']), seriesKey(['a', '1:b']));
    assert.notEqual(seriesKey(['ab', '']), seriesKey(['a', 'b']));
  });

  test('wrong label count passes unkeyed', () => {
    const result = guardFamilies([
      { collector: 'x', families: [fam(RX, [1n, 'a', 'b'], [2n, 'a', 'b'], [3n, 'a'])] },
    ]);
    assert.deepStrictEqual(result.families, [fam(RX, [1n, 'a', 'b'], [2n, 'a', 'b'], [3n, 'a'])]);
    assert.deepStrictEqual(result.duplicates, new Map());
  });

  test('input families are not mutated', () => {
    const input = [
      { collector: 'a', families: [fam(RX, [1n, 'eth0'], [1n, 'eth0'])] },
      { collector: 'b', families: [fam(RX, [2n, 'eth1'])] },
    ];
    const before = structuredClone(input);
    const result = guardFamilies(input);
    assert.deepStrictEqual(input, before);
    assert.notEqual(result.families[0], input[0]?.families[0]);
  });

  test('200000 distinct samples all kept', () => {
    // Guard speed belongs in a benchmark; this checks that a large family passes whole.
    const big = fam(RULES);
    for (let i = 0; i < 200_000; i++)
      big.samples.push({ labels: ['t', `c${i % 100}`, `r${i >> 1}`], value: 1n });
    const result = guardFamilies([{ collector: 'nftables', families: [big] }]);
    assert.equal(result.families[0]?.samples.length, 200_000);
    assert.deepEqual(result.drops, []);
  });
});
