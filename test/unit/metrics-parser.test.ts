import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { ExpositionFormat } from '../../src/metrics/exposition.js';
import {
  ExpositionParseError,
  type ParsedFamily,
  parseExposition,
} from '../support/exposition-parser.js';

const FIXTURES = new URL('../../../test/fixtures/exposition/', import.meta.url);

function readGolden(file: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(new URL(file, FIXTURES)));
}

const LINK_SAMPLES = (name: string) => [
  { name, labels: { device: 'eth0', alias: 'back\\slash' }, value: '18446744073709551615' },
  { name, labels: { device: 'eth1', alias: 'say "hi"' }, value: '0' },
  { name, labels: { device: 'eth2', alias: 'two\nlines' }, value: '9007199254740993' },
  { name, labels: { device: 'eth3', alias: 'grüße 🚀' }, value: '1' },
  { name, labels: { device: 'eth4', alias: 'lone \uFFFD surrogate' }, value: '2' },
  { name, labels: { device: 'eth5', alias: 'trailing low \uFFFD' }, value: '3' },
  { name, labels: { device: 'eth6', alias: '' }, value: '4' },
];

const SENSOR_SAMPLES = [
  ['nan', 'NaN'],
  ['plus_inf', '+Inf'],
  ['minus_inf', '-Inf'],
  ['fraction', '36.6'],
  ['negative', '-0.5'],
  ['large', '1e+21'],
  ['small', '1.5e-7'],
  ['integer', '9007199254740991'],
  ['negative_zero', '0'],
].map(([sensor, value]) => ({
  name: 'nft_sensor_temperature_celsius',
  labels: { sensor: sensor! },
  value: value!,
}));

const HELP_ESCAPED = 'Help with a backslash \\, a "quote" and a\nsecond line.';

describe('parseExposition golden files', () => {
  test('text golden file', () => {
    const expected = new Map<string, ParsedFamily>([
      [
        'nft_conntrack_found_total',
        {
          type: 'counter',
          help: 'Help of nft_conntrack_found_total.',
          samples: [{ name: 'nft_conntrack_found_total', labels: {}, value: '42' }],
        },
      ],
      [
        'nft_help_escaping_info',
        {
          type: 'gauge',
          help: HELP_ESCAPED,
          samples: [{ name: 'nft_help_escaping_info', labels: {}, value: '1' }],
        },
      ],
      [
        'nft_link_receive_bytes_total',
        {
          type: 'counter',
          help: 'Help of nft_link_receive_bytes_total.',
          samples: LINK_SAMPLES('nft_link_receive_bytes_total'),
        },
      ],
      [
        'nft_sensor_temperature_celsius',
        { type: 'gauge', help: 'Help of nft_sensor_temperature_celsius.', samples: SENSOR_SAMPLES },
      ],
      [
        'nft_up',
        {
          type: 'gauge',
          help: 'Help of nft_up.',
          samples: [{ name: 'nft_up', labels: {}, value: '1' }],
        },
      ],
    ]);
    assert.deepStrictEqual(parseExposition(readGolden('golden-text-0.0.4.txt'), 'text'), expected);
  });

  test('openmetrics golden file', () => {
    const expected = new Map<string, ParsedFamily>([
      [
        'nft_conntrack_found',
        {
          type: 'counter',
          help: 'Help of nft_conntrack_found_total.',
          samples: [{ name: 'nft_conntrack_found_total', labels: {}, value: '42' }],
        },
      ],
      [
        'nft_help_escaping_info',
        {
          type: 'gauge',
          help: HELP_ESCAPED,
          samples: [{ name: 'nft_help_escaping_info', labels: {}, value: '1' }],
        },
      ],
      [
        'nft_link_receive_bytes',
        {
          type: 'counter',
          help: 'Help of nft_link_receive_bytes_total.',
          unit: 'bytes',
          samples: LINK_SAMPLES('nft_link_receive_bytes_total'),
        },
      ],
      [
        'nft_sensor_temperature_celsius',
        {
          type: 'gauge',
          help: 'Help of nft_sensor_temperature_celsius.',
          unit: 'celsius',
          samples: SENSOR_SAMPLES,
        },
      ],
      [
        'nft_up',
        {
          type: 'gauge',
          help: 'Help of nft_up.',
          samples: [{ name: 'nft_up', labels: {}, value: '1' }],
        },
      ],
    ]);
    assert.deepStrictEqual(
      parseExposition(readGolden('golden-openmetrics-1.0.0.txt'), 'openmetrics'),
      expected,
    );
  });
});

