// The traffic_control and rtnetlink collectors in the lab guest on what the CI kernel lacks:
// dummy links with fq_codel, fq, sfq, netem, prio and cake root qdiscs, traffic sent through
// them, compared with `tc -s -j qdisc show` and `ip -s -j link` in the same namespace.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rtnetlinkCollector } from '../../src/collectors/rtnetlink.js';
import { trafficControlCollector } from '../../src/collectors/traffic_control.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import type { MetricFamily } from '../../src/metrics/model.js';
import { testConfig, testContext } from '../support/config.js';
import { parseExposition } from '../support/exposition-parser.js';
import { seriesKey, TC_STATS, type TcQdisc } from '../support/tc.js';
import { assertLabGuest, createNetns, type Netns } from './support.js';

assertLabGuest();

/** Root qdisc of each dummy link, as `tc qdisc add ... root` arguments. */
const QDISCS: readonly (readonly string[])[] = [
  ['fq_codel'],
  ['fq'],
  ['sfq'],
  ['netem', 'delay', '1ms'],
  ['prio'],
  ['cake', 'bandwidth', '100mbit'],
];

interface IpLink {
  ifname: string;
  linkinfo?: { info_kind?: string };
  stats64: { tx: { packets: number; bytes: number } };
}

/** Every series of `families` whose name starts with `prefix`: name{labels} → value. */
function series(families: MetricFamily[], prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, fam] of parseExposition(encodeFamilies(families, 'text'), 'text')) {
    for (const sample of fam.samples) {
      if (sample.name.startsWith(prefix)) out[seriesKey(sample.name, sample.labels)] = sample.value;
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function buildScene(ns: Netns): string[] {
  ns.exec('sysctl', [
    '-q',
    '-w',
    'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1',
  ]);
  const devices: string[] = [];
  QDISCS.forEach((qdisc, i) => {
    const dev = `dq${i}`;
    devices.push(dev);
    ns.exec('ip', ['link', 'add', dev, 'type', 'dummy']);
    ns.exec('ip', ['addr', 'add', `10.9.${i}.1/24`, 'dev', dev]);
    ns.exec('ip', ['link', 'set', dev, 'up']);
    ns.exec('tc', ['qdisc', 'add', 'dev', dev, 'root', ...qdisc]);
  });
  // A dummy link discards what it sends, so the qdisc and the link count every packet.
  const pings = devices.map((_, i) => `ping -q -c ${2 + i} -i 0.2 -W 1 10.9.${i}.2 >/dev/null`);
  ns.exec('sh', ['-c', `${pings.join('; ')}; sleep 0.2; true`]);
  return devices;
}

test('qdiscs and dummy links match tc and ip', async (t) => {
  const ns = createNetns(t, 'tc-lab');
  const devices = buildScene(ns);
  const ctx = testContext(testConfig(), { netns: `/run/netns/${ns.name}` });

  const qdiscs = (ns.execJson('tc', ['-s', '-j', 'qdisc', 'show']) as TcQdisc[]).filter((q) =>
    devices.includes(q.dev),
  );
  const links = (ns.execJson('ip', ['-s', '-d', '-j', 'link', 'show']) as IpLink[]).filter((l) =>
    devices.includes(l.ifname),
  );
  const tc = series(await trafficControlCollector.collect(ctx), 'nft_tc_qdisc_object_');
  const rtnl = await rtnetlinkCollector.collect(ctx);

  assert.deepEqual(
    [...new Set(qdiscs.filter((q) => q.root).map((q) => q.kind))].sort(),
    QDISCS.map((q) => q[0]!).sort(),
  );
  const expected: Record<string, string> = {};
  for (const q of qdiscs) {
    const labels = {
      device: q.dev,
      kind: q.kind,
      handle: q.handle,
      parent: q.root ? 'root' : q.parent!,
    };
    for (const [field, suffix] of TC_STATS)
      expected[seriesKey(`nft_tc_qdisc_object_${suffix}`, labels)] = String(q[field]);
  }
  const ours = Object.fromEntries(
    Object.entries(tc).filter(([k]) => devices.some((d) => k.includes(`device="${d}"`))),
  );
  assert.deepEqual(
    ours,
    Object.fromEntries(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : 1))),
  );

  // fq_codel's own statistics, from TCA_STATS_APP.
  const fqCodel = qdiscs.find((q) => q.kind === 'fq_codel' && q.root)!;
  const fqLabels = { device: fqCodel.dev, handle: fqCodel.handle, parent: 'root' };
  const app = series(await trafficControlCollector.collect(ctx), 'nft_tc_qdisc_fq_codel_');
  assert.equal(
    app[seriesKey('nft_tc_qdisc_fq_codel_max_packet_bytes', fqLabels)],
    String(fqCodel.maxpacket),
  );
  assert.equal(
    app[seriesKey('nft_tc_qdisc_fq_codel_new_flows_total', fqLabels)],
    String(fqCodel.new_flow_count),
  );
  assert.equal(
    app[seriesKey('nft_tc_qdisc_fq_codel_drop_overlimit_total', fqLabels)],
    String(fqCodel.drop_overlimit),
  );

  // Dummy links in the rtnetlink collector.
  const txPackets = series(rtnl, 'nft_link_transmit_packets_total');
  const info = series(rtnl, 'nft_link_info');
  for (const link of links) {
    assert.equal(link.linkinfo?.info_kind, 'dummy');
    assert.equal(
      txPackets[seriesKey('nft_link_transmit_packets_total', { device: link.ifname })],
      String(link.stats64.tx.packets),
    );
    const row = Object.keys(info).find((k) => k.includes(`device="${link.ifname}"`));
    assert.ok(row?.includes('kind="dummy"'), `nft_link_info for ${link.ifname}: ${row}`);
  }
  assert.ok(
    links.every((l) => l.stats64.tx.packets > 0),
    'the pings sent no packet',
  );
});
