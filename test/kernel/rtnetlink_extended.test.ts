// The rtnetlink_extended collector against the real kernel: two bridges with ports, static
// FDB entries, an IGMP group join, FIB rules and nexthop objects in a fresh namespace,
// compared with what `bridge`, `ip rule`, `ip nexthop` and `ip stats` report for it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startExporter } from '../support/exporter.js';
import { parseExposition } from '../support/exposition-parser.js';
import { requireKernel, runJson, type TestNamespace, testNamespace } from '../support/netns.js';

interface FdbEntry {
  ifname: string;
  master?: string;
  state: string;
}

/** One `ip -j stats show group xstats(_slave) subgroup bridge suite mcast` record. */
interface McastRecord {
  ifname: string;
  multicast?: {
    igmp_queries: Record<string, number>;
    igmp_reports: Record<string, number>;
    igmp_leaves: Record<string, number>;
    igmp_parse_errors: number;
    mld_queries: Record<string, number>;
    mld_reports: Record<string, number>;
    mld_leaves: Record<string, number>;
    mld_parse_errors: number;
  };
}

function key(name: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return `${name}{${pairs.join(',')}}`;
}

function exportedSeries(body: string, prefix: RegExp): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, fam] of parseExposition(body, 'text')) {
    if (!prefix.test(name)) continue;
    for (const sample of fam.samples) out[key(sample.name, sample.labels)] = sample.value;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Builds bridge br0 with ports p1-p3 and br1 with port q1, static FDB entries, rules and nexthops. */
function buildScene(ns: TestNamespace): void {
  ns.exec(
    'sysctl',
    '-q',
    '-w',
    'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1',
  );
  const lines = [
    'link add br0 type bridge mcast_stats_enabled 1',
    'link add br1 type bridge',
    'link add q1 type veth peer name q1x',
    'link set q1 master br1',
  ];
  for (const port of ['p1', 'p2', 'p3']) {
    lines.push(`link add ${port} type veth peer name ${port}x`, `link set ${port} master br0`);
  }
  for (const dev of ['br0', 'br1', 'p1', 'p2', 'p3', 'p1x', 'p2x', 'p3x', 'q1', 'q1x'])
    lines.push(`link set ${dev} up`);
  lines.push(
    'addr add 192.0.2.1/24 dev br0',
    'rule add from 10.1.0.0/16 table 100',
    'rule add to 10.2.0.0/16 table 101',
    'nexthop add id 1 blackhole',
    'nexthop add id 2 group 1',
  );
  ns.ipBatch(lines);
  ns.ip('-6', 'rule', 'add', 'from', '2001:db8::/32', 'table', '102');
  const fdb: string[] = [];
  for (let i = 0; i < 5; i++)
    fdb.push(`fdb add 02:00:00:00:01:0${i} dev p${(i % 3) + 1} master static`);
  fdb.push('fdb add 02:00:00:00:02:01 dev q1 master static');
  for (const line of fdb) ns.exec('bridge', ...line.split(' '));
  // Joining a group on the bridge sends IGMPv3 reports through br0.
  ns.ip('addr', 'add', '239.1.1.1/32', 'dev', 'br0', 'autojoin');
}

test('bridge, rule and nexthop counts match iproute2', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'rtx');
  buildScene(ns);
  // IGMPv3 sends its unsolicited reports twice, one second apart; wait until they are out.
  await sleep(3000);

  const exporter = await startExporter(ns);
  t.after(() => exporter.stop());
  const response = exporter.get('/metrics?collect[]=rtnetlink_extended');
  assert.equal(response.status, 200);

  const expected: Record<string, string> = {};
  const fdb = runJson<FdbEntry[]>('bridge', ['-n', ns.name, '-j', 'fdb', 'show']);
  const perBridge = new Map<string, number>();
  const perType = new Map<string, number>();
  for (const entry of fdb) {
    if (entry.master === undefined) continue;
    perBridge.set(entry.master, (perBridge.get(entry.master) ?? 0) + 1);
    const type =
      entry.state === 'permanent' ? 'local' : entry.state === 'static' ? 'static' : 'dynamic';
    const typeKey = key('nft_bridge_fdb_entries_by_type', { interface: entry.master, type });
    perType.set(typeKey, (perType.get(typeKey) ?? 0) + 1);
  }
  for (const [bridge, count] of perBridge)
    expected[key('nft_bridge_fdb_entries', { interface: bridge })] = String(count);
  for (const [typeKey, count] of perType) expected[typeKey] = String(count);
  assert.equal(perBridge.get('br0')! >= 5, true, 'br0 should hold the five static entries');

  const rules4 = runJson<unknown[]>('ip', ['-n', ns.name, '-j', 'rule', 'show']);
  const rules6 = runJson<unknown[]>('ip', ['-n', ns.name, '-6', '-j', 'rule', 'show']);
  expected[key('nft_fib_rules', { family: 'inet' })] = String(rules4.length);
  expected[key('nft_fib_rules', { family: 'inet6' })] = String(rules6.length);
  const nexthops = runJson<{ group?: unknown }[]>('ip', ['-n', ns.name, '-j', 'nexthop', 'show']);
  expected[key('nft_nexthop_objects', {})] = String(nexthops.length);
  expected[key('nft_nexthop_groups', {})] = String(
    nexthops.filter((n) => n.group !== undefined).length,
  );

  const exported = exportedSeries(response.body, /^nft_(bridge_fdb|fib_rules|nexthop)/);
  assert.deepStrictEqual(exported, sorted(expected));
  assert.deepStrictEqual(
    [rules4.length, rules6.length, nexthops.length],
    [5, 3, 2],
    'the scene should have 3 default + 2 added IPv4 rules, 2 default + 1 added IPv6 rules, 2 nexthops',
  );
});

