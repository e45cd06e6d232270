// nf_tables parsers on dumps captured from a known scene (scripts/capture-netfilter.sh), and
// on small messages built here for cases the scene cannot show (flowtables need a kernel
// with CONFIG_NF_FLOW_TABLE, which the capture kernel lacks).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hookName,
  NFPROTO_ARP,
  NFPROTO_BRIDGE,
  NFPROTO_INET,
  NFPROTO_NETDEV,
  NFTA_FLOWTABLE_FLAGS,
  NFTA_FLOWTABLE_HOOK,
  NFTA_FLOWTABLE_HOOK_NUM,
  NFTA_FLOWTABLE_HOOK_PRIORITY,
  NFTA_FLOWTABLE_NAME,
  NFTA_FLOWTABLE_TABLE,
  NFTA_RULE_CHAIN,
  NFTA_RULE_TABLE,
  NFTA_RULE_USERDATA,
} from '../../src/families/nftables/constants.js';
import { datatypeName } from '../../src/families/nftables/datatypes.js';
import {
  parseChain,
  parseGeneration,
  parseRule,
  parseRuleLocation,
  parseTable,
} from '../../src/families/nftables/parse.js';
import {
  parseFlowtable,
  parseObject,
  parseSet,
  parseSetElements,
} from '../../src/families/nftables/parse-objects.js';
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
  forEachMessage(loadDatagrams('nftables', name), (buf, msgType, _flags, start, end) => {
    if (msgType === type) out.push(parse(buf, start, end));
  });
  return out;
}

test('table dump parses every family', () => {
  assert.deepStrictEqual(parseAll('table', 0xa00, parseTable), [
    { family: 1, name: 'filter', flags: 0, handle: 1n },
    { family: 2, name: 'mangle', flags: 0, handle: 2n },
    { family: 10, name: 'raw', flags: 0, handle: 3n },
    { family: 5, name: 'edge', flags: 0, handle: 4n },
    { family: 3, name: 'arpwatch', flags: 0, handle: 5n },
    { family: 7, name: 'br', flags: 0, handle: 6n },
  ]);
});

test('chain dump parses base, regular and binding chains', () => {
  const base = (hook: number, priority: number, policy = 1) => ({
    flags: 1,
    hook: { hook, priority },
    policy,
    type: 'filter',
  });
  const regular = { hook: undefined, policy: undefined, type: undefined };
  assert.deepStrictEqual(parseAll('chain', 0xa03, parseChain), [
    { family: 1, table: 'filter', name: 'input', handle: 1n, ...base(1, 0) },
    { family: 1, table: 'filter', name: 'sub', handle: 2n, flags: 0, ...regular },
    { family: 1, table: 'filter', name: 'output', handle: 3n, ...base(3, 0) },
    { family: 1, table: 'filter', name: '__chain3', handle: 24n, flags: 4, ...regular },
    { family: 2, table: 'mangle', name: 'pre', handle: 1n, ...base(0, -150) },
    { family: 10, table: 'raw', name: 'pre', handle: 1n, ...base(0, -300) },
    { family: 5, table: 'edge', name: 'ingress', handle: 1n, ...base(0, 0) },
    { family: 3, table: 'arpwatch', name: 'in', handle: 1n, ...base(0, 0) },
    { family: 7, table: 'br', name: 'forward', handle: 1n, ...base(2, 0, 0) },
  ]);
});

test('rule dump parses comments and first counters', () => {
  const rule = (
    family: number,
    table: string,
    chain: string,
    handle: bigint,
    comment?: string,
    bytes?: bigint,
    packets?: bigint,
  ) => ({
    family,
    table,
    chain,
    handle,
    comment,
    counter: bytes === undefined ? undefined : { bytes, packets },
  });
  assert.deepStrictEqual(parseAll('rule', 0xa06, parseRule), [
    rule(1, 'filter', 'input', 16n, 'icmp in', 321n, 4n),
    rule(1, 'filter', 'input', 17n, 'icmp in', 589n, 7n),
    rule(1, 'filter', 'input', 19n, undefined, 120n, 4n),
    rule(1, 'filter', 'input', 20n, 'blocked', 0n, 0n),
    rule(1, 'filter', 'input', 21n, undefined, 0n, 0n),
    rule(1, 'filter', 'input', 22n),
    rule(1, 'filter', 'input', 23n),
    rule(1, 'filter', 'input', 26n),
    rule(1, 'filter', 'sub', 27n, 'echo', 30n, 1n),
    rule(1, 'filter', 'output', 28n),
    rule(1, 'filter', 'output', 29n),
    rule(1, 'filter', '__chain3', 25n, 'inside a binding chain', 252n, 3n),
    rule(2, 'mangle', 'pre', 2n, 'discard', 120n, 4n),
    rule(5, 'edge', 'ingress', 2n, 'ingress icmp', 252n, 3n),
    rule(3, 'arpwatch', 'in', 2n, undefined, 56n, 2n),
  ]);
});

