// The nftables collector against the real kernel: a ruleset in six families, with traffic
// from a second namespace through a veth pair, compared series by series with what
// `nft -j list ruleset` reports for the same namespace. Further tests cover the element
// count fallback, the ruleset generation, the table filter and the rule cap as configured
// on the command line, and a run without CAP_NET_ADMIN.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRuleset } from '../../src/families/nftables/client.js';
import { NETLINK_NETFILTER } from '../../src/netlink/constants.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { startExporter } from '../support/exporter.js';
import { parseExposition } from '../support/exposition-parser.js';
import { requireKernel, run, type TestNamespace, testNamespace } from '../support/netns.js';
import {
  requireTools,
  startExporterWithoutNetAdmin,
  waitForLogRecords,
} from './netfilter-scene.js';
import {
  COMPARED,
  collectedSeries,
  expectedSeries,
  type NftJson,
  RULESET,
} from './nftables-expected.js';

const TOOLS = [['nft', 'nftables']] as const;

function buildScene(ns: TestNamespace, peer: TestNamespace): { flowtable: boolean } {
  for (const n of [ns, peer]) {
    n.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
  }
  ns.ipBatch([
    `link add veth0 type veth peer name veth1 netns ${peer.name}`,
    'link set veth0 up',
    'addr add 192.0.2.1/24 dev veth0',
    'addr add 2001:db8::1/64 dev veth0 nodad',
  ]);
  peer.ipBatch([
    'link set veth1 up',
    'addr add 192.0.2.2/24 dev veth1',
    'addr add 2001:db8::2/64 dev veth1 nodad',
  ]);
  // Permanent neighbours on both ends: no ARP or neighbour discovery moves a counter
  // between the reads.
  const mac = (n: TestNamespace, dev: string) =>
    (JSON.parse(n.ip('-j', 'link', 'show', dev)) as { address: string }[])[0]!.address;
  const mac0 = mac(ns, 'veth0');
  const mac1 = mac(peer, 'veth1');
  ns.ipBatch([
    `neigh add 192.0.2.2 lladdr ${mac1} dev veth0 nud permanent`,
    `neigh add 2001:db8::2 lladdr ${mac1} dev veth0 nud permanent`,
  ]);
  peer.ipBatch([
    `neigh add 192.0.2.1 lladdr ${mac0} dev veth1 nud permanent`,
    `neigh add 2001:db8::1 lladdr ${mac0} dev veth1 nud permanent`,
  ]);

  run('ip', ['netns', 'exec', ns.name, 'nft', '-f', '-'], RULESET);
  // Flowtables need CONFIG_NF_FLOW_TABLE; the kernel rejects them without it.
  const flowtable =
    run('ip', [
      'netns',
      'exec',
      ns.name,
      'bash',
      '-c',
      'nft add flowtable inet filter fast "{ hook ingress priority filter; devices = { veth0 }; }" 2>/dev/null && echo yes || true',
    ]).trim() === 'yes';

  peer.exec('ping', '-c', '3', '-i', '0.05', '-q', '192.0.2.1');
  peer.exec('ping', '-c', '2', '-i', '0.05', '-q', '2001:db8::1');
  peer.exec(
    'bash',
    '-c',
    'for i in 1 2 3 4; do echo x > /dev/udp/192.0.2.1/9; done; echo y > /dev/udp/192.0.2.1/7',
  );
  return { flowtable };
}

function listRuleset(ns: TestNamespace): NftJson {
  return JSON.parse(ns.exec('nft', '-j', 'list', 'ruleset')) as NftJson;
}

test('nftables series match nft -j list ruleset', async (t) => {
  if (!requireKernel(t) || !requireTools(t, TOOLS)) return;
  const ns = testNamespace(t, 'nft');
  const peer = testNamespace(t, 'nftpeer');
  const { flowtable } = buildScene(ns, peer);
  if (!flowtable)
    t.diagnostic(
      'this kernel has no flowtables (CONFIG_NF_FLOW_TABLE); the lab guest test compares them',
    );
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.nftables',
  ]);
  t.after(() => exporter.stop());

  const before = listRuleset(ns);
  const response = exporter.get('/metrics');
  // The scrape travels over loopback TCP, which no counting rule matches, so nothing moves.
  assert.deepStrictEqual(listRuleset(ns), before);
  assert.equal(response.status, 200);

  const expected = expectedSeries(before);
  const actual = collectedSeries(parseExposition(response.body, 'text'));
  for (const name of COMPARED) {
    assert.deepStrictEqual(actual[name], expected[name] ?? {}, name);
  }
  const compared = COMPARED.reduce((n, name) => n + Object.keys(actual[name] ?? {}).length, 0);
  t.diagnostic(`${compared} series compared`);
  // Guards against a scene where the comparison above would pass on empty families.
  assert.equal(
    actual['nft_rule_packets_total']?.['family=inet,table=filter,chain=input,comment=icmp in'],
    '5',
  );
  assert.equal(Object.keys(actual['nft_flowtable_info'] ?? {}).length, flowtable ? 1 : 0);
});

