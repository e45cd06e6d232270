// Property test of the file parsers: truncated, byte-flipped, line-shuffled and random
// variants of every fixture file must parse into a snapshot with a non-negative skip count,
// never throw. The seed is fixed for CI; NLX_FUZZ_SEED picks another one, and a failure
// names the seed and the input.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseBql } from '../../src/files/bql.js';
import { parseHwmon } from '../../src/files/hwmon.js';
import { parseInterrupts } from '../../src/files/interrupts.js';
import { parsePairedMib, parseSnmp6 } from '../../src/files/netstat.js';
import { parsePcie } from '../../src/files/pcie.js';
import { parseAuxvPageSize, parseSockstat } from '../../src/files/sockstat.js';
import { parseSoftirqs } from '../../src/files/softirqs.js';
import { parseSoftnet } from '../../src/files/softnet.js';
import { FILE_FIXTURES } from '../support/config.js';

const SEED = Number(process.env['NLX_FUZZ_SEED'] ?? 20261204);
const ITERATIONS = 300;

/** xorshift32: small, seedable and good enough to pick mutations. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

const ALPHABET = ' \t\n:-0123456789abcdefxTOTAL_CPU';

function mutate(text: string, next: () => number): string {
  const pick = (n: number): number => Math.floor(next() * n);
  switch (pick(5)) {
    case 0:
      return text.slice(0, pick(text.length + 1));
    case 1: {
      const chars = [...text];
      for (let i = 0; i < 1 + pick(8); i++) {
        chars[pick(chars.length)] = ALPHABET[pick(ALPHABET.length)] ?? ' ';
      }
      return chars.join('');
    }
    case 2: {
      const lines = text.split('\n');
      for (let i = lines.length - 1; i > 0; i--) {
        const j = pick(i + 1);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      }
      return lines.join('\n');
    }
    case 3:
      return Array.from({ length: pick(400) }, () => ALPHABET[pick(ALPHABET.length)]).join('');
    default:
      return text.replaceAll(' ', '  ').replaceAll('\n', pick(2) === 0 ? '\r\n' : '\n\n');
  }
}

function fixture(tree: string, path: string): string {
  return readFileSync(join(FILE_FIXTURES, tree, path), 'utf8');
}

const TEXT_PARSERS: {
  name: string;
  input: string;
  parse: (text: string) => { skipped: number };
}[] = [
  {
    name: 'softnet 15 columns',
    input: fixture('vm-6.18-x86_64', 'proc/net/softnet_stat'),
    parse: parseSoftnet,
  },
  {
    name: 'softnet 10 columns',
    input: fixture('rps-10col-no-ipv6', 'proc/net/softnet_stat'),
    parse: parseSoftnet,
  },
  { name: 'snmp', input: fixture('vm-6.18-x86_64', 'proc/net/snmp'), parse: parsePairedMib },
  { name: 'netstat', input: fixture('vm-6.18-x86_64', 'proc/net/netstat'), parse: parsePairedMib },
  { name: 'snmp6', input: fixture('vm-6.18-x86_64', 'proc/net/snmp6'), parse: parseSnmp6 },
  { name: 'softirqs', input: fixture('server-5.15-13col', 'proc/softirqs'), parse: parseSoftirqs },
  {
    name: 'interrupts',
    input: fixture('server-5.15-13col', 'proc/interrupts'),
    parse: parseInterrupts,
  },
  {
    name: 'sockstat',
    input: fixture('rps-10col-no-ipv6', 'proc/net/sockstat'),
    parse: parseSockstat,
  },
  {
    name: 'BQL files',
    input: '60560\n',
    parse: (text) =>
      parseBql(new Map([['eno1', [{ queue: 'tx-0', limit: text, inflight: text }]]])),
  },
  {
    name: 'AER and link files',
    input: fixture('server-5.15-13col', 'sys/class/net/eno1/device/aer_dev_correctable'),
    parse: (text) =>
      parsePcie(
        new Map([
          [
            'eno1',
            {
              currentLinkSpeed: text,
              currentLinkWidth: text,
              aerCorrectable: text,
              aerFatal: text,
              virtualFunction: false,
            },
          ],
        ]),
      ),
  },
  {
    name: 'hwmon files',
    input: '52000\n',
    parse: (text) =>
      parseHwmon(
        new Map([
          [
            'eno1',
            [{ dir: 'hwmon2', name: text, temps: [{ index: 1, input: text }], unreadable: 0 }],
          ],
        ]),
      ),
  },
];

describe('file parsers on mutated input', () => {
  for (const { name, input, parse } of TEXT_PARSERS) {
    it(`${name} never throws`, () => {
      const next = random(SEED);
      for (let i = 0; i < ITERATIONS; i++) {
        const text = mutate(input, next);
        let skipped: number;
        try {
          skipped = parse(text).skipped;
        } catch (err) {
          assert.fail(
            `seed ${SEED}, iteration ${i}, input ${JSON.stringify(text)}: ${String(err)}`,
          );
        }
        assert.ok(skipped >= 0, `seed ${SEED}, iteration ${i}: skipped ${skipped}`);
      }
    });
  }

  it('auxv never throws', () => {
    const bytes = readFileSync(join(FILE_FIXTURES, 'vm-6.18-x86_64', 'proc/self/auxv'));
    const next = random(SEED);
    for (let i = 0; i < ITERATIONS; i++) {
      const copy = Uint8Array.from(bytes.subarray(0, Math.floor(next() * (bytes.length + 1))));
      if (copy.length > 0) copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
      const size = parseAuxvPageSize(copy, 8, true);
      assert.ok(
        size === undefined || (size > 0 && Number.isSafeInteger(size)),
        `seed ${SEED}, iteration ${i}`,
      );
    }
  });
});
