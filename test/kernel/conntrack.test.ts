// The conntrack and conntrack_expect collectors against the real kernel: flows through a
// veth pair from a second namespace, entries made with `conntrack -I`, and ftp and tftp
// expectations, compared with what the conntrack tool reports for the same namespace.
// Without CAP_NET_ADMIN both collectors must report available 0 and log the reason.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startExporter } from '../support/exporter.js';
import { type ParsedFamily, parseExposition } from '../support/exposition-parser.js';
import { requireKernel, run, type TestNamespace, testNamespace } from '../support/netns.js';
import {
  parseConntrackStats,
  parseExpectList,
  requireTools,
  startExporterWithoutNetAdmin,
  startHelperFlows,
  waitForLogRecords,
} from './netfilter-scene.js';

const TOOLS = [
  ['nft', 'nftables'],
  ['conntrack', 'conntrack'],
] as const;

const FIELDS = [
  'found',
  'invalid',
  'insert',
  'insert_failed',
  'drop',
  'early_drop',
  'error',
  'search_restart',
  'clash_resolve',
  'chaintoolong',
] as const;

/** Entries made with `conntrack -I`, on top of the ones the flows make. */
const INSERTED = 40;

function values(families: Map<string, ParsedFamily>, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const sample of families.get(name)?.samples ?? []) {
    out.set(Object.values(sample.labels).join(','), sample.value);
  }
  return out;
}

function buildConntrackScene(ns: TestNamespace, peer: TestNamespace): void {
  ns.ipBatch([
    `link add veth0 type veth peer name veth1 netns ${peer.name}`,
    'link set veth0 up',
    'addr add 192.0.2.1/24 dev veth0',
  ]);
  peer.ipBatch(['link set veth1 up', 'addr add 192.0.2.2/24 dev veth1']);

  // A ct expression makes the namespace track connections. NB: loopback is left untracked,
  // so the scrapes over 127.0.0.1 change neither the table nor its statistics between the
  // exporter's read and the conntrack tool's.
  run(
    'ip',
    ['netns', 'exec', ns.name, 'nft', '-f', '-'],
    `table inet track {
      chain raw_pre { type filter hook prerouting priority raw; iif "lo" notrack; }
      chain raw_out { type filter hook output priority raw; oif "lo" notrack; }
      chain in { type filter hook input priority filter; ct state new,established,invalid counter; }
    }`,
  );

  const inPeer = (cmd: string, ...args: string[]) => peer.exec(cmd, ...args);
  inPeer('ping', '-c', '3', '-i', '0.05', '-q', '192.0.2.1');
  inPeer('bash', '-c', 'for p in 9 10 11 12; do echo x > /dev/udp/192.0.2.1/$p; done');
  // A SYN to a closed port gets a reset in reply, which leaves a short-lived TCP entry.
  spawnSync('ip', ['netns', 'exec', peer.name, 'bash', '-c', 'exec 3<>/dev/tcp/192.0.2.1/7'], {
    stdio: 'ignore',
  });

  for (let i = 0; i < INSERTED; i++) {
    ns.exec(
      'conntrack',
      '-I',
      '-s',
      '198.51.100.1',
      '-d',
      '198.51.100.2',
      '-p',
      i % 2 === 0 ? 'tcp' : 'udp',
      '--sport',
      String(30000 + i),
      '--dport',
      '443',
      ...(i % 2 === 0 ? ['--state', 'ESTABLISHED'] : []),
      '-t',
      '600',
    );
  }
}

test('conntrack series match conntrack -S and -C', async (t) => {
  if (!requireKernel(t) || !requireTools(t, TOOLS)) return;
  const ns = testNamespace(t, 'ct');
  const peer = testNamespace(t, 'ctpeer');
  buildConntrackScene(ns, peer);
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.conntrack',
    '--collector.conntrack.per-cpu',
  ]);
  t.after(() => exporter.stop());

  const statsBefore = ns.exec('conntrack', '-S');
  const countBefore = ns.exec('conntrack', '-C').trim();
  const response = exporter.get('/metrics');
  const statsAfter = ns.exec('conntrack', '-S');
  const countAfter = ns.exec('conntrack', '-C').trim();
  assert.equal(response.status, 200);
  // Nothing in the namespace moves between the reads, so every value compares exactly.
  assert.equal(statsAfter, statsBefore);
  assert.equal(countAfter, countBefore);
  const families = parseExposition(response.body, 'text');

  const cpus = parseConntrackStats(statsBefore);
  assert.ok(cpus.length >= 1);
  assert.ok(Number(countBefore) >= INSERTED + 5, `conntrack -C printed ${countBefore}`);
  assert.deepStrictEqual(values(families, 'nft_conntrack_entries'), new Map([['', countBefore]]));
  const max = ns.exec('sysctl', '-n', 'net.netfilter.nf_conntrack_max').trim();
  assert.deepStrictEqual(values(families, 'nft_conntrack_max_entries'), new Map([['', max]]));

  for (const field of FIELDS) {
    const sum = cpus.reduce((total, cpu) => total + (cpu[field] ?? Number.NaN), 0);
    assert.deepStrictEqual(
      values(families, `nft_conntrack_${field}_total`),
      new Map([['', String(sum)]]),
      field,
    );
    assert.deepStrictEqual(
      values(families, `nft_conntrack_cpu_${field}_total`),
      new Map(cpus.map((cpu) => [String(cpu['cpu']), String(cpu[field])])),
      `${field} per CPU`,
    );
  }
  // The scene made entries, so the comparison above covered non-zero counters.
  assert.ok(cpus.some((cpu) => (cpu['insert'] ?? 0) > 0));
});

