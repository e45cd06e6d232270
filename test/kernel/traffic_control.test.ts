// The traffic_control collector against the real kernel: an HTB tree with leaf qdiscs, TBF,
// pfifo, mq and ingress qdiscs and u32 filters, with traffic sent through it into a second
// namespace, compared series by series with what `tc -s` reports for the same namespace.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startExporter } from '../support/exporter.js';
import { parseExposition } from '../support/exposition-parser.js';
import {
  requireKernel,
  run,
  runJson,
  type TestNamespace,
  testNamespace,
} from '../support/netns.js';
import { seriesKey, TC_STATS, type TcQdisc } from '../support/tc.js';

/** One class parsed from `tc -s class show dev DEV` text. */
interface TcClass {
  kind: string;
  classid: string;
  parent: string;
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
  backlog: number;
  qlen: number;
  htb?: { lends: number; borrows: number; tokens: number; ctokens: number };
}

/** Converts HTB tokens, psched ticks of 64 ns, to the seconds the collector exports. */
function ticksToSeconds(ticks: number): number {
  return (ticks * 64) / 1e9;
}

/**
 * Parses the text of `tc -s class show dev DEV`. iproute2 6.1 prints classes as text even
 * with -j, so the test reads the text form.
 */
function parseClasses(text: string): TcClass[] {
  const out: TcClass[] = [];
  for (const block of text.split(/\n(?=class )/)) {
    if (block.trim() === '') continue;
    const head = /^class (\S+) (\S+) (?:root|parent (\S+))/.exec(block);
    const sent =
      /Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+) requeues (\d+)\)/.exec(block);
    const backlog = /backlog (\d+)b (\d+)p/.exec(block);
    assert.ok(head, `unexpected tc class output:\n${block}`);
    // Classes of qdiscs without class statistics (TBF's one class) print no counters, and the
    // kernel sends them without TCA_STATS_BASIC, so they have no series.
    if (sent === null) continue;
    assert.ok(backlog, `tc class output without a backlog line:\n${block}`);
    const entry: TcClass = {
      kind: head[1]!,
      classid: head[2]!,
      parent: head[3] ?? 'root',
      bytes: Number(sent[1]),
      packets: Number(sent[2]),
      drops: Number(sent[3]),
      overlimits: Number(sent[4]),
      requeues: Number(sent[5]),
      backlog: Number(backlog[1]),
      qlen: Number(backlog[2]),
    };
    const lends = /lended: (\d+) borrowed: (\d+)/.exec(block);
    const tokens = /tokens: (-?\d+) ctokens: (-?\d+)/.exec(block);
    if (entry.kind === 'htb') {
      assert.ok(lends && tokens, `htb class without xstats:\n${block}`);
      entry.htb = {
        lends: Number(lends[1]),
        borrows: Number(lends[2]),
        tokens: Number(tokens[1]),
        ctokens: Number(tokens[2]),
      };
    }
    out.push(entry);
  }
  return out;
}

/** Reads what tc reports for every qdisc and class of `devices` in the namespace. */
function readTc(
  ns: TestNamespace,
  devices: readonly string[],
): { qdiscs: TcQdisc[]; classes: Map<string, TcClass[]> } {
  const qdiscs = runJson<TcQdisc[]>('tc', ['-n', ns.name, '-s', '-j', 'qdisc', 'show']);
  const classes = new Map<string, TcClass[]>();
  for (const dev of devices) {
    classes.set(dev, parseClasses(run('tc', ['-n', ns.name, '-s', 'class', 'show', 'dev', dev])));
  }
  return { qdiscs, classes };
}

/** Builds the expected `nft_tc_*` series from tc's output: name{labels} → value. */
function expectedSeries(tc: ReturnType<typeof readTc>): Record<string, string> {
  const out: Record<string, string> = {};
  const sums = new Map<string, Record<string, number>>();
  for (const q of tc.qdiscs) {
    const labels = {
      device: q.dev,
      kind: q.kind,
      handle: q.handle,
      parent: q.root ? 'root' : q.parent!,
    };
    const sumKey = `${q.dev}\0${q.kind}`;
    const sum = sums.get(sumKey) ?? {};
    for (const [field, suffix] of TC_STATS) {
      out[seriesKey(`nft_tc_qdisc_object_${suffix}`, labels)] = String(q[field]);
      sum[suffix] = (sum[suffix] ?? 0) + q[field];
    }
    sums.set(sumKey, sum);
  }
  for (const [sumKey, sum] of sums) {
    const [device, kind] = sumKey.split('\0') as [string, string];
    for (const [suffix, value] of Object.entries(sum))
      out[seriesKey(`nft_tc_qdisc_${suffix}`, { device, kind })] = String(value);
  }
  for (const [device, classes] of tc.classes) {
    for (const c of classes) {
      const labels = { device, kind: c.kind, classid: c.classid, parent: c.parent };
      for (const [field, suffix] of TC_STATS)
        out[seriesKey(`nft_tc_class_${suffix}`, labels)] = String(c[field]);
      if (c.htb !== undefined) {
        const short = { device, classid: c.classid, parent: c.parent };
        out[seriesKey('nft_tc_class_htb_lends_total', short)] = String(c.htb.lends);
        out[seriesKey('nft_tc_class_htb_borrows_total', short)] = String(c.htb.borrows);
        out[seriesKey('nft_tc_class_htb_tokens_seconds', short)] = String(
          ticksToSeconds(c.htb.tokens),
        );
        out[seriesKey('nft_tc_class_htb_ceil_tokens_seconds', short)] = String(
          ticksToSeconds(c.htb.ctokens),
        );
      }
    }
  }
  return out;
}

