import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  type EncodeDrop,
  type ExpositionFormat,
  encodeFamilies,
  escapeLabelValue,
  escapeOpenMetricsHelp,
  escapeTextHelp,
  formatValue,
} from '../../src/metrics/exposition.js';
import type { MetricDescriptor, MetricFamily } from '../../src/metrics/model.js';

// Compiled to dist/test/unit, so the repository root is three levels up.
const FIXTURES = new URL('../../../test/fixtures/exposition/', import.meta.url);

/** Golden file of each format; `UPDATE_GOLDEN=1` rewrites them from the encoder's output. */
export const GOLDEN_FILES: Record<ExpositionFormat, URL> = {
  text: new URL('golden-text-0.0.4.txt', FIXTURES),
  openmetrics: new URL('golden-openmetrics-1.0.0.txt', FIXTURES),
};

function desc(
  name: string,
  type: MetricDescriptor['type'],
  labels: string[],
  unit?: string,
  help = `Help of ${name}.`,
): MetricDescriptor {
  const base = { name, type, help, labels, source: 'test' };
  return unit === undefined ? base : { ...base, unit };
}

/** Families behind the golden files, deliberately out of name order. */
function goldenFamilies(): MetricFamily[] {
  return [
    {
      desc: desc('nft_link_receive_bytes_total', 'counter', ['device', 'alias'], 'bytes'),
      samples: [
        { labels: ['eth0', 'back\\slash'], value: 18446744073709551615n },
        { labels: ['eth1', 'say "hi"'], value: 0n },
        { labels: ['eth2', 'two\nlines'], value: 9007199254740993n },
        { labels: ['eth3', 'grüße 🚀'], value: 1n },
        { labels: ['eth4', 'lone \uD800 surrogate'], value: 2n },
        { labels: ['eth5', 'trailing low \uDC00'], value: 3n },
        { labels: ['eth6', ''], value: 4n },
      ],
    },
    {
      desc: desc('nft_conntrack_found_total', 'counter', []),
      samples: [{ labels: [], value: 42n }],
    },
    {
      desc: desc('nft_empty_total', 'counter', ['device']),
      samples: [],
    },
    {
      desc: desc('nft_sensor_temperature_celsius', 'gauge', ['sensor'], 'celsius'),
      samples: [
        { labels: ['nan'], value: Number.NaN },
        { labels: ['plus_inf'], value: Number.POSITIVE_INFINITY },
        { labels: ['minus_inf'], value: Number.NEGATIVE_INFINITY },
        { labels: ['fraction'], value: 36.6 },
        { labels: ['negative'], value: -0.5 },
        { labels: ['large'], value: 1e21 },
        { labels: ['small'], value: 1.5e-7 },
        { labels: ['integer'], value: 9007199254740991 },
        { labels: ['negative_zero'], value: -0 },
      ],
    },
    {
      desc: desc(
        'nft_help_escaping_info',
        'gauge',
        [],
        undefined,
        'Help with a backslash \\, a "quote" and a\nsecond line.',
      ),
      samples: [{ labels: [], value: 1 }],
    },
    {
      desc: desc('nft_up', 'gauge', []),
      samples: [{ labels: [], value: 1 }],
    },
  ];
}

function readGolden(format: ExpositionFormat): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(GOLDEN_FILES[format]));
}

describe('encodeFamilies golden files', () => {
  for (const format of ['text', 'openmetrics'] as const) {
    test(`${format} matches its golden file`, () => {
      const drops: EncodeDrop[] = [];
      const body = encodeFamilies(goldenFamilies(), format, { onDrop: (d) => drops.push(d) });
      if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN_FILES[format], body);
      assert.equal(body, readGolden(format));
      assert.deepStrictEqual(drops, []);
    });
  }
});