test('bridge multicast counters match ip stats', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'rtxmc');
  buildScene(ns);
  await sleep(3000);

  const exporter = await startExporter(ns);
  t.after(() => exporter.stop());
  const body = exporter.get('/metrics?collect[]=rtnetlink_extended').body;

  const expected: Record<string, string> = {};
  for (const group of ['xstats', 'xstats_slave']) {
    const records = runJson<McastRecord[]>('ip', [
      '-n',
      ns.name,
      '-j',
      'stats',
      'show',
      'group',
      group,
      'subgroup',
      'bridge',
      'suite',
      'mcast',
    ]);
    for (const { ifname, multicast: m } of records) {
      if (m === undefined) continue;
      const add = (
        proto: string,
        type: string,
        direction: string,
        value: number | undefined,
      ): void => {
        assert.notEqual(
          value,
          undefined,
          `ip stats lacks ${proto} ${type} ${direction} for ${ifname}`,
        );
        expected[
          key(`nft_link_xstats_bridge_${proto}_packets_total`, {
            interface: ifname,
            direction,
            type,
          })
        ] = String(value);
      };
      for (const direction of ['rx', 'tx']) {
        for (const v of ['1', '2', '3']) {
          add('igmp', `v${v}_query`, direction, m.igmp_queries[`${direction}_v${v}`]);
          add('igmp', `v${v}_report`, direction, m.igmp_reports[`${direction}_v${v}`]);
        }
        for (const v of ['1', '2']) {
          add('mld', `v${v}_query`, direction, m.mld_queries[`${direction}_v${v}`]);
          add('mld', `v${v}_report`, direction, m.mld_reports[`${direction}_v${v}`]);
        }
        add('igmp', 'leave', direction, m.igmp_leaves[direction]);
        add('mld', 'leave', direction, m.mld_leaves[direction]);
      }
      expected[key('nft_link_xstats_bridge_igmp_parse_errors_total', { interface: ifname })] =
        String(m.igmp_parse_errors);
      expected[key('nft_link_xstats_bridge_mld_parse_errors_total', { interface: ifname })] =
        String(m.mld_parse_errors);
    }
  }
  const exported = exportedSeries(body, /^nft_link_xstats_bridge_(igmp|mld)_/);
  assert.deepStrictEqual(exported, sorted(expected));
  const reports =
    exported[
      key('nft_link_xstats_bridge_igmp_packets_total', {
        interface: 'br0',
        direction: 'rx',
        type: 'v3_report',
      })
    ];
  assert.notEqual(reports, '0', 'the group join sent no IGMPv3 report through br0');

  // iproute2 does not print mcast_bytes and mcast_packets, so these are checked for presence
  // on the same interfaces only.
  const traffic = exportedSeries(body, /^nft_link_xstats_bridge_(rx|tx)_multicast_/);
  const interfaces = [
    ...new Set(Object.keys(expected).map((k) => /interface="([^"]+)"/.exec(k)![1]!)),
  ].sort();
  for (const name of [
    'rx_multicast_bytes',
    'tx_multicast_bytes',
    'rx_multicast_packets',
    'tx_multicast_packets',
  ]) {
    const seen = Object.keys(traffic)
      .filter((k) => k.startsWith(`nft_link_xstats_bridge_${name}_total{`))
      .map((k) => /interface="([^"]+)"/.exec(k)![1]!)
      .sort();
    assert.deepStrictEqual(seen, interfaces, name);
  }
});