/** Returns every `nft_tc_*` series of an exposition: name{labels} → value. */
function exportedSeries(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, fam] of parseExposition(body, 'text')) {
    if (!name.startsWith('nft_tc_')) continue;
    for (const sample of fam.samples) out[seriesKey(sample.name, sample.labels)] = sample.value;
  }
  return out;
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const LEAF_CLASSES = 24;

/**
 * Builds the scene. Veth a0 has an HTB tree with LEAF_CLASSES leaves under two inner
 * classes, pfifo, bfifo and TBF leaf qdiscs, u32 filters by destination, and an ingress qdisc
 * with a u32 filter; its peer b0 is in `peer`. Veth c0 has a TBF root with a pfifo child, and
 * m0 has four TX queues under mq.
 */
function buildScene(ns: TestNamespace, peer: TestNamespace): void {
  for (const n of [ns, peer])
    n.exec(
      'sysctl',
      '-q',
      '-w',
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
    );
  ns.ipBatch([
    `link add a0 type veth peer name b0 netns ${peer.name}`,
    'link add c0 type veth peer name c1',
    'link add m0 numtxqueues 4 type veth peer name m1',
    'addr add 10.9.0.1/24 dev a0',
    'link set a0 up',
    'link set c0 up',
    'link set c1 up',
    'link set m0 up',
    'link set m1 up',
  ]);
  peer.ipBatch(['link set b0 up', 'addr add 10.9.0.2/24 dev b0']);
  for (let i = 0; i < LEAF_CLASSES; i++) peer.ip('addr', 'add', `10.9.1.${i + 1}/32`, 'dev', 'b0');
  const mac = runJson<{ address: string }[]>('ip', [
    '-n',
    peer.name,
    '-j',
    'link',
    'show',
    'b0',
  ])[0]!.address;
  ns.ip('route', 'add', '10.9.1.0/24', 'dev', 'a0');
  ns.ip('neigh', 'add', '10.9.0.2', 'lladdr', mac, 'dev', 'a0', 'nud', 'permanent');
  for (let i = 0; i < LEAF_CLASSES; i++)
    ns.ip('neigh', 'add', `10.9.1.${i + 1}`, 'lladdr', mac, 'dev', 'a0', 'nud', 'permanent');
  const peerMac = runJson<{ address: string }[]>('ip', [
    '-n',
    ns.name,
    '-j',
    'link',
    'show',
    'a0',
  ])[0]!.address;
  peer.ip('neigh', 'add', '10.9.0.1', 'lladdr', peerMac, 'dev', 'b0', 'nud', 'permanent');

  const tc: string[] = [
    'qdisc add dev a0 root handle 1: htb default 2ff',
    'class add dev a0 parent 1: classid 1:1 htb rate 1gbit quantum 1514',
    'class add dev a0 parent 1:1 classid 1:2 htb rate 500mbit ceil 1gbit quantum 1514',
    'class add dev a0 parent 1:1 classid 1:3 htb rate 500mbit ceil 1gbit quantum 1514',
    'class add dev a0 parent 1:1 classid 1:2ff htb rate 10mbit ceil 1gbit quantum 1514',
  ];
  for (let i = 0; i < LEAF_CLASSES; i++) {
    const classid = (0x10 + i).toString(16);
    const parent = i % 2 === 0 ? '1:2' : '1:3';
    // Leaves 3, 9, 15 and 21 are slow and have a 3-packet pfifo, so pings through them are dropped.
    const rate = i % 6 === 3 ? 'rate 8kbit ceil 8kbit burst 1600' : 'rate 10mbit ceil 100mbit';
    tc.push(`class add dev a0 parent ${parent} classid 1:${classid} htb ${rate} quantum 1514`);
    if (i % 3 === 0)
      tc.push(`qdisc add dev a0 parent 1:${classid} handle ${classid}: pfifo limit 3`);
    else if (i % 3 === 1)
      tc.push(`qdisc add dev a0 parent 1:${classid} handle ${classid}: bfifo limit 30000`);
    else
      tc.push(
        `qdisc add dev a0 parent 1:${classid} handle ${classid}: tbf rate 1mbit burst 4kb latency 50ms`,
      );
    tc.push(
      `filter add dev a0 parent 1: protocol ip prio 1 u32 match ip dst 10.9.1.${i + 1}/32 flowid 1:${classid}`,
    );
  }
  tc.push(
    'qdisc add dev a0 handle ffff: ingress',
    'filter add dev a0 parent ffff: protocol ip prio 1 u32 match ip src 10.9.1.0/24 flowid ffff:1',
    'qdisc add dev c0 root handle 1: tbf rate 10mbit burst 10kb latency 50ms',
    'qdisc add dev c0 parent 1:1 handle 10: pfifo limit 100',
    'qdisc add dev m0 root handle 7: mq',
  );
  run('tc', ['-n', ns.name, '-batch', '-'], tc.join('\n') + '\n');
}

