// ctnetlink parsers on replies captured from a known scene (scripts/capture-netfilter.sh),
// and on small messages built here for cases the scene cannot show.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXP_STATS_CPU_REPLY } from '../../src/families/conntrack/client.js';
import {
  CTA_STATS_FOUND,
  CTA_STATS_INSERT,
  CTA_STATS_INVALID,
} from '../../src/families/conntrack/constants.js';
import {
  type CtCpuStatsSnapshot,
  parseCtCpuStats,
  parseCtGlobalStats,
  parseExpCpuStats,
  parseExpectation,
} from '../../src/families/conntrack/parse.js';
import { AttrBuilder } from '../../src/netlink/attr.js';
import { DecodeError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';

function parseAll<T>(
  name: string,
  type: number,
  parse: (buf: Buffer, start: number, end: number) => T,
): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('conntrack', name), (buf, msgType, _flags, start, end) => {
    if (msgType === type) out.push(parse(buf, start, end));
  });
  return out;
}

const ZERO_STATS = {
  found: 0,
  invalid: 0,
  insert: 0,
  insert_failed: 0,
  drop: 0,
  early_drop: 0,
  error: 0,
  search_restart: 0,
  clash_resolve: 0,
  chaintoolong: 0,
};

test('per-CPU statistics parse per CPU', () => {
  assert.deepStrictEqual(parseAll('stats_cpu', 0x104, parseCtCpuStats), [
    { cpu: 0, stats: { ...ZERO_STATS, insert: 2 } },
    { cpu: 1, stats: ZERO_STATS },
  ]);
});

test('global statistics parse', () => {
  assert.deepStrictEqual(parseAll('stats', 0x105, parseCtGlobalStats), [
    { entries: 13, maxEntries: 262144 },
  ]);
});

test('expectations parse with protocol and helper', () => {
  assert.deepStrictEqual(parseAll('expect', 0x200, parseExpectation), [
    { family: 2, l4proto: 6, helper: 'ftp' },
    { family: 2, l4proto: 17, helper: 'tftp' },
    { family: 10, l4proto: 6, helper: 'ftp' },
    { family: 10, l4proto: 17, helper: 'tftp' },
  ]);
});

test('expectation statistics parse per CPU', () => {
  assert.deepStrictEqual(parseAll('expect_stats_cpu', EXP_STATS_CPU_REPLY, parseExpCpuStats), [
    { cpu: 0, new: 0, create: 4, delete: 2 },
    { cpu: 1, new: 0, create: 4, delete: 2 },
  ]);
});

/** Builds a message body: nfgenmsg with `resId`, then `attrs`. */
function body(resId: number, attrs: Buffer): Buffer {
  const header = Buffer.from([0, 0, (resId >> 8) & 0xff, resId & 0xff]);
  return Buffer.concat([header, attrs]);
}

test('older kernel stats leave fields undefined', () => {
  // A kernel before CTA_STATS_CLASH_RESOLVE and CTA_STATS_CHAIN_TOOLONG sends fewer counters.
  const attrs = new AttrBuilder(true)
    .u32(CTA_STATS_FOUND, 7)
    .u32(CTA_STATS_INVALID, 0x89abcdef)
    .u32(CTA_STATS_INSERT, 3)
    .toBuffer();
  const msg = body(0x0102, attrs);
  const expected: CtCpuStatsSnapshot = {
    cpu: 258,
    stats: {
      found: 7,
      invalid: 0x89abcdef,
      insert: 3,
      insert_failed: undefined,
      drop: undefined,
      early_drop: undefined,
      error: undefined,
      search_restart: undefined,
      clash_resolve: undefined,
      chaintoolong: undefined,
    },
  };
  assert.deepStrictEqual(parseCtCpuStats(msg, 0, msg.length), expected);
});

test('expectation without helper has empty helper', () => {
  const msg = body(0, Buffer.alloc(0));
  assert.deepStrictEqual(parseExpectation(msg, 0, msg.length), {
    family: 0,
    l4proto: undefined,
    helper: '',
  });
});

test('short nfgenmsg is a decode error', () => {
  const msg = Buffer.from([2, 0, 0]);
  assert.throws(
    () => parseCtGlobalStats(msg, 0, msg.length),
    (err: unknown) => {
      assert.ok(err instanceof DecodeError);
      assert.equal(
        err.message,
        'invalid IPCTNL_MSG_CT_GET_STATS/nfgenmsg: expected at least 4 bytes (length 3)',
      );
      return true;
    },
  );
});

test('counter of wrong size is a decode error', () => {
  const msg = body(0, new AttrBuilder(true).u16(CTA_STATS_FOUND, 1).toBuffer());
  assert.throws(
    () => parseCtCpuStats(msg, 0, msg.length),
    (err: unknown) => {
      assert.ok(err instanceof DecodeError);
      assert.equal(
        err.message,
        'invalid IPCTNL_MSG_CT_GET_STATS_CPU/CTA_STATS found: expected 4 bytes (length 2)',
      );
      return true;
    },
  );
});