describe('encodeFamilies', () => {
  test('text keeps the counter name in TYPE', () => {
    const fam = {
      desc: desc('a_bytes_total', 'counter', ['x'], 'bytes'),
      samples: [{ labels: ['1'], value: 5n }],
    };
    assert.equal(
      encodeFamilies([fam], 'text'),
      '# HELP a_bytes_total Help of a_bytes_total.\n# TYPE a_bytes_total counter\na_bytes_total{x="1"} 5\n',
    );
  });

  test('openmetrics strips _total from metadata', () => {
    const fam = {
      desc: desc('a_bytes_total', 'counter', ['x'], 'bytes'),
      samples: [{ labels: ['1'], value: 5n }],
    };
    assert.equal(
      encodeFamilies([fam], 'openmetrics'),
      '# HELP a_bytes Help of a_bytes_total.\n# TYPE a_bytes counter\n# UNIT a_bytes bytes\n' +
        'a_bytes_total{x="1"} 5\n# EOF\n',
    );
  });

  test('no families gives an empty exposition', () => {
    assert.equal(encodeFamilies([], 'text'), '');
    assert.equal(encodeFamilies([], 'openmetrics'), '# EOF\n');
  });

  test('empty family is skipped', () => {
    const families = [{ desc: desc('a_total', 'counter', []), samples: [] }];
    assert.equal(encodeFamilies(families, 'text'), '');
    assert.equal(encodeFamilies(families, 'openmetrics'), '# EOF\n');
  });

  test('invalid descriptors are dropped and reported', () => {
    const one = [{ labels: ['v'], value: 1 }];
    const families: MetricFamily[] = [
      { desc: desc('bad-name', 'gauge', ['l']), samples: one },
      { desc: desc('no_suffix', 'counter', ['l']), samples: one },
      { desc: desc('_total', 'counter', ['l']), samples: one },
      { desc: desc('size_bytes', 'gauge', ['l'], 'seconds'), samples: one },
      { desc: desc('empty_unit', 'gauge', ['l'], ''), samples: one },
      { desc: desc('bad_label', 'gauge', ['dev:ice']), samples: one },
      { desc: desc('reserved_label', 'gauge', ['__name']), samples: one },
      {
        desc: desc('twice_label', 'gauge', ['l', 'l']),
        samples: [{ labels: ['a', 'b'], value: 1 }],
      },
      { desc: desc('good', 'gauge', ['l']), samples: one },
    ];
    const drops: EncodeDrop[] = [];
    const body = encodeFamilies(families, 'text', { onDrop: (d) => drops.push(d) });

    assert.equal(body, '# HELP good Help of good.\n# TYPE good gauge\ngood{l="v"} 1\n');
    assert.deepStrictEqual(drops, [
      {
        metric: '_total',
        samples: 1,
        reason: 'counter name "_total" must end with "_total" after a non-empty family name',
      },
      {
        metric: 'bad-name',
        samples: 1,
        reason: 'metric name "bad-name" is invalid; names must match [a-zA-Z_:][a-zA-Z0-9_:]*',
      },
      {
        metric: 'bad_label',
        samples: 1,
        reason: 'label name "dev:ice" is invalid; names must match [a-zA-Z_][a-zA-Z0-9_]*',
      },
      {
        metric: 'empty_unit',
        samples: 1,
        reason: 'unit "" must be a non-empty suffix "_" of "empty_unit"',
      },
      {
        metric: 'no_suffix',
        samples: 1,
        reason: 'counter name "no_suffix" must end with "_total" after a non-empty family name',
      },
      {
        metric: 'reserved_label',
        samples: 1,
        reason: 'label name "__name" is reserved; names starting with "__" are for Prometheus',
      },
      {
        metric: 'size_bytes',
        samples: 1,
        reason: 'unit "seconds" must be a non-empty suffix "_seconds" of "size_bytes"',
      },
      { metric: 'twice_label', samples: 1, reason: 'label name "l" appears twice' },
    ]);
  });

  test('bad samples are dropped and counted once', () => {
    const families: MetricFamily[] = [
      {
        desc: desc('c_total', 'counter', ['a', 'b']),
        samples: [
          { labels: ['1'], value: 1n },
          { labels: ['1', '2', '3'], value: 1n },
          { labels: ['1', '2'], value: -1n },
          { labels: ['1', '3'], value: Number.NaN },
          { labels: ['1', '4'], value: -0.5 },
          { labels: ['1', '5'], value: 7 },
        ],
      },
    ];
    const drops: EncodeDrop[] = [];
    const body = encodeFamilies(families, 'text', { onDrop: (d) => drops.push(d) });

    assert.equal(
      body,
      '# HELP c_total Help of c_total.\n# TYPE c_total counter\nc_total{a="1",b="5"} 7\n',
    );
    assert.deepStrictEqual(drops, [
      {
        metric: 'c_total',
        samples: 2,
        reason: "sample label values do not match the descriptor's 2 labels (a, b)",
      },
      { metric: 'c_total', samples: 3, reason: 'counter value is negative or NaN' },
    ]);
  });

  test('family whose samples are all dropped has no metadata', () => {
    const families = [{ desc: desc('g', 'gauge', ['a']), samples: [{ labels: [], value: 1 }] }];
    assert.equal(encodeFamilies(families, 'text'), '');
  });

  test('repeated family name keeps the first', () => {
    const families: MetricFamily[] = [
      { desc: desc('x', 'gauge', []), samples: [{ labels: [], value: 1 }] },
      { desc: desc('x', 'gauge', []), samples: [{ labels: [], value: 2 }] },
    ];
    const drops: EncodeDrop[] = [];
    const body = encodeFamilies(families, 'text', { onDrop: (d) => drops.push(d) });

    assert.equal(body, '# HELP x Help of x.\n# TYPE x gauge\nx 1\n');
    assert.deepStrictEqual(drops, [
      {
        metric: 'x',
        samples: 1,
        reason: 'a family named "x" was already written; the first one wins',
      },
    ]);
  });

  test('openmetrics drops counter clashing with gauge', () => {
    const families: MetricFamily[] = [
      { desc: desc('x_total', 'counter', []), samples: [{ labels: [], value: 1n }] },
      { desc: desc('x', 'gauge', []), samples: [{ labels: [], value: 2 }] },
    ];
    const drops: EncodeDrop[] = [];
    const body = encodeFamilies(families, 'openmetrics', { onDrop: (d) => drops.push(d) });

    assert.equal(body, '# HELP x Help of x.\n# TYPE x gauge\nx 2\n# EOF\n');
    assert.deepStrictEqual(drops, [
      {
        metric: 'x_total',
        samples: 1,
        reason: 'a family named "x" was already written; the first one wins',
      },
    ]);
    assert.equal(
      encodeFamilies(families, 'text'),
      '# HELP x Help of x.\n# TYPE x gauge\nx 2\n# HELP x_total Help of x_total.\n# TYPE x_total counter\nx_total 1\n',
    );
  });

  test('families are sorted by name, samples keep order', () => {
    const families: MetricFamily[] = [
      {
        desc: desc('b', 'gauge', ['l']),
        samples: [
          { labels: ['z'], value: 1 },
          { labels: ['a'], value: 2 },
        ],
      },
      { desc: desc('B', 'gauge', []), samples: [{ labels: [], value: 3 }] },
      { desc: desc('a', 'gauge', []), samples: [{ labels: [], value: 4 }] },
    ];
    assert.equal(
      encodeFamilies(families, 'text'),
      '# HELP B Help of B.\n# TYPE B gauge\nB 3\n' +
        '# HELP a Help of a.\n# TYPE a gauge\na 4\n' +
        '# HELP b Help of b.\n# TYPE b gauge\nb{l="z"} 1\nb{l="a"} 2\n',
    );
  });

  test('input families are not mutated', () => {
    const families = goldenFamilies();
    const before = structuredClone(families);
    encodeFamilies(families, 'text');
    encodeFamilies(families, 'openmetrics');
    assert.deepStrictEqual(families, before);
  });

  test('100000 series encode one line each', () => {
    // Encoding speed is measured by bench/encode.ts, not asserted here.
    const fam: MetricFamily = {
      desc: desc('nft_big_bytes_total', 'counter', ['device', 'queue'], 'bytes'),
      samples: [],
    };
    for (let i = 0; i < 100_000; i++) {
      fam.samples.push({
        labels: [`veth${i >> 4}`, String(i & 15)],
        value: BigInt(i) * 1_000_003n,
      });
    }
    const lines = encodeFamilies([fam], 'openmetrics').split('\n');
    assert.equal(lines.length, 100_000 + 5);
    assert.equal(
      lines[3 + 99_999],
      'nft_big_bytes_total{device="veth6249",queue="15"} 99999299997',
    );
  });
});

