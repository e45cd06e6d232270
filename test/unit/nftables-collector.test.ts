// nftables collector: the exposition rendered from captured dumps against a golden file,
// promtool's lint, rules sharing a comment, binding chains, the per-rule cap and the table
// filter.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nftablesFamilies, tableFilter } from '../../src/collectors/nftables.js';
import type { RulesetSnapshot } from '../../src/families/nftables/client.js';
import {
  parseChain,
  parseGeneration,
  parseRule,
  parseTable,
} from '../../src/families/nftables/parse.js';
import { parseObject, parseSet } from '../../src/families/nftables/parse-objects.js';
import type { MetricFamily } from '../../src/metrics/model.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

function parseAll<T>(
  name: string,
  type: number,
  parse: (b: Buffer, s: number, e: number) => T,
): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('nftables', name), (buf, msgType, _flags, start, end) => {
    if (msgType === type) out.push(parse(buf, start, end));
  });
  return out;
}

/** The captured ruleset, plus a flowtable that the capture kernel could not create. */
function ruleset(): RulesetSnapshot {
  return {
    generation: parseAll('gen', 0xa0f, parseGeneration)[0]?.id,
    tables: parseAll('table', 0xa00, parseTable),
    chains: parseAll('chain', 0xa03, parseChain),
    rules: parseAll('rule', 0xa06, parseRule),
    sets: parseAll('set', 0xa09, parseSet),
    objects: parseAll('obj', 0xa12, parseObject),
    flowtables: [
      {
        family: 1,
        table: 'filter',
        name: 'fast',
        handle: 30n,
        hook: { hook: 0, priority: -100 },
        flags: 1,
      },
    ],
  };
}

const ALL_TABLES = { tableIncluded: () => true, maxRuleSeries: 1000 };

function samples(families: readonly MetricFamily[], name: string): [string[], string][] {
  const fam = families.find((f) => f.desc.name === name);
  return (fam?.samples ?? []).map((s) => [[...s.labels], String(s.value)]);
}

test('nftables exposition matches golden file', (t) => {
  const result = nftablesFamilies(ruleset(), ALL_TABLES);
  assert.equal(result.droppedRuleSeries, 0);
  const text = encodeChecked(result.families, 'text');
  assertGolden('nftables.prom', text);
  assertPromtoolClean(t, text);
});

test('rules sharing a comment are summed', () => {
  const { families } = nftablesFamilies(ruleset(), ALL_TABLES);
  const labels = ['inet', 'filter', 'input', 'icmp in'];
  assert.deepStrictEqual(
    samples(families, 'nft_rule_bytes_total').filter(([l]) => l[3] === 'icmp in'),
    [[labels, String(321 + 589)]],
  );
  assert.deepStrictEqual(
    samples(families, 'nft_rule_packets_total').filter(([l]) => l[3] === 'icmp in'),
    [[labels, String(4 + 7)]],
  );
});

test('binding chains are left out', () => {
  const { families } = nftablesFamilies(ruleset(), ALL_TABLES);
  const filter = ['inet', 'filter'];
  assert.deepStrictEqual(
    samples(families, 'nft_table_chains').filter(([l]) => l[1] === 'filter'),
    [[filter, '3']],
  );
  assert.deepStrictEqual(
    samples(families, 'nft_table_rules').filter(([l]) => l[1] === 'filter'),
    [[filter, '11']],
  );
  assert.deepStrictEqual(
    samples(families, 'nft_chain_rules').filter(([l]) => l[1] === 'filter'),
    [
      [[...filter, 'input'], '8'],
      [[...filter, 'sub'], '1'],
      [[...filter, 'output'], '2'],
    ],
  );
  assert.deepStrictEqual(
    samples(families, 'nft_rule_packets_total').filter(([l]) => l[2] === '__chain3'),
    [],
  );
});

test('uncommented rules are summed per chain', () => {
  const { families } = nftablesFamilies(ruleset(), ALL_TABLES);
  const input = ['inet', 'filter', 'input'];
  const row = (name: string) =>
    samples(families, name).filter(([l]) => l.join() === input.join())[0]?.[1];
  assert.deepStrictEqual(
    [
      row('nft_chain_uncommented_rules'),
      row('nft_chain_uncommented_counted_rules'),
      row('nft_chain_uncommented_rule_bytes_total'),
      row('nft_chain_uncommented_rule_packets_total'),
    ],
    ['5', '2', '120', '4'],
  );
});

test('rule series cap drops later comments', () => {
  const result = nftablesFamilies(ruleset(), { tableIncluded: () => true, maxRuleSeries: 2 });
  assert.equal(result.droppedRuleSeries, 3);
  assert.deepStrictEqual(samples(result.families, 'nft_rule_packets_total'), [
    [['inet', 'filter', 'input', 'icmp in'], '11'],
    [['inet', 'filter', 'input', 'blocked'], '0'],
  ]);
  // Chain sums and counts do not depend on the cap.
  assert.deepStrictEqual(
    samples(result.families, 'nft_chain_rules'),
    samples(nftablesFamilies(ruleset(), ALL_TABLES).families, 'nft_chain_rules'),
  );
});

test('excluded tables keep only table counts', () => {
  const included = tableFilter(undefined, /^(?:filter|mangle)$/);
  const { families } = nftablesFamilies(ruleset(), {
    tableIncluded: included,
    maxRuleSeries: 1000,
  });
  const tables = new Set(
    families.flatMap((f) => f.samples.map((s) => `${f.desc.name} ${s.labels[1]}`)),
  );
  const names = (table: string) =>
    [...tables].filter((row) => row.endsWith(` ${table}`)).map((row) => row.split(' ')[0]);
  assert.deepStrictEqual(names('filter'), [
    'nft_table_info',
    'nft_table_chains',
    'nft_table_rules',
    'nft_table_sets',
  ]);
  assert.deepStrictEqual(names('mangle'), [
    'nft_table_info',
    'nft_table_chains',
    'nft_table_rules',
    'nft_table_sets',
  ]);
  assert.deepStrictEqual(
    samples(families, 'nft_table_sets').filter(([l]) => l[1] === 'filter'),
    [[['inet', 'filter'], '5']],
  );
  assert.deepStrictEqual(
    samples(families, 'nft_chain_info').map(([l]) => l[1]),
    ['raw', 'edge', 'arpwatch', 'br'],
  );
});

test('table filter include and exclude', () => {
  const filter = tableFilter(/^(?:k.*)$/, /^(?:kube-proxy)$/);
  assert.deepStrictEqual(['kube-proxy', 'kube-other', 'filter'].map(filter), [false, true, false]);
  assert.equal(tableFilter()('anything'), true);
});
