// XFRM parsers on replies captured from a known scene (scripts/capture-xfrm.sh), and their
// decode errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parsePolicy,
  parseSa,
  parseSadInfo,
  parseSpdInfo,
  type SaSnapshot,
} from '../../src/families/xfrm/parse.js';
import { DecodeError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';

function parseAll<T>(name: string, parse: (b: Buffer, s: number, e: number) => T): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('xfrm', name), (buf, _type, _flags, start, end) => {
    out.push(parse(buf, start, end));
  });
  return out;
}

const INF = 0xffffffffffffffffn;
const ADDED = 1796418316n;

/** Returns a larval SA as allocspi makes it: no limits but the hard expiry after xfrm_acq_expires. */
function larval(proto: number, mode: number, family: number): SaSnapshot {
  return {
    proto,
    mode,
    family,
    softByteLimit: INF,
    hardByteLimit: INF,
    softPacketLimit: INF,
    hardPacketLimit: INF,
    softAddExpiresSeconds: 0n,
    hardAddExpiresSeconds: 3600n,
    softUseExpiresSeconds: 0n,
    hardUseExpiresSeconds: 0n,
    bytes: 0n,
    packets: 0n,
    addTime: ADDED,
    useTime: 0n,
    replayWindowFailures: 0,
    replayFailures: 0,
    integrityFailures: 0,
  };
}

test('SA dump parses larval SAs', () => {
  assert.deepStrictEqual(parseAll('sa', parseSa), [
    larval(108, 1, 2),
    larval(51, 0, 10),
    larval(50, 0, 2),
    larval(50, 1, 2),
  ]);
});

test('policy dump parses direction and action', () => {
  // Per-socket policies come first, at XFRM_POLICY_MAX (3) + their direction.
  assert.deepStrictEqual(parseAll('policy', parsePolicy), [
    { dir: 4, action: 0 },
    { dir: 4, action: 0 },
    { dir: 3, action: 0 },
    { dir: 2, action: 0 },
    { dir: 0, action: 0 },
    { dir: 0, action: 1 },
    { dir: 1, action: 0 },
  ]);
});

test('SAD and SPD summaries parse', () => {
  assert.deepStrictEqual(parseAll('sadinfo', parseSadInfo), [
    { count: 4, hashBuckets: 8, hashMaxBuckets: 1048576 },
  ]);
  assert.deepStrictEqual(parseAll('spdinfo', parseSpdInfo), [
    {
      policies: { in: 2, out: 1, fwd: 1 },
      socketPolicies: { in: 1, out: 2, fwd: 0 },
      hashMask: 7,
      hashMaxBuckets: 1048576,
    },
  ]);
});

test('summary without attributes has undefined fields', () => {
  const flagsOnly = Buffer.from([0xff, 0xff, 0xff, 0xff]);
  assert.deepStrictEqual(parseSadInfo(flagsOnly, 0, 4), {
    count: undefined,
    hashBuckets: undefined,
    hashMaxBuckets: undefined,
  });
  assert.deepStrictEqual(parseSpdInfo(flagsOnly, 0, 4), {
    policies: undefined,
    socketPolicies: undefined,
    hashMask: undefined,
    hashMaxBuckets: undefined,
  });
});

test('longer SA struct parses the same', () => {
  const [datagram] = loadDatagrams('xfrm', 'sa');
  const body = datagram!.subarray(16, datagram!.readUInt32LE(0));
  // The 224-byte struct grown by 8 bytes, as a later kernel might append fields.
  const longer = Buffer.concat([body.subarray(0, 224), Buffer.alloc(8, 0xee)]);
  assert.deepStrictEqual(parseSa(longer, 0, longer.length), parseSa(body, 0, body.length));
});

/** Returns the DecodeError that `fn` throws, as path, message and length. */
function decodeError(fn: () => void): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    return { path: err.path, message: err.message, length: err.length };
  }
  assert.fail('expected a DecodeError');
}

test('short messages throw DecodeError', () => {
  const buf = Buffer.alloc(256);
  assert.deepStrictEqual(
    decodeError(() => parseSa(buf, 0, 216)),
    {
      path: 'XFRM_MSG_NEWSA/xfrm_usersa_info',
      message: 'invalid XFRM_MSG_NEWSA/xfrm_usersa_info: expected at least 217 bytes (length 216)',
      length: 216,
    },
  );
  assert.deepStrictEqual(
    decodeError(() => parsePolicy(buf, 0, 163)),
    {
      path: 'XFRM_MSG_NEWPOLICY/xfrm_userpolicy_info',
      message:
        'invalid XFRM_MSG_NEWPOLICY/xfrm_userpolicy_info: expected at least 164 bytes (length 163)',
      length: 163,
    },
  );
  assert.deepStrictEqual(
    decodeError(() => parseSadInfo(buf, 0, 3)),
    {
      path: 'XFRM_MSG_NEWSADINFO',
      message: 'invalid XFRM_MSG_NEWSADINFO: expected at least 4 bytes (length 3)',
      length: 3,
    },
  );
  // XFRMA_SPD_HINFO with 4 of its 8 bytes.
  const shortHinfo = Buffer.from([0, 0, 0, 0, 8, 0, 2, 0, 7, 0, 0, 0]);
  assert.deepStrictEqual(
    decodeError(() => parseSpdInfo(shortHinfo, 0, shortHinfo.length)),
    {
      path: 'XFRM_MSG_NEWSPDINFO/XFRMA_SPD_HINFO',
      message: 'invalid XFRM_MSG_NEWSPDINFO/XFRMA_SPD_HINFO: expected at least 8 bytes (length 4)',
      length: 4,
    },
  );
});
