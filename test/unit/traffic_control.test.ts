// traffic_control decoders and families on captured dumps (scripts/capture-extended.sh) and on
// fixtures built from the uapi layouts (scripts/build-synthetic-fixtures.ts). Whole
// expositions are compared with golden files under test/fixtures/golden/; run with
// NLX_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review the diff.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  formatClassid,
  formatQdiscHandle,
  needsClassDump,
  type TrafficControlSnapshot,
  trafficControlFamilies,
} from '../../src/collectors/traffic_control.js';
import { parseLink } from '../../src/families/rtnetlink/parse.js';
import { parseClass, parseQdisc, type TcObjectSnapshot } from '../../src/families/tc/parse.js';
import { decodeXstats } from '../../src/families/tc/xstats.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { DecodeError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { FIXTURES, loadDatagrams } from '../support/fixtures.js';

const UPDATE = process.env['NLX_UPDATE_GOLDEN'] === '1';

/** Compares `text` with test/fixtures/golden/NAME, or rewrites it under NLX_UPDATE_GOLDEN=1. */
function assertGolden(name: string, text: string): void {
  const path = join(FIXTURES, 'golden', name);
  if (UPDATE) writeFileSync(path, text);
  assert.equal(text, readFileSync(path, 'utf8'));
}

function objects(name: string): TcObjectSnapshot[] {
  const out: TcObjectSnapshot[] = [];
  forEachMessage(loadDatagrams('tc', name), (buf, type, _flags, start, end) => {
    if (type === 36) out.push(parseQdisc(buf, start, end));
    else if (type === 40) out.push(parseClass(buf, start, end));
  });
  return out;
}

function capturedSnapshot(): TrafficControlSnapshot {
  const devices = new Map<number, string>();
  forEachMessage(loadDatagrams('tc', 'link'), (buf, type, _flags, start, end) => {
    if (type === 16) {
      const link = parseLink(buf, start, end);
      devices.set(link.index, link.name);
    }
  });
  return { devices, qdiscs: objects('qdisc'), classes: objects('class') };
}

const everything = (): boolean => true;

test('captured class dump parses into whole snapshots', () => {
  const classes = objects('class');
  assert.equal(classes.length, 4);
  assert.deepStrictEqual(classes, [
    {
      index: 2,
      handle: 0x10010,
      parent: 0x10001,
      kind: 'htb',
      stats: {
        bytes: 490n,
        packets: 5n,
        qlen: 0,
        backlog: 0,
        drops: 0,
        requeues: 0,
        overlimits: 0,
      },
      xstats: { lends: 5, borrows: 0, giants: 0, tokens: 18775, ctokens: 1877 },
    },
    {
      index: 2,
      handle: 0x10001,
      parent: 0xffffffff,
      kind: 'htb',
      stats: {
        bytes: 574n,
        packets: 7n,
        qlen: 0,
        backlog: 0,
        drops: 0,
        requeues: 0,
        overlimits: 0,
      },
      xstats: { lends: 0, borrows: 0, giants: 0, tokens: 1947, ctokens: 1947 },
    },
    {
      index: 2,
      handle: 0x10020,
      parent: 0x10001,
      kind: 'htb',
      stats: { bytes: 84n, packets: 2n, qlen: 0, backlog: 0, drops: 0, requeues: 0, overlimits: 0 },
      xstats: { lends: 2, borrows: 0, giants: 0, tokens: 19475, ctokens: 1947 },
    },
    // TBF's one class has no class statistics, so the kernel sends an empty TCA_STATS2.
    {
      index: 2,
      handle: 0x200001,
      parent: 0x200000,
      kind: 'tbf',
      stats: undefined,
      xstats: undefined,
    },
  ]);
});

test('captured dumps render the golden exposition', () => {
  const { families, capDropped } = trafficControlFamilies(capturedSnapshot(), everything, 2000);
  assert.equal(capDropped, 0);
  assertGolden('traffic_control.prom', encodeFamilies(families, 'text'));
});

test('packet count above 2^32 prints exactly', () => {
  const snap: TrafficControlSnapshot = {
    devices: new Map([[2, 'eth0']]),
    qdiscs: objects('synthetic-pkt64').filter((o) => o.kind !== 'htb' || o.handle === 0x10000),
    classes: objects('synthetic-pkt64').filter((o) => o.handle === 0x10010),
  };
  assert.equal(snap.qdiscs[0]!.stats?.packets, 6_000_000_000n);
  const { families } = trafficControlFamilies(snap, everything, 2000);
  const text = encodeFamilies(families, 'text');
  assertGolden('traffic_control-pkt64.prom', text);
  const packets = families.find((f) => f.desc.name === 'nft_tc_qdisc_object_packets_total');
  assert.deepStrictEqual(packets?.samples, [
    { labels: ['eth0', 'htb', '1:', 'root'], value: 6_000_000_000n },
    { labels: ['eth0', 'pfifo', '10:', '1:10'], value: 5_999_000_000n },
  ]);
});

