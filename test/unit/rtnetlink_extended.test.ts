// rtnetlink_extended decoders and families on captured dumps (scripts/capture-extended.sh)
// and on a stats message built from the uapi layouts (scripts/build-synthetic-fixtures.ts).
// Whole expositions are compared with golden files under test/fixtures/golden/; run with
// NLX_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review the diff.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  fdbType,
  type RtnetlinkExtendedSnapshot,
  rtnetlinkExtendedFamilies,
  ruleFamilyLabel,
} from '../../src/collectors/rtnetlink_extended.js';
import { parseLink } from '../../src/families/rtnetlink/parse.js';
import {
  type FdbEntrySnapshot,
  type LinkStatsSnapshot,
  type NexthopSnapshot,
  parseFdbEntry,
  parseNexthop,
  parseRule,
  parseStats,
  type RuleSnapshot,
} from '../../src/families/rtnetlink/stats.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { DecodeError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { FIXTURES, loadDatagrams } from '../support/fixtures.js';

const UPDATE = process.env['NLX_UPDATE_GOLDEN'] === '1';

function assertGolden(name: string, text: string): void {
  const path = join(FIXTURES, 'golden', name);
  if (UPDATE) writeFileSync(path, text);
  assert.equal(text, readFileSync(path, 'utf8'));
}

function parseAll<T>(
  name: string,
  type: number,
  parse: (b: Buffer, s: number, e: number) => T,
): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('rtnetlink-extended', name), (buf, msgType, _flags, start, end) => {
    if (msgType === type) out.push(parse(buf, start, end));
  });
  return out;
}

function capturedSnapshot(): RtnetlinkExtendedSnapshot {
  const devices = new Map<number, string>();
  for (const link of parseAll('link', 16, parseLink)) devices.set(link.index, link.name);
  return {
    devices,
    stats: parseAll<LinkStatsSnapshot>('stats', 92, parseStats),
    fdb: parseAll<FdbEntrySnapshot>('fdb', 28, parseFdbEntry),
    rules: parseAll<RuleSnapshot>('rule', 32, parseRule),
    nexthops: parseAll<NexthopSnapshot>('nexthop', 104, parseNexthop),
  };
}

test('captured dumps render the golden exposition', () => {
  const families = rtnetlinkExtendedFamilies(capturedSnapshot(), () => true);
  assertGolden('rtnetlink_extended.prom', encodeFamilies(families, 'text'));
});

test('captured bridge stats nest under LINK_XSTATS_TYPE_BRIDGE', () => {
  const snap = capturedSnapshot();
  const names = (pick: (s: LinkStatsSnapshot) => unknown): string[] =>
    snap.stats.filter((s) => pick(s) !== undefined).map((s) => snap.devices.get(s.index)!);
  assert.deepStrictEqual(
    names((s) => s.bridgeMcast),
    ['br0'],
  );
  assert.deepStrictEqual(
    names((s) => s.bridgePortMcast),
    ['p1', 'p2', 'p3'],
  );
  assert.deepStrictEqual(
    names((s) => s.offloadCpuHit ?? s.offloadL3 ?? s.mpls ?? s.link64),
    [],
  );
});

test('captured rule and nexthop dumps parse whole', () => {
  const snap = capturedSnapshot();
  assert.deepStrictEqual(snap.rules, [
    { family: 2, table: 255, action: 1 },
    { family: 2, table: 100, action: 1 },
    { family: 2, table: 254, action: 1 },
    { family: 2, table: 253, action: 1 },
    { family: 10, table: 255, action: 1 },
    { family: 10, table: 254, action: 1 },
  ]);
  assert.deepStrictEqual(snap.nexthops, [
    // iproute2 adds a blackhole nexthop as AF_INET; groups have no family.
    { family: 2, group: false },
    { family: 0, group: true },
  ]);
});

test('offload and MPLS counters render the golden exposition', () => {
  const stats = parseAll<LinkStatsSnapshot>('synthetic-stats', 92, parseStats);
  assert.deepStrictEqual(stats[0]?.mpls, {
    rx_packets: 4100n,
    tx_packets: 4101n,
    rx_bytes: 4102n,
    tx_bytes: 4103n,
    rx_errors: 4104n,
    tx_errors: 4105n,
    rx_dropped: 4106n,
    tx_dropped: 4107n,
    rx_noroute: 4108n,
  });
  const snap: RtnetlinkExtendedSnapshot = {
    devices: new Map([[2, 'swp1']]),
    stats,
    fdb: [],
    rules: undefined,
    nexthops: undefined,
  };
  assertGolden(
    'rtnetlink_extended-offload.prom',
    encodeFamilies(
      rtnetlinkExtendedFamilies(snap, () => true),
      'text',
    ),
  );
});