describe('parseExposition accepts', () => {
  test('text without metadata is untyped', () => {
    assert.deepStrictEqual(
      parseExposition('a{x="1",} 2 1700000000000\n', 'text'),
      new Map([
        [
          'a',
          {
            type: 'untyped',
            help: '',
            samples: [{ name: 'a', labels: { x: '1' }, value: '2', timestamp: '1700000000000' }],
          },
        ],
      ]),
    );
  });

  test('text comments and blank lines', () => {
    assert.deepStrictEqual(
      parseExposition('# just a comment\n\n# TYPE a gauge\na  3\n', 'text'),
      new Map([
        ['a', { type: 'gauge', help: '', samples: [{ name: 'a', labels: {}, value: '3' }] }],
      ]),
    );
  });

  test('openmetrics without final newline', () => {
    assert.deepStrictEqual(
      parseExposition('# TYPE a gauge\na 1\n# EOF', 'openmetrics'),
      new Map([
        ['a', { type: 'gauge', help: '', samples: [{ name: 'a', labels: {}, value: '1' }] }],
      ]),
    );
  });
});

describe('parseExposition rejects', () => {
  const cases: { name: string; format: ExpositionFormat; input: string; message: string }[] = [
    {
      name: 'missing final newline',
      format: 'text',
      input: 'a 1',
      message: 'line 1: last line does not end with a newline',
    },
    {
      name: 'missing EOF',
      format: 'openmetrics',
      input: 'a 1\n',
      message: 'line 1: OpenMetrics exposition does not end with "# EOF"',
    },
    {
      name: 'content after EOF',
      format: 'openmetrics',
      input: '# EOF\na 1\n',
      message: 'line 2: content after "# EOF"',
    },
    {
      name: 'blank line in openmetrics',
      format: 'openmetrics',
      input: 'a 1\n\n# EOF\n',
      message: 'line 2: blank lines are not allowed in OpenMetrics',
    },
    {
      name: 'plain comment in openmetrics',
      format: 'openmetrics',
      input: '# hello\n# EOF\n',
      message: 'line 1: unexpected comment "# hello"',
    },
    {
      name: 'invalid metric name',
      format: 'text',
      input: '# TYPE 1a gauge\n',
      message: 'line 1: invalid metric name "1a" in TYPE',
    },
    {
      name: 'invalid type',
      format: 'text',
      input: '# TYPE a meter\n',
      message: 'line 1: invalid type "meter"',
    },
    {
      name: 'unsupported type',
      format: 'text',
      input: '# TYPE a histogram\n',
      message: 'line 1: type "histogram" is not supported by this parser',
    },
    {
      name: 'untyped in openmetrics',
      format: 'openmetrics',
      input: '# TYPE a untyped\n# EOF\n',
      message: 'line 1: invalid type "untyped"',
    },
    {
      name: 'second TYPE',
      format: 'text',
      input: '# TYPE a gauge\n# TYPE a gauge\n',
      message: 'line 2: second TYPE for "a"',
    },
    {
      name: 'second HELP',
      format: 'text',
      input: '# HELP a x\n# HELP a y\n',
      message: 'line 2: second HELP for "a"',
    },
    {
      name: 'TYPE after samples',
      format: 'text',
      input: 'a 1\n# TYPE a gauge\n',
      message: 'line 2: metadata for "a" after its samples',
    },
    {
      name: 'family split in two',
      format: 'text',
      input: 'a 1\nb 1\na{x="y"} 1\n',
      message: 'line 3: family "a" appears twice; its lines must be grouped',
    },
    {
      name: 'duplicate series',
      format: 'text',
      input: 'a{x="1",y="2"} 1\na{y="2",x="1"} 2\n',
      message: 'line 2: duplicate series in "a{y="2",x="1"} 2"',
    },
    {
      name: 'duplicate label',
      format: 'text',
      input: 'a{x="1",x="2"} 1\n',
      message: 'line 1: label "x" appears twice',
    },
    {
      name: 'invalid label name',
      format: 'text',
      input: 'a{1x="1"} 1\n',
      message: 'line 1: invalid label name at column 3',
    },
    {
      name: 'unquoted label value',
      format: 'text',
      input: 'a{x=1} 1\n',
      message: 'line 1: expected a quoted value for label "x"',
    },
    {
      name: 'unterminated label value',
      format: 'text',
      input: 'a{x="1} 1\n',
      message: 'line 1: unterminated value of label "x"',
    },
    {
      name: 'missing comma',
      format: 'text',
      input: 'a{x="1" y="2"} 1\n',
      message: 'line 1: expected "," or "}" after the value of label "x"',
    },
    {
      name: 'invalid label escape',
      format: 'text',
      input: 'a{x="\\t"} 1\n',
      message: 'line 1: invalid escape sequence "\\t"',
    },
    {
      name: 'quote escape in text help',
      format: 'text',
      input: '# HELP a say \\"x\\"\n',
      message: 'line 1: invalid escape sequence "\\""',
    },
    {
      name: 'raw quote in openmetrics help',
      format: 'openmetrics',
      input: '# HELP a say "x"\n# EOF\n',
      message: 'line 1: unescaped double quote in OpenMetrics HELP',
    },
    {
      name: 'trailing comma in openmetrics',
      format: 'openmetrics',
      input: 'a{x="1",} 1\n# EOF\n',
      message: 'line 1: trailing comma in the label set',
    },
    {
      name: 'missing value',
      format: 'text',
      input: 'a\n',
      message: 'line 1: expected a space before the value in "a"',
    },
    {
      name: 'invalid value',
      format: 'text',
      input: 'a 0x10\n',
      message: 'line 1: invalid value "0x10"',
    },
    {
      name: 'lower-case inf',
      format: 'text',
      input: 'a inf\n',
      message: 'line 1: invalid value "inf"',
    },
    {
      name: 'extra field',
      format: 'text',
      input: 'a 1 2 3\n',
      message: 'line 1: unexpected text after the value in "a 1 2 3"',
    },
    {
      name: 'fractional text timestamp',
      format: 'text',
      input: 'a 1 2.5\n',
      message: 'line 1: invalid timestamp "2.5"',
    },
    {
      name: 'two spaces in openmetrics',
      format: 'openmetrics',
      input: 'a  1\n# EOF\n',
      message: 'line 1: invalid value ""',
    },
    {
      name: 'exemplar',
      format: 'openmetrics',
      input: '# TYPE a counter\na_total 1 # {t="1"} 1\n# EOF\n',
      message: 'line 2: exemplars are not supported by this parser',
    },
    {
      name: 'counter without _total',
      format: 'openmetrics',
      input: '# TYPE a counter\na 1\n# EOF\n',
      message: 'line 2: counter sample "a" must be named "a_total"',
    },
    {
      name: 'created sample',
      format: 'openmetrics',
      input: '# TYPE a counter\na_created 1\n# EOF\n',
      message: 'line 2: _created samples are not supported by this parser',
    },
    {
      name: 'negative counter',
      format: 'openmetrics',
      input: '# TYPE a counter\na_total -1\n# EOF\n',
      message: 'line 2: counter value "-1" must not be negative or NaN',
    },
    {
      name: 'NaN counter',
      format: 'openmetrics',
      input: '# TYPE a counter\na_total NaN\n# EOF\n',
      message: 'line 2: counter value "NaN" must not be negative or NaN',
    },
    {
      name: 'unit not a suffix',
      format: 'openmetrics',
      input: '# TYPE a gauge\n# UNIT a bytes\n# EOF\n',
      message: 'line 2: unit "bytes" is not a suffix of metric "a"',
    },
    {
      name: 'second UNIT',
      format: 'openmetrics',
      input: '# UNIT a_b b\n# UNIT a_b b\n# EOF\n',
      message: 'line 2: second UNIT for "a_b"',
    },
    {
      name: 'gauge clashing with counter samples',
      format: 'openmetrics',
      input: '# TYPE a counter\n# TYPE a_total gauge\n# EOF\n',
      message: 'line 2: family "a_total" clashes with the samples of counter "a"',
    },
    {
      name: 'lone surrogate',
      format: 'text',
      input: 'a 1\nb{x="\uD800"} 1\n',
      message: 'line 2: lone UTF-16 surrogate, which is not valid UTF-8',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(
        () => parseExposition(c.input, c.format),
        (err: unknown) => {
          assert.ok(err instanceof ExpositionParseError);
          assert.equal(err.message, c.message);
          return true;
        },
      );
    });
  }
});