describe('escaping', () => {
  const cases: { name: string; input: string; label: string; textHelp: string; omHelp: string }[] =
    [
      { name: 'plain', input: 'eth0', label: 'eth0', textHelp: 'eth0', omHelp: 'eth0' },
      { name: 'backslash', input: 'a\\b', label: 'a\\\\b', textHelp: 'a\\\\b', omHelp: 'a\\\\b' },
      { name: 'double quote', input: 'a"b', label: 'a\\"b', textHelp: 'a"b', omHelp: 'a\\"b' },
      { name: 'newline', input: 'a\nb', label: 'a\\nb', textHelp: 'a\\nb', omHelp: 'a\\nb' },
      {
        name: 'carriage return kept',
        input: 'a\rb',
        label: 'a\rb',
        textHelp: 'a\rb',
        omHelp: 'a\rb',
      },
      { name: 'surrogate pair kept', input: '🚀', label: '🚀', textHelp: '🚀', omHelp: '🚀' },
      {
        name: 'lone high surrogate',
        input: 'a\uD83Db',
        label: 'a\uFFFDb',
        textHelp: 'a\uFFFDb',
        omHelp: 'a\uFFFDb',
      },
      {
        name: 'lone low surrogate',
        input: '\uDE80',
        label: '\uFFFD',
        textHelp: '\uFFFD',
        omHelp: '\uFFFD',
      },
      {
        name: 'high surrogate at end',
        input: 'a\uD83D',
        label: 'a\uFFFD',
        textHelp: 'a\uFFFD',
        omHelp: 'a\uFFFD',
      },
      {
        name: 'replacement char kept',
        input: '\uFFFD',
        label: '\uFFFD',
        textHelp: '\uFFFD',
        omHelp: '\uFFFD',
      },
      {
        name: 'everything',
        input: '\\"\n\uD800',
        label: '\\\\\\"\\n\uFFFD',
        textHelp: '\\\\"\\n\uFFFD',
        omHelp: '\\\\\\"\\n\uFFFD',
      },
    ];
  for (const c of cases) {
    test(`${c.name} label value`, () => assert.equal(escapeLabelValue(c.input), c.label));
    test(`${c.name} text help`, () => assert.equal(escapeTextHelp(c.input), c.textHelp));
    test(`${c.name} openmetrics help`, () =>
      assert.equal(escapeOpenMetricsHelp(c.input), c.omHelp));
  }
});

describe('formatValue', () => {
  const cases: { name: string; value: number | bigint; text: string }[] = [
    { name: 'u64 max', value: 18446744073709551615n, text: '18446744073709551615' },
    { name: 'bigint zero', value: 0n, text: '0' },
    { name: 'integer', value: 1234567, text: '1234567' },
    { name: 'max safe integer', value: 9007199254740991, text: '9007199254740991' },
    { name: 'fraction', value: 0.1, text: '0.1' },
    { name: 'large', value: 1e21, text: '1e+21' },
    { name: 'small', value: 5e-324, text: '5e-324' },
    { name: 'negative zero', value: -0, text: '0' },
    { name: 'NaN', value: Number.NaN, text: 'NaN' },
    { name: 'positive infinity', value: Number.POSITIVE_INFINITY, text: '+Inf' },
    { name: 'negative infinity', value: Number.NEGATIVE_INFINITY, text: '-Inf' },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(formatValue(c.value), c.text));
  }
});
