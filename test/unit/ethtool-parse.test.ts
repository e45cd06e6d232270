// ethtool parsers on replies captured from veth pairs on the host (scripts/capture-genl.sh
// host) and from netdevsim in the kernel lab VM (scripts/capture-genl.sh lab).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseFec,
  parseLinkInfo,
  parseLinkModes,
  parseLinkState,
  parsePause,
  parseStats,
  parseStringSets,
} from '../../src/families/ethtool/parse.js';
import { AttrBuilder } from '../../src/netlink/attr.js';
import { DecodeError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';

function parseAll<T>(name: string, parse: (b: Buffer, s: number, e: number) => T): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('ethtool', name), (buf, _type, _flags, start, end) => {
    out.push(parse(buf, start, end));
  });
  return out;
}

const veth = (index: number, name: string) => ({ index, name });

test('string set reply names the standard groups', () => {
  assert.deepStrictEqual(parseAll('strset-std', parseStringSets), [
    [{ id: 16, strings: ['eth-phy', 'eth-mac', 'eth-ctrl', 'rmon', 'phydev'] }],
  ]);
});

test('stats dump lists every group of every device', () => {
  const groups = [0, 1, 2, 3, 4].map((id) => ({ id, stringSet: 17 + id, stats: [] }));
  assert.deepStrictEqual(parseAll('stats-veth', parseStats), [
    { device: veth(1, 'lo'), groups },
    { device: veth(2, 'veth1'), groups },
    { device: veth(3, 'veth0'), groups },
    { device: veth(4, 'vdown1'), groups },
    { device: veth(5, 'vdown0'), groups },
  ]);
});

test('linkinfo dump reports twisted pair', () => {
  assert.deepStrictEqual(parseAll('linkinfo-veth', parseLinkInfo), [
    { device: veth(2, 'veth1'), port: 0 },
    { device: veth(3, 'veth0'), port: 0 },
    { device: veth(4, 'vdown1'), port: 0 },
    { device: veth(5, 'vdown0'), port: 0 },
  ]);
});

test('linkmodes dump reports 10G full duplex', () => {
  const modes = { autoneg: 0, speed: 10000, duplex: 1 };
  assert.deepStrictEqual(parseAll('linkmodes-veth', parseLinkModes), [
    { device: veth(2, 'veth1'), ...modes },
    { device: veth(3, 'veth0'), ...modes },
    { device: veth(4, 'vdown1'), ...modes },
    { device: veth(5, 'vdown0'), ...modes },
  ]);
});

test('linkstate dump reports carrier per device', () => {
  const state = (link: number) => ({
    link,
    extState: undefined,
    extSubstate: undefined,
    downEvents: undefined,
  });
  assert.deepStrictEqual(parseAll('linkstate-veth', parseLinkState), [
    { device: veth(1, 'lo'), ...state(1) },
    { device: veth(2, 'veth1'), ...state(1) },
    { device: veth(3, 'veth0'), ...state(1) },
    { device: veth(4, 'vdown1'), ...state(0) },
    { device: veth(5, 'vdown0'), ...state(0) },
  ]);
});

/** Builds a genl message body (genlmsghdr and attributes) for cases no driver here produces. */
function body(cmd: number, build: (attrs: AttrBuilder) => void): Buffer {
  const attrs = new AttrBuilder();
  build(attrs);
  return Buffer.concat([Buffer.from([cmd, 1, 0, 0]), attrs.toBuffer()]);
}

function u64s(...values: bigint[]): Buffer {
  const buf = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) buf.writeBigUInt64LE(v, i * 8);
  return buf;
}

test('stats group skips values not set', () => {
  const msg = body(33, (a) => {
    a.nested(2, (h) => h.u32(1, 7).str(2, 'eth0'));
    a.nested(4, (g) => {
      g.u32(2, 1).u32(3, 18);
      g.nested(4, (s) => s.u64(0, 1234n));
      g.nested(4, (s) => s.u64(6, 0xffff_ffff_ffff_ffffn));
      g.nested(4, (s) => s.u64(12, 99n));
    });
  });
  assert.deepStrictEqual(parseStats(msg, 0, msg.length), {
    device: { index: 7, name: 'eth0' },
    groups: [
      {
        id: 1,
        stringSet: 18,
        stats: [
          { index: 0, value: 1234n },
          { index: 12, value: 99n },
        ],
      },
    ],
  });
});

test('fec counters take the total before the lanes', () => {
  const msg = body(30, (a) => {
    a.nested(1, (h) => h.u32(1, 7).str(2, 'eth0'));
    a.nested(5, (s) => {
      s.bytes(2, u64s(10n, 4n, 6n));
      s.bytes(3, u64s(0xffff_ffff_ffff_ffffn));
      s.bytes(4, u64s(77n, 70n, 7n));
    });
  });
  assert.deepStrictEqual(parseFec(msg, 0, msg.length), {
    device: { index: 7, name: 'eth0' },
    corrected: 10n,
    uncorrectable: undefined,
    correctedBits: 77n,
  });
});

test('fec counter of odd length is rejected', () => {
  const msg = body(30, (a) => a.nested(5, (s) => s.bytes(2, Buffer.alloc(12))));
  assert.throws(
    () => parseFec(msg, 0, msg.length),
    (err: unknown) => {
      assert.ok(err instanceof DecodeError);
      assert.equal(
        err.message,
        'invalid ETHTOOL_MSG_FEC_GET_REPLY/ETHTOOL_A_FEC_STATS/ETHTOOL_A_FEC_STAT_CORRECTED: expected an array of u64 (length 12)',
      );
      return true;
    },
  );
});

test('pause reply without statistics has no counters', () => {
  const msg = body(22, (a) => {
    a.nested(1, (h) => h.u32(1, 3).str(2, 'eni0'));
    a.u8(2, 0).u8(3, 1).u8(4, 1);
  });
  assert.deepStrictEqual(parsePause(msg, 0, msg.length), {
    device: { index: 3, name: 'eni0' },
    txFrames: undefined,
    rxFrames: undefined,
  });
});

test('short genl header is rejected', () => {
  const msg = Buffer.from([33, 1]);
  assert.throws(() => parseStats(msg, 0, msg.length), {
    name: 'DecodeError',
    message: 'invalid ETHTOOL_MSG_STATS_GET_REPLY/genlmsghdr: expected at least 4 bytes (length 2)',
  });
});