/** Sends pings through every leaf class, floods the slow ones, and waits for queues to drain. */
async function sendTraffic(ns: TestNamespace): Promise<void> {
  for (let i = 0; i < LEAF_CLASSES; i++) {
    const slow = i % 6 === 3;
    const args = [
      '-q',
      '-n',
      '-c',
      slow ? '20' : '3',
      '-i',
      '0.002',
      '-w',
      '2',
      '-s',
      slow ? '1000' : '200',
      `10.9.1.${i + 1}`,
    ];
    try {
      ns.exec('ping', ...args);
    } catch {
      // Pings through the slow classes are dropped on purpose; ping then exits non-zero.
    }
  }
  ns.exec('ping', '-q', '-n', '-c', '5', '-i', '0.01', '10.9.0.2');
  // The slow leaves send one 1000-byte packet per second, so their queues drain in seconds.
  for (let attempt = 0; attempt < 60; attempt++) {
    const qdiscs = runJson<TcQdisc[]>('tc', ['-n', ns.name, '-s', '-j', 'qdisc', 'show']);
    if (qdiscs.every((q) => q.qlen === 0 && q.backlog === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail('qdisc backlogs did not drain within 30 s');
}

test('htb tree series match tc -s qdisc and class show', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'tc');
  const peer = testNamespace(t, 'tcpeer');
  buildScene(ns, peer);
  await sendTraffic(ns);

  const devices = ['lo', 'a0', 'c0', 'c1', 'm0', 'm1'];
  const before = expectedSeries(readTc(ns, devices));
  const exporter = await startExporter(ns);
  t.after(() => exporter.stop());
  const response = exporter.get('/metrics?collect[]=traffic_control');
  const after = expectedSeries(readTc(ns, devices));
  assert.deepStrictEqual(after, before, 'tc counters moved while the test read them');

  assert.equal(response.status, 200);
  const exported = exportedSeries(response.body);
  const classes = Object.keys(exported).filter((k) =>
    k.startsWith('nft_tc_class_bytes_total{'),
  ).length;
  assert.ok(classes >= 20, `expected at least 20 classes, got ${classes}`);
  assert.deepStrictEqual(sorted(exported), sorted(before));
  const drops = Object.entries(exported).filter(
    ([k, v]) => k.startsWith('nft_tc_class_drops_total') && v !== '0',
  );
  assert.ok(
    drops.length > 0,
    'the slow classes dropped no packet; the scene does not exercise drops',
  );
});

test('object cap drops per-object series and counts them', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'tccap');
  const peer = testNamespace(t, 'tcpeer');
  buildScene(ns, peer);
  const tc = readTc(ns, ['lo', 'a0', 'c0', 'c1', 'm0', 'm1']);
  const expected = expectedSeries(tc);
  const classCount = [...tc.classes.values()].reduce((n, list) => n + list.length, 0);
  // One below the number of qdiscs and classes, so the class dumps still run and count.
  const cap = tc.qdiscs.length + classCount - 1;
  const exporter = await startExporter(ns, [`--collector.traffic_control.max-objects=${cap}`]);
  t.after(() => exporter.stop());
  const body = exporter.get('/metrics?collect[]=traffic_control').body;
  const families = parseExposition(body, 'text');

  const perObject = Object.keys(expected).filter((k) => /^nft_tc_(qdisc_object|class)_/.test(k));
  assert.deepStrictEqual(families.get('nft_scrape_cap_dropped_series')?.samples, [
    {
      name: 'nft_scrape_cap_dropped_series',
      labels: { collector: 'traffic_control', cap: 'traffic_control_objects' },
      value: String(perObject.length),
    },
  ]);
  const exported = exportedSeries(body);
  const summed = Object.fromEntries(
    Object.entries(expected).filter(([k]) => !perObject.includes(k)),
  );
  assert.deepStrictEqual(sorted(exported), sorted(summed));
});

test('interface exclude leaves out the device and its classes', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'tcfilter');
  const peer = testNamespace(t, 'tcpeer');
  buildScene(ns, peer);
  const expected = expectedSeries(readTc(ns, ['lo', 'c0', 'c1', 'm0', 'm1']));
  for (const k of Object.keys(expected)) if (k.includes('device="a0"')) delete expected[k];
  const exporter = await startExporter(ns, ['--collector.interface-exclude=a0']);
  t.after(() => exporter.stop());
  const exported = exportedSeries(exporter.get('/metrics?collect[]=traffic_control').body);
  assert.deepStrictEqual(sorted(exported), sorted(expected));
});