test('rule location skips comment and counter', () => {
  const rules = parseAll('rule', 0xa06, parseRuleLocation);
  assert.deepStrictEqual(rules[0], {
    family: 1,
    table: 'filter',
    chain: 'input',
    handle: 16n,
    comment: undefined,
    counter: undefined,
  });
  assert.equal(rules.length, 15);
  assert.deepStrictEqual(
    rules.filter((r) => r.comment !== undefined || r.counter !== undefined),
    [],
  );
});

test('set dump parses types, sizes and counts', () => {
  const set = { family: 1, table: 'filter', dataType: undefined, size: undefined };
  assert.deepStrictEqual(parseAll('set', 0xa09, parseSet), [
    { ...set, name: 'blocked4', handle: 11n, flags: 0, keyType: 7, count: 2 },
    { ...set, name: 'ports', handle: 12n, flags: 4, keyType: 13, count: 3 },
    { ...set, name: 'seen6', handle: 13n, flags: 0x30, keyType: 8, size: 1024, count: 0 },
    {
      ...set,
      name: 'services',
      handle: 14n,
      flags: 8,
      keyType: (7 << 6) | 13,
      dataType: 0xffffff00,
      count: 1,
    },
    { ...set, name: 'marks', handle: 15n, flags: 8, keyType: 41, dataType: 19, count: 1 },
    { ...set, name: '__set0', handle: 18n, flags: 3, keyType: 13, size: 2, count: 2 },
  ]);
});

test('set element dump counts intervals once', () => {
  assert.deepStrictEqual(parseAll('setelem_ports', 0xa0c, parseSetElements), [
    { family: 1, table: 'filter', set: 'ports', elements: 3 },
    { family: 1, table: 'filter', set: 'ports', elements: 0 },
  ]);
  assert.deepStrictEqual(parseAll('setelem_services', 0xa0c, parseSetElements), [
    { family: 1, table: 'filter', set: 'services', elements: 1 },
    { family: 1, table: 'filter', set: 'services', elements: 0 },
  ]);
});

test('object dump parses counters, quotas and limits', () => {
  const obj = { family: 1, table: 'filter' };
  assert.deepStrictEqual(parseAll('obj', 0xa12, parseObject), [
    {
      ...obj,
      name: 'udp_seen',
      handle: 4n,
      type: 1,
      data: { kind: 'counter', counter: { bytes: 252n, packets: 7n } },
    },
    {
      ...obj,
      name: 'monthly',
      handle: 5n,
      type: 2,
      data: { kind: 'quota', quota: { bytes: 10485760000n, consumed: 1048576n, flags: 1 } },
    },
    {
      ...obj,
      name: 'small',
      handle: 6n,
      type: 2,
      data: { kind: 'quota', quota: { bytes: 102400n, consumed: 102400n, flags: 2 } },
    },
    {
      ...obj,
      name: 'per_minute',
      handle: 7n,
      type: 4,
      data: { kind: 'limit', limit: { rate: 10n, unit: 60n, burst: 5, type: 0, flags: 0 } },
    },
    {
      ...obj,
      name: 'bytes_per_second',
      handle: 8n,
      type: 4,
      data: {
        kind: 'limit',
        limit: { rate: 1048576n, unit: 1n, burst: 65536, type: 1, flags: 1 },
      },
    },
    { ...obj, name: 'ftp-std', handle: 9n, type: 3, data: { kind: 'other' } },
    { ...obj, name: 'tftp-std', handle: 10n, type: 3, data: { kind: 'other' } },
  ]);
});