/** Protocol label of a protocol number, as the exporter names the common ones. */
function protoLabel(proto: number): string {
  return ({ 6: 'tcp', 17: 'udp' } as Record<number, string>)[proto] ?? String(proto);
}

test('expectations match conntrack -L expect', async (t) => {
  if (!requireKernel(t) || !requireTools(t, TOOLS)) return;
  const ns = testNamespace(t, 'ctexp');
  run(
    'ip',
    ['netns', 'exec', ns.name, 'nft', '-f', '-'],
    `table inet helpers {
      ct helper ftp-std { type "ftp" protocol tcp; }
      ct helper tftp-std { type "tftp" protocol udp; }
      chain out {
        type filter hook output priority filter; policy accept;
        tcp dport 21 ct helper set "ftp-std"
        udp dport 69 ct helper set "tftp-std"
      }
    }`,
  );
  const flows = await startHelperFlows(ns, ['127.0.0.1', '::1']);
  t.after(() => flows.stop());

  // One more expectation made from userspace on the IPv4 ftp connection, which becomes its
  // master. NB: conntrack 1.4.7 writes the expected port's high byte as the protocol.
  const master = ns.exec('conntrack', '-L', '-p', 'tcp', '--dport', '21', '-s', '127.0.0.1');
  const sport = /sport=(\d+) dport=21 /.exec(master)?.[1];
  assert.ok(sport !== undefined, `no ftp connection in: ${master}`);
  ns.exec(
    'conntrack',
    '-I',
    'expect',
    '-s',
    '127.0.0.1',
    '-d',
    '127.0.0.1',
    '-p',
    'tcp',
    '--sport',
    sport,
    '--dport',
    '21',
    '--tuple-src',
    '127.0.0.1',
    '--tuple-dst',
    '127.0.0.1',
    '--mask-src',
    '255.255.255.255',
    '--mask-dst',
    '255.255.255.255',
    '--tuple-port-src',
    '0',
    '--tuple-port-dst',
    '50001',
    '--mask-port-src',
    '0',
    '--mask-port-dst',
    '65535',
    '-t',
    '300',
  );

  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.conntrack_expect',
  ]);
  t.after(() => exporter.stop());
  const list = () =>
    ns.exec('conntrack', '-L', 'expect', '-f', 'ipv4') +
    ns.exec('conntrack', '-L', 'expect', '-f', 'ipv6');
  const statsBefore = ns.exec('conntrack', '-S', 'expect');
  const listBefore = list();
  const response = exporter.get('/metrics');
  // Each line starts with the seconds left, so the lines are compared without it.
  assert.deepStrictEqual(parseExpectList(list()), parseExpectList(listBefore));
  assert.equal(ns.exec('conntrack', '-S', 'expect'), statsBefore);
  const families = parseExposition(response.body, 'text');

  const expected = new Map<string, string>();
  const lines = parseExpectList(listBefore);
  // The ftp helper allows one expectation per connection, so the one made by hand replaced
  // the helper's on the IPv4 connection: tftp on both families, ftp on IPv6, and the manual one.
  assert.equal(lines.length, 4, listBefore);
  for (const line of lines) {
    const key = `${protoLabel(line.proto)},${line.helper}`;
    expected.set(key, String(Number(expected.get(key) ?? 0) + 1));
  }
  assert.deepStrictEqual(values(families, 'nft_conntrack_expectations'), expected);

  const cpus = parseConntrackStats(statsBefore);
  for (const [metric, field] of [
    ['nft_conntrack_expectation_new_total', 'expect_new'],
    ['nft_conntrack_expectation_create_total', 'expect_create'],
    ['nft_conntrack_expectation_delete_total', 'expect_delete'],
  ] as const) {
    const sum = cpus.reduce((total, cpu) => total + (cpu[field] ?? Number.NaN), 0);
    assert.deepStrictEqual(values(families, metric), new Map([['', String(sum)]]), metric);
  }
});

test('conntrack collectors without CAP_NET_ADMIN', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'ctcap');
  const exporter = await startExporterWithoutNetAdmin(ns, [
    '--collector.disable-defaults',
    '--collector.conntrack',
    '--collector.conntrack_expect',
    '--log.format=json',
  ]);
  t.after(() => exporter.stop());
  const families = parseExposition(exporter.get('/metrics').body, 'text');
  assert.deepStrictEqual(
    values(families, 'nft_scrape_collector_available'),
    new Map([
      ['conntrack', '0'],
      ['conntrack_expect', '0'],
    ]),
  );
  const forbidden = (await waitForLogRecords(exporter, 'collector forbidden', 2)).sort((a, b) =>
    String(a['collector']).localeCompare(String(b['collector'])),
  );
  assert.deepStrictEqual(forbidden, [
    {
      level: 'warn',
      msg: 'collector forbidden',
      collector: 'conntrack',
      reason: 'IPCTNL_MSG_CT_GET_STATS_CPU dump was rejected (EPERM); grant CAP_NET_ADMIN',
    },
    {
      level: 'warn',
      msg: 'collector forbidden',
      collector: 'conntrack_expect',
      reason: 'IPCTNL_MSG_EXP_GET dump was rejected (EPERM); grant CAP_NET_ADMIN',
    },
  ]);
});