test('xstats of every decoded kind render the golden exposition', () => {
  const all = objects('synthetic-xstats');
  const snap: TrafficControlSnapshot = {
    devices: new Map([[3, 'wan0']]),
    qdiscs: all.filter((o) => o.handle >>> 16 !== 2 || (o.handle & 0xffff) === 0),
    classes: all.filter((o) => o.handle >>> 16 === 2 && (o.handle & 0xffff) !== 0),
  };
  const { families } = trafficControlFamilies(snap, everything, 2000);
  assertGolden('traffic_control-xstats.prom', encodeFamilies(families, 'text'));
});

test('fq xstats decode every field', () => {
  const fq = objects('synthetic-xstats').find((o) => o.kind === 'fq');
  assert.deepStrictEqual(fq?.xstats, {
    gc_flows: 201n,
    highprio_packets: 202n,
    tcp_retrans: 203n,
    throttled: 204n,
    flows_plimit: 205n,
    pkts_too_long: 206n,
    allocation_errors: 207n,
    time_next_delayed_flow: 208n,
    flows: 209,
    inactive_flows: 210,
    throttled_flows: 211,
    unthrottle_latency_ns: 212,
    ce_mark: 213n,
    horizon_drops: 214n,
    horizon_caps: 215n,
  });
});

test('fq_codel flow class has no xstats', () => {
  const flow = objects('synthetic-xstats').find(
    (o) => o.kind === 'fq_codel' && o.handle >>> 16 === 2,
  );
  assert.equal(flow?.xstats, undefined);
});

test('short xstats struct throws DecodeError', () => {
  const buf = Buffer.alloc(12);
  assert.throws(
    () => decodeXstats('red', false, buf, 0, 12, 'RTM_NEWQDISC/TCA_STATS2/TCA_STATS_APP'),
    (err: unknown) =>
      err instanceof DecodeError &&
      err.message ===
        'invalid RTM_NEWQDISC/TCA_STATS2/TCA_STATS_APP/tc_red_xstats: expected at least 16 bytes (length 12)',
  );
});

test('longer xstats struct keeps the known fields', () => {
  const buf = Buffer.alloc(24);
  [1, 2, 3, 4, 99, 98].forEach((v, i) => {
    buf.writeUInt32LE(v, i * 4);
  });
  assert.deepStrictEqual(decodeXstats('red', false, buf, 0, 24, 'x'), {
    early: 1,
    pdrop: 2,
    other: 3,
    marked: 4,
  });
});

test('unknown kind named like an Object member has no xstats', () => {
  assert.equal(decodeXstats('constructor', false, Buffer.alloc(64), 0, 64, 'x'), undefined);
  assert.equal(decodeXstats('toString', true, Buffer.alloc(64), 0, 64, 'x'), undefined);
});

test('handles format as tc prints them', () => {
  const cases: readonly (readonly [string, string, string])[] = [
    ['root', formatClassid(0xffffffff), 'root'],
    ['unspecified', formatClassid(0), 'none'],
    ['ingress parent', formatClassid(0xfffffff1), 'ffff:fff1'],
    ['class', formatClassid(0x1002f), '1:2f'],
    ['minor only', formatClassid(0x3), ':3'],
    ['major only', formatClassid(0x80010000), '8001:'],
    ['qdisc handle', formatQdiscHandle(0xffff0000), 'ffff:'],
    ['qdisc handle zero', formatQdiscHandle(0), '0:'],
  ];
  for (const [name, actual, expected] of cases) assert.equal(actual, expected, name);
});

test('class dump skipped for classless kinds only', () => {
  assert.equal(needsClassDump(['noqueue']), false);
  assert.equal(needsClassDump(['pfifo_fast', 'ingress']), false);
  assert.equal(needsClassDump(['mq', 'fq_codel']), true);
  assert.equal(needsClassDump(['htb', 'pfifo']), true);
  assert.equal(needsClassDump(['some_future_kind']), true);
});

test('object cap drops and counts per-object series', () => {
  const snap = capturedSnapshot();
  const full = trafficControlFamilies(snap, everything, 2000).families;
  const perObject = full
    .filter((f) => /^nft_tc_(qdisc_object|class)_/.test(f.desc.name))
    .reduce((n, f) => n + f.samples.length, 0);
  const capped = trafficControlFamilies(snap, everything, 3);
  assert.equal(capped.capDropped, perObject);
  assert.deepStrictEqual(
    capped.families.filter((f) => f.samples.length > 0).map((f) => f.desc.name),
    full
      .filter((f) => f.samples.length > 0 && !/^nft_tc_(qdisc_object|class)_/.test(f.desc.name))
      .map((f) => f.desc.name),
  );
});

test('interface filter leaves out the device', () => {
  const snap = capturedSnapshot();
  const text = encodeFamilies(
    trafficControlFamilies(snap, (d) => d !== 'a0', 2000).families,
    'text',
  );
  assert.equal(text.includes('device="a0"'), false);
  assert.equal(text.includes('device="lo"'), true);
});

test('promtool check metrics passes the goldens', (t) => {
  const probe = spawnSync('promtool', ['--version']);
  if (probe.status !== 0) {
    if (process.env['CI'] === 'true')
      assert.fail('promtool not found; install the Debian package "prometheus"');
    t.skip('promtool not found; install the Debian package "prometheus"');
    return;
  }
  for (const name of [
    'traffic_control.prom',
    'traffic_control-pkt64.prom',
    'traffic_control-xstats.prom',
  ]) {
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
