// The xfrm collector's families from the captured replies, compared as whole expositions
// with golden files and linted by promtool, and the lifetime limit rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { limitsReached, type XfrmSnapshot, xfrmFamilies } from '../../src/collectors/xfrm.js';
import {
  parsePolicy,
  parseSa,
  parseSadInfo,
  parseSpdInfo,
  type SaSnapshot,
} from '../../src/families/xfrm/parse.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

function parseAll<T>(name: string, parse: (b: Buffer, s: number, e: number) => T): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('xfrm', name), (buf, _type, _flags, start, end) => {
    out.push(parse(buf, start, end));
  });
  return out;
}

const INF = 0xffffffffffffffffn;
/** Scrape time of the golden files: 100 seconds after the captured SAs were added. */
const NOW = 1796418416;

/** Returns an ESP tunnel SA with traffic as a snapshot, because the CI kernel cannot make one. */
function espWithTraffic(overrides: Partial<SaSnapshot>): SaSnapshot {
  return {
    proto: 50,
    mode: 1,
    family: 2,
    softByteLimit: INF,
    hardByteLimit: INF,
    softPacketLimit: INF,
    hardPacketLimit: INF,
    softAddExpiresSeconds: 0n,
    hardAddExpiresSeconds: 0n,
    softUseExpiresSeconds: 0n,
    hardUseExpiresSeconds: 0n,
    bytes: 123456789012n,
    packets: 98765432n,
    addTime: 1796418000n,
    useTime: 1796418001n,
    replayWindowFailures: 3,
    replayFailures: 5,
    integrityFailures: 7,
    ...overrides,
  };
}

/** Returns the captured replies plus two ESP tunnel SAs with traffic, one past its soft byte limit. */
function fixtureSnapshot(): XfrmSnapshot {
  return {
    sas: [
      ...parseAll('sa', parseSa),
      espWithTraffic({}),
      espWithTraffic({ softByteLimit: 1000n, bytes: 1000n, packets: 1n, replayFailures: 0 }),
    ],
    policies: parseAll('policy', parsePolicy),
    sad: parseAll('sadinfo', parseSadInfo)[0],
    spd: parseAll('spdinfo', parseSpdInfo)[0],
  };
}

test('exposition matches its golden file', (t) => {
  const text = encodeChecked(xfrmFamilies(fixtureSnapshot(), NOW), 'text');
  assertGolden('xfrm.prom', text);
  assertPromtoolClean(t, text);
});

test('OpenMetrics exposition matches its golden file', () => {
  const text = encodeChecked(xfrmFamilies(fixtureSnapshot(), NOW), 'openmetrics');
  assertGolden('xfrm.openmetrics', text);
});

test('missing summaries leave their families empty', () => {
  const families = xfrmFamilies({ sas: [], policies: [], sad: undefined, spd: undefined }, NOW);
  assert.deepStrictEqual(
    families.map((f) => [f.desc.name, f.samples.length]),
    [
      ['nft_xfrm_security_associations', 0],
      ['nft_xfrm_sa_processed_bytes', 0],
      ['nft_xfrm_sa_processed_packets', 0],
      ['nft_xfrm_sa_dropped_packets', 0],
      ['nft_xfrm_sa_limit_reached', 0],
      ['nft_xfrm_security_policies', 0],
      ['nft_xfrm_socket_policies', 0],
      ['nft_xfrm_sad_hash_buckets', 0],
      ['nft_xfrm_sad_hash_max_buckets', 0],
      ['nft_xfrm_spd_hash_buckets', 0],
      ['nft_xfrm_spd_hash_max_buckets', 0],
    ],
  );
});

test('lifetime limits follow the kernel rules', () => {
  const base = espWithTraffic({ bytes: 500n, packets: 5n, addTime: 1000n, useTime: 0n });
  const cases: { name: string; sa: SaSnapshot; now: number; soft: boolean; hard: boolean }[] = [
    { name: 'no limits', sa: base, now: 5000, soft: false, hard: false },
    {
      name: 'bytes below soft',
      sa: { ...base, softByteLimit: 501n },
      now: 5000,
      soft: false,
      hard: false,
    },
    {
      name: 'bytes at soft',
      sa: { ...base, softByteLimit: 500n },
      now: 5000,
      soft: true,
      hard: false,
    },
    {
      name: 'packets at hard',
      sa: { ...base, hardPacketLimit: 5n },
      now: 5000,
      soft: false,
      hard: true,
    },
    {
      name: 'add time not yet run out',
      sa: { ...base, softAddExpiresSeconds: 100n },
      now: 1099,
      soft: false,
      hard: false,
    },
    {
      name: 'add time run out',
      sa: { ...base, softAddExpiresSeconds: 100n },
      now: 1100,
      soft: true,
      hard: false,
    },
    {
      name: 'use time of an unused SA',
      sa: { ...base, hardUseExpiresSeconds: 10n },
      now: 9999,
      soft: false,
      hard: false,
    },
    {
      name: 'use time run out',
      sa: { ...base, useTime: 2000n, hardUseExpiresSeconds: 10n },
      now: 2010.5,
      soft: false,
      hard: true,
    },
  ];
  for (const c of cases) {
    assert.deepStrictEqual(limitsReached(c.sa, c.now), { soft: c.soft, hard: c.hard }, c.name);
  }
});