test('FDB entries without a master are not counted', () => {
  const snap: RtnetlinkExtendedSnapshot = {
    devices: new Map([
      [4, 'br0'],
      [5, 'eth0'],
      [6, 'p1'],
    ]),
    stats: [],
    fdb: [
      { index: 6, state: 0x80, flags: 0, master: 4 },
      { index: 6, state: 0x40, flags: 0, master: 4 },
      { index: 6, state: 0x02, flags: 0, master: 4 },
      { index: 6, state: 0x04, flags: 0, master: 4 },
      { index: 5, state: 0x80, flags: 2, master: undefined },
    ],
    rules: [],
    nexthops: [],
  };
  const families = rtnetlinkExtendedFamilies(snap, () => true);
  const samples = (name: string) => families.find((f) => f.desc.name === name)?.samples;
  assert.deepStrictEqual(samples('nft_bridge_fdb_entries'), [{ labels: ['br0'], value: 4 }]);
  assert.deepStrictEqual(samples('nft_bridge_fdb_entries_by_type'), [
    { labels: ['br0', 'local'], value: 1 },
    { labels: ['br0', 'static'], value: 1 },
    { labels: ['br0', 'dynamic'], value: 2 },
  ]);
  assert.deepStrictEqual(samples('nft_nexthop_objects'), [{ labels: [], value: 0 }]);
  assert.deepStrictEqual(samples('nft_fib_rules'), []);
});

test('kernel without rules or nexthops gives no series', () => {
  const snap: RtnetlinkExtendedSnapshot = {
    devices: new Map(),
    stats: [],
    fdb: [],
    rules: undefined,
    nexthops: undefined,
  };
  const text = encodeFamilies(
    rtnetlinkExtendedFamilies(snap, () => true),
    'text',
  );
  assert.equal(text, '');
});

test('interface filter leaves out bridges and ports', () => {
  const text = encodeFamilies(
    rtnetlinkExtendedFamilies(capturedSnapshot(), (d) => d !== 'br0' && d !== 'p2'),
    'text',
  );
  assert.equal(text.includes('interface="br0"'), false);
  assert.equal(text.includes('interface="p2"'), false);
  assert.equal(text.includes('interface="p1"'), true);
});

test('labels for rule families and FDB states', () => {
  assert.deepStrictEqual([2, 10, 128, 129, 28, 7].map(ruleFamilyLabel), [
    'inet',
    'inet6',
    'ipmr',
    'ip6mr',
    'mpls',
    '7',
  ]);
  assert.deepStrictEqual([0x80, 0x40, 0x02, 0x04, 0xc0].map(fdbType), [
    'local',
    'static',
    'dynamic',
    'dynamic',
    'local',
  ]);
});

test('short bridge multicast struct throws DecodeError', () => {
  const [datagram] = loadDatagrams('rtnetlink-extended', 'stats');
  const copy = Buffer.from(datagram!);
  // Find the first BRIDGE_XSTATS_MCAST header (length 244, type 2) and shrink its length.
  const at = copy.indexOf(Buffer.from([0xf4, 0x00, 0x02, 0x00]));
  assert.notEqual(at, -1);
  copy.writeUInt16LE(4 + 100, at);
  let thrown: unknown;
  forEachMessage([copy], (buf, type, _flags, start, end) => {
    if (type !== 92) return;
    try {
      parseStats(buf, start, end);
    } catch (err) {
      thrown ??= err;
    }
  });
  assert.ok(thrown instanceof DecodeError);
  assert.equal(
    (thrown as DecodeError).path,
    'RTM_NEWSTATS/IFLA_STATS_LINK_XSTATS/LINK_XSTATS_TYPE_BRIDGE/BRIDGE_XSTATS_MCAST',
  );
});

test('promtool check metrics passes the goldens', (t) => {
  const probe = spawnSync('promtool', ['--version']);
  if (probe.status !== 0) {
    if (process.env['CI'] === 'true')
      assert.fail('promtool not found; install the Debian package "prometheus"');
    t.skip('promtool not found; install the Debian package "prometheus"');
    return;
  }
  for (const name of ['rtnetlink_extended.prom', 'rtnetlink_extended-offload.prom']) {
    const result = spawnSync('promtool', ['check', 'metrics'], {
      input: readFileSync(join(FIXTURES, 'golden', name)),
      encoding: 'utf8',
    });
    assert.deepStrictEqual(
      { name, status: result.status, stdout: result.stdout, stderr: result.stderr },
      { name, status: 0, stdout: '', stderr: '' },
    );
  }
});