test('generation parses', () => {
  assert.deepStrictEqual(parseAll('gen', 0xa0f, parseGeneration), [{ id: 2 }]);
});

/** Builds a message body: nfgenmsg of `family`, then `attrs`. */
function body(family: number, attrs: Buffer): Buffer {
  return Buffer.concat([Buffer.from([family, 0, 0, 0]), attrs]);
}

test('flowtable parses hook and flags', () => {
  const attrs = new AttrBuilder(true)
    .str(NFTA_FLOWTABLE_TABLE, 'filter')
    .str(NFTA_FLOWTABLE_NAME, 'fast')
    .nested(NFTA_FLOWTABLE_HOOK, (hook) =>
      hook.u32(NFTA_FLOWTABLE_HOOK_NUM, 0).u32(NFTA_FLOWTABLE_HOOK_PRIORITY, 0xffffff9c),
    )
    .u32(NFTA_FLOWTABLE_FLAGS, 1)
    .toBuffer();
  const msg = body(NFPROTO_INET, attrs);
  assert.deepStrictEqual(parseFlowtable(msg, 0, msg.length), {
    family: 1,
    table: 'filter',
    name: 'fast',
    handle: undefined,
    hook: { hook: 0, priority: -100 },
    flags: 1,
  });
});

function ruleWithUserdata(userdata: Buffer): Buffer {
  const attrs = new AttrBuilder(true)
    .str(NFTA_RULE_TABLE, 't')
    .str(NFTA_RULE_CHAIN, 'c')
    .bytes(NFTA_RULE_USERDATA, userdata)
    .toBuffer();
  return body(NFPROTO_INET, attrs);
}

test('comment after other user data records', () => {
  // An ebtables policy record (type 1) before the comment record (type 0).
  const msg = ruleWithUserdata(Buffer.from([1, 1, 0xff, 0, 6, ...Buffer.from('hello\0')]));
  assert.equal(parseRule(msg, 0, msg.length).comment, 'hello');
});

test('empty comment counts as none', () => {
  const msg = ruleWithUserdata(Buffer.from([0, 1, 0]));
  assert.equal(parseRule(msg, 0, msg.length).comment, undefined);
});

test('overrunning user data record is a decode error', () => {
  const msg = ruleWithUserdata(Buffer.from([0, 9, 0x41, 0x42]));
  assert.throws(
    () => parseRule(msg, 0, msg.length),
    (err: unknown) => {
      assert.ok(err instanceof DecodeError);
      assert.equal(
        err.message,
        'invalid NFT_MSG_NEWRULE/NFTA_RULE_USERDATA: record length 9 overruns the user data (length 4)',
      );
      return true;
    },
  );
});

test('datatype names follow nft', () => {
  const cases: readonly [number, string][] = [
    [7, 'ipv4_addr'],
    [8, 'ipv6_addr'],
    [9, 'ether_addr'],
    [12, 'inet_proto'],
    [13, 'inet_service'],
    [19, 'mark'],
    [41, 'ifname'],
    [46, 'cgroupsv2'],
    [47, 'unknown'],
    [(7 << 6) | 13, 'ipv4_addr . inet_service'],
    [(((8 << 6) | 12) << 6) | 13, 'ipv6_addr . inet_proto . inet_service'],
    [(63 << 6) | 7, 'unknown . ipv4_addr'],
    [0xffffff00, 'verdict'],
  ];
  for (const [type, name] of cases) assert.equal(datatypeName(type), name, `type ${type}`);
});

test('hook names depend on family', () => {
  assert.deepStrictEqual(
    [
      hookName(NFPROTO_INET, 0),
      hookName(NFPROTO_INET, 5),
      hookName(NFPROTO_BRIDGE, 2),
      hookName(NFPROTO_NETDEV, 0),
      hookName(NFPROTO_NETDEV, 1),
      hookName(NFPROTO_ARP, 1),
      hookName(NFPROTO_ARP, 7),
    ],
    ['prerouting', 'ingress', 'forward', 'ingress', 'egress', 'output', '7'],
  );
});