test('element counts by dump match NFTA_SET_COUNT', async (t) => {
  if (!requireKernel(t) || !requireTools(t, TOOLS)) return;
  const ns = testNamespace(t, 'nftelem');
  const peer = testNamespace(t, 'nftelempeer');
  buildScene(ns, peer);
  const socket = NetlinkSocket.open(NETLINK_NETFILTER, { netns: ns.path });
  t.after(() => socket.close());

  const fromAttribute = await readRuleset(socket);
  const fromDump = await readRuleset(socket, { countElementsByDump: true });
  const counts = (sets: typeof fromDump.ruleset.sets) =>
    sets.filter((s) => !s.name.startsWith('__')).map((s) => [s.name, s.count]);
  assert.deepStrictEqual(counts(fromDump.ruleset.sets), counts(fromAttribute.ruleset.sets));
  assert.deepStrictEqual(counts(fromDump.ruleset.sets), [
    ['blocked4', 2],
    ['ports', 3],
    ['seen6', 1],
    ['services', 1],
    ['marks', 1],
    ['verdicts', 1],
  ]);
});

test('generation grows with each transaction', async (t) => {
  if (!requireKernel(t) || !requireTools(t, TOOLS)) return;
  const ns = testNamespace(t, 'nftgen');
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.nftables',
  ]);
  t.after(() => exporter.stop());
  const generation = () =>
    parseExposition(exporter.get('/metrics').body, 'text').get('nft_ruleset_generation')?.samples[0]
      ?.value;

  const first = Number(generation());
  ns.exec('nft', 'add', 'table', 'ip', 'one');
  assert.equal(Number(generation()), first + 1);
  run('ip', ['netns', 'exec', ns.name, 'nft', '-f', '-'], 'add table ip two\nadd table ip three\n');
  assert.equal(Number(generation()), first + 2);
});

test('table filter and rule cap from flags', async (t) => {
  if (!requireKernel(t) || !requireTools(t, TOOLS)) return;
  const ns = testNamespace(t, 'nftcap');
  const peer = testNamespace(t, 'nftcappeer');
  buildScene(ns, peer);
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.nftables',
    '--collector.nftables.table-exclude=edge|mangle',
    '--collector.nftables.max-rule-series=2',
  ]);
  t.after(() => exporter.stop());

  const families = parseExposition(exporter.get('/metrics').body, 'text');
  const tablesOf = (name: string) =>
    [...new Set(families.get(name)?.samples.map((s) => s.labels['table']))].sort();
  assert.deepStrictEqual(tablesOf('nft_table_info'), [
    'arpwatch',
    'br',
    'edge',
    'filter',
    'mangle',
    'raw',
  ]);
  assert.deepStrictEqual(tablesOf('nft_table_rules'), tablesOf('nft_table_info'));
  assert.deepStrictEqual(tablesOf('nft_chain_info'), ['arpwatch', 'br', 'filter', 'raw']);
  // Commented rules with counters in the included tables: "icmp in" (two rules), "blocked"
  // and "echo" in filter; the cap keeps the first two.
  assert.deepStrictEqual(
    families.get('nft_rule_packets_total')?.samples.map((s) => s.labels['comment']),
    ['icmp in', 'blocked'],
  );
  assert.deepStrictEqual(
    families.get('nft_scrape_cap_dropped_series')?.samples.map((s) => [s.labels, s.value]),
    [[{ collector: 'nftables', cap: 'nftables_rules' }, '1']],
  );
});

test('nftables without CAP_NET_ADMIN', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'nftcapdrop');
  const exporter = await startExporterWithoutNetAdmin(ns, [
    '--collector.disable-defaults',
    '--collector.nftables',
    '--log.format=json',
  ]);
  t.after(() => exporter.stop());
  const families = parseExposition(exporter.get('/metrics').body, 'text');
  assert.deepStrictEqual(
    families.get('nft_scrape_collector_available')?.samples.map((s) => [s.labels, s.value]),
    [[{ collector: 'nftables' }, '0']],
  );
  assert.deepStrictEqual(await waitForLogRecords(exporter, 'collector forbidden', 1), [
    {
      level: 'warn',
      msg: 'collector forbidden',
      collector: 'nftables',
      reason: 'NFT_MSG_GETTABLE dump was rejected (EPERM); grant CAP_NET_ADMIN',
    },
  ]);
});
