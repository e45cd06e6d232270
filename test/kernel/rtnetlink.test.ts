// The rtnetlink collector end to end: the real exporter runs in a fresh namespace with a
// routing scene, and every series is checked against iproute2's JSON for that namespace.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startExporter } from '../support/exporter.js';
import { type ParsedFamily, parseExposition } from '../support/exposition-parser.js';
import { requireKernel, runJson, type TestNamespace, testNamespace } from '../support/netns.js';

const PAIRS = 20;
const ODD_NAME = 'vé-ü0';

interface IpStats {
  bytes: number;
  packets: number;
  errors: number;
  dropped: number;
  multicast?: number;
  collisions?: number;
  over_errors?: number;
  length_errors?: number;
  crc_errors?: number;
  frame_errors?: number;
  fifo_errors?: number;
  missed_errors?: number;
  aborted_errors?: number;
  carrier_errors?: number;
  heartbeat_errors?: number;
  window_errors?: number;
  carrier_changes?: number;
}

interface IpLink {
  ifname: string;
  mtu: number;
  txqlen?: number;
  operstate: string;
  master?: string;
  ifalias?: string;
  address?: string;
  flags: string[];
  linkinfo?: { info_kind?: string };
  stats64: { rx: IpStats; tx: IpStats };
}

function buildScene(ns: TestNamespace, peer: TestNamespace): void {
  // Without duplicate address detection, link-local addresses and their local routes exist
  // as soon as a link is up, so the route and address counts do not change between reads.
  for (const n of [ns, peer]) {
    n.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
  }
  const lines: string[] = [];
  for (let i = 0; i < PAIRS; i++) {
    lines.push(
      `link add v${i} type veth peer name p${i} netns ${peer.name}`,
      `link set v${i} up`,
      `addr add 10.10.${i}.1/24 dev v${i}`,
      `addr add fd00:${i}::1/64 dev v${i} nodad`,
    );
  }
  lines.push(
    `link add ${ODD_NAME} type veth peer name odd-peer`,
    'link add br0 type bridge',
    'link add bp0 type veth peer name bp0x',
    'link add bp1 type veth peer name bp1x',
    'link set bp0 master br0',
    'link set bp1 master br0',
    'link set br0 up',
    'link set bp0 up',
    'link set bp1 up',
    'route add 172.16.0.0/16 via 10.10.0.2',
    'route add 172.17.0.0/16 via 10.10.1.2 proto static',
    'route add blackhole 198.18.0.0/15',
    'route add unreachable 198.20.0.0/16',
    'route add 172.18.0.0/16 via 10.10.2.2 table 100',
    'route add fd99::/64 via fd00:3::2 table 100',
    'neigh add 10.10.4.2 lladdr 02:00:00:00:04:02 dev v4 nud permanent',
    'neigh add 10.10.5.2 lladdr 02:00:00:00:05:02 dev v5 nud stale',
    'neigh add fd00:6::2 lladdr 02:00:00:00:06:02 dev v6 nud stale',
  );
  ns.ipBatch(lines);
  // An alias with a quote and a backslash exercises label escaping end to end.
  ns.ip('link', 'set', ODD_NAME, 'alias', 'uplink "rack" 7\\b');
  const peerLines: string[] = [];
  for (let i = 0; i < PAIRS; i++) {
    peerLines.push(
      `link set p${i} up`,
      `addr add 10.10.${i}.2/24 dev p${i}`,
      `addr add fd00:${i}::2/64 dev p${i} nodad`,
    );
  }
  peer.ipBatch(peerLines);
  // Traffic across the pairs: a few pings each way so counters are non-zero and differ.
  for (let i = 0; i < PAIRS; i += 3) {
    const result = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        ns.name,
        'ping',
        '-c',
        String(1 + (i % 4)),
        '-i',
        '0.01',
        '-w',
        '5',
        `10.10.${i}.2`,
      ],
      { stdio: 'ignore' },
    );
    assert.equal(result.status, 0, `ping 10.10.${i}.2 failed`);
  }
  waitForLinkStates(ns);
}

/**
 * Waits until every link's operational state and carrier stop changing: the kernel applies
 * them with a delay of up to a second after a link or a bridge port comes up.
 */
function waitForLinkStates(ns: TestNamespace): void {
  const states = () =>
    JSON.stringify(
      runJson<IpLink[]>('ip', ['-n', ns.name, '-j', 'link', 'show']).map((l) => [
        l.ifname,
        l.operstate,
        l.flags,
      ]),
    );
  let previous = states();
  for (let attempt = 0; attempt < 10; attempt++) {
    spawnSync('sleep', ['1']);
    const current = states();
    if (current === previous) return;
    previous = current;
  }
  throw new Error('link states kept changing for 10 s');
}

function samplesOf(families: Map<string, ParsedFamily>, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const sample of families.get(name)?.samples ?? []) {
    const key = Object.entries(sample.labels)
      .filter(([label]) => label !== 'device')
      .map(([label, value]) => `${label}=${value}`)
      .join(',');
    out.set(
      key === '' ? sample.labels['device']! : `${sample.labels['device'] ?? ''}|${key}`,
      sample.value,
    );
  }
  return out;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, string> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return new Map([...counts].map(([k, v]) => [k, String(v)]));
}

function sorted(map: Map<string, string>): [string, string][] {
  // Keys are unique, so the comparator never sees two equal keys.
  return [...map].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Link counter families and how to read the same field from `ip -s -s -j link`. */
const COUNTERS: readonly [string, (s: IpLink['stats64']) => number | undefined][] = [
  ['nft_link_receive_bytes_total', (s) => s.rx.bytes],
  ['nft_link_transmit_bytes_total', (s) => s.tx.bytes],
  ['nft_link_receive_packets_total', (s) => s.rx.packets],
  ['nft_link_transmit_packets_total', (s) => s.tx.packets],
  ['nft_link_receive_errors_total', (s) => s.rx.errors],
  ['nft_link_transmit_errors_total', (s) => s.tx.errors],
  ['nft_link_receive_drops_total', (s) => s.rx.dropped],
  ['nft_link_transmit_drops_total', (s) => s.tx.dropped],
  ['nft_link_receive_multicast_packets_total', (s) => s.rx.multicast],
  ['nft_link_transmit_collisions_total', (s) => s.tx.collisions],
];

const KIND_COUNTERS: readonly [string, string, (s: IpLink['stats64']) => number | undefined][] = [
  ['nft_link_receive_errors_by_kind_total', 'length', (s) => s.rx.length_errors],
  ['nft_link_receive_errors_by_kind_total', 'over', (s) => s.rx.over_errors],
  ['nft_link_receive_errors_by_kind_total', 'crc', (s) => s.rx.crc_errors],
  ['nft_link_receive_errors_by_kind_total', 'frame', (s) => s.rx.frame_errors],
  ['nft_link_receive_errors_by_kind_total', 'fifo', (s) => s.rx.fifo_errors],
  ['nft_link_receive_errors_by_kind_total', 'missed', (s) => s.rx.missed_errors],
  ['nft_link_transmit_errors_by_kind_total', 'aborted', (s) => s.tx.aborted_errors],
  ['nft_link_transmit_errors_by_kind_total', 'carrier', (s) => s.tx.carrier_errors],
  ['nft_link_transmit_errors_by_kind_total', 'fifo', (s) => s.tx.fifo_errors],
  ['nft_link_transmit_errors_by_kind_total', 'heartbeat', (s) => s.tx.heartbeat_errors],
  ['nft_link_transmit_errors_by_kind_total', 'window', (s) => s.tx.window_errors],
];

test('rtnetlink series match iproute2 in a namespace scene', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'rtnl');
  const peer = testNamespace(t, 'rtnlpeer');
  buildScene(ns, peer);
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.rtnetlink',
  ]);
  t.after(() => exporter.stop());

  // Counters may move between the reads (IPv6 neighbour discovery), so each must lie
  // between the values iproute2 printed just before and just after the scrape.
  const before = runJson<IpLink[]>('ip', ['-n', ns.name, '-d', '-s', '-s', '-j', 'link', 'show']);
  const response = exporter.get('/metrics');
  const after = runJson<IpLink[]>('ip', ['-n', ns.name, '-d', '-s', '-s', '-j', 'link', 'show']);
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const families = parseExposition(response.body, 'text');

  const devices = before.map((l) => l.ifname).sort();
  assert.ok(devices.includes(ODD_NAME));
  assert.deepEqual([...samplesOf(families, 'nft_link_up').keys()].sort(), devices);

  const afterByName = new Map(after.map((l) => [l.ifname, l]));
  for (const [metric, read] of COUNTERS) {
    const ours = samplesOf(families, metric);
    for (const link of before) {
      const low = read(link.stats64);
      const high = read(afterByName.get(link.ifname)!.stats64);
      assert.ok(
        low !== undefined && high !== undefined,
        `ip printed no ${metric} field for ${link.ifname}`,
      );
      const value = Number(ours.get(link.ifname));
      assert.ok(
        value >= low && value <= high,
        `${metric}{device="${link.ifname}"} = ${value}, ip printed ${low}..${high}`,
      );
    }
  }
  for (const [metric, kind, read] of KIND_COUNTERS) {
    const ours = samplesOf(families, metric);
    for (const link of before) {
      const value = read(link.stats64);
      if (value === undefined) continue;
      assert.equal(
        ours.get(`${link.ifname}|kind=${kind}`),
        String(value),
        `${metric}{device="${link.ifname}",kind="${kind}"}`,
      );
    }
  }

  assert.deepEqual(
    sorted(samplesOf(families, 'nft_link_mtu_bytes')),
    sorted(new Map(before.map((l) => [l.ifname, String(l.mtu)]))),
  );
  assert.deepEqual(
    sorted(samplesOf(families, 'nft_link_transmit_queue_length')),
    sorted(
      new Map(
        before.filter((l) => l.txqlen !== undefined).map((l) => [l.ifname, String(l.txqlen)]),
      ),
    ),
  );
  assert.deepEqual(
    sorted(samplesOf(families, 'nft_link_carrier_changes_total')),
    sorted(
      new Map(
        before.map((l) => [
          l.ifname,
          String(
            l.stats64.rx.carrier_changes ??
              afterByName.get(l.ifname)?.stats64.tx.carrier_changes ??
              '',
          ),
        ]),
      ),
    ).filter(([, v]) => v !== ''),
  );
  assert.deepEqual(
    sorted(samplesOf(families, 'nft_link_info')),
    sorted(
      new Map(
        before.map((l) => [
          `${l.ifname}|kind=${l.linkinfo?.info_kind ?? ''},operstate=${l.operstate.toLowerCase()},address=${l.address ?? ''},master=${l.master ?? ''},alias=${l.ifalias ?? ''}`,
          '1',
        ]),
      ),
    ),
  );
  assert.deepEqual(
    sorted(samplesOf(families, 'nft_link_admin_up')),
    sorted(new Map(before.map((l) => [l.ifname, l.flags.includes('UP') ? '1' : '0']))),
  );

  // Addresses per family.
  const addrs = runJson<{ addr_info: { family: string }[] }[]>('ip', [
    '-n',
    ns.name,
    '-j',
    'addr',
    'show',
  ]).flatMap((l) => l.addr_info);
  assert.deepEqual(
    sorted(samplesOf(families, 'nft_addresses')),
    sorted(countBy(addrs, (a) => `|family=${a.family}`)).map(([k, v]) => [k, v]),
  );

  // Routes per family, table, protocol and type.
  interface IpRoute {
    table?: string;
    protocol?: string;
    type?: string;
  }
  const routeKey = (family: string) => (r: IpRoute) =>
    `|family=${family},table=${r.table ?? 'main'},protocol=${r.protocol ?? 'boot'},type=${r.type ?? 'unicast'}`;
  const routes4 = runJson<IpRoute[]>('ip', [
    '-n',
    ns.name,
    '-4',
    '-j',
    'route',
    'show',
    'table',
    'all',
  ]);
  const routes6 = runJson<IpRoute[]>('ip', [
    '-n',
    ns.name,
    '-6',
    '-j',
    'route',
    'show',
    'table',
    'all',
  ]);
  const expectedRoutes = new Map([
    ...countBy(routes4, routeKey('inet')),
    ...countBy(routes6, routeKey('inet6')),
  ]);
  assert.deepEqual(sorted(samplesOf(families, 'nft_routes')), sorted(expectedRoutes));
  assert.ok(expectedRoutes.has('|family=inet,table=main,protocol=boot,type=blackhole'));
  assert.ok(expectedRoutes.has('|family=inet,table=100,protocol=boot,type=unicast'));

  // Neighbours per family and state. Entries for multicast groups appear when a link sends
  // its delayed IGMP and MLD reports, so the check repeats until iproute2 prints the same
  // table before and after a scrape.
  const priority = [
    'PERMANENT',
    'REACHABLE',
    'STALE',
    'DELAY',
    'PROBE',
    'FAILED',
    'NOARP',
    'INCOMPLETE',
  ];
  const ipNeighbours = () =>
    sorted(
      countBy(
        runJson<{ dst: string; state: string[] }[]>('ip', [
          '-n',
          ns.name,
          '-j',
          'neigh',
          'show',
          'nud',
          'all',
        ]),
        (n) => {
          const state = priority.find((s) => n.state.includes(s))?.toLowerCase() ?? 'unknown';
          return `|family=${n.dst.includes(':') ? 'inet6' : 'inet'},state=${state}`;
        },
      ),
    );
  for (let attempt = 1; ; attempt++) {
    const expected = ipNeighbours();
    const ours = sorted(
      samplesOf(parseExposition(exporter.get('/metrics').body, 'text'), 'nft_neighbors'),
    );
    const settled = JSON.stringify(expected) === JSON.stringify(ipNeighbours());
    if (settled || attempt === 5) {
      assert.ok(settled, 'the neighbour table kept changing between reads');
      assert.deepEqual(ours, expected);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  assert.deepEqual(
    samplesOf(families, 'nft_scrape_collector_success'),
    new Map([['|collector=rtnetlink', '1']]),
  );
});

test('interface filters apply to link series', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'rtnlflt');
  ns.ipBatch([
    'link add keep0 type veth peer name drop0',
    'link add keep1 type veth peer name drop1',
  ]);
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.rtnetlink',
    '--collector.interface-include=keep.*|lo',
    '--collector.interface-exclude=keep1',
  ]);
  t.after(() => exporter.stop());
  const families = parseExposition(exporter.get('/metrics').body, 'text');
  assert.deepEqual([...samplesOf(families, 'nft_link_up').keys()].sort(), ['keep0', 'lo']);
});

test('removed interface vanishes on the next scrape', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'rtnlgone');
  ns.ip('link', 'add', 'gone0', 'type', 'veth', 'peer', 'name', 'gone1');
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.rtnetlink',
  ]);
  t.after(() => exporter.stop());
  const first = parseExposition(exporter.get('/metrics').body, 'text');
  assert.deepEqual([...samplesOf(first, 'nft_link_up').keys()].sort(), ['gone0', 'gone1', 'lo']);
  ns.ip('link', 'del', 'gone0');
  const second = parseExposition(exporter.get('/metrics').body, 'text');
  assert.deepEqual([...samplesOf(second, 'nft_link_up').keys()].sort(), ['lo']);
});

test('real scrape passes promtool and strict parsing in both formats', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'rtnlfmt');
  ns.ip('link', 'add', ODD_NAME, 'type', 'veth', 'peer', 'name', 'fmt-peer');
  ns.ip('link', 'set', ODD_NAME, 'alias', 'line\nbreak "quoted" back\\slash');
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.rtnetlink',
  ]);
  t.after(() => exporter.stop());

  const text = exporter.get('/metrics');
  const families = parseExposition(text.body, 'text');
  const info = families.get('nft_link_info')!.samples.find((s) => s.labels['device'] === ODD_NAME);
  assert.equal(info?.labels['alias'], 'line\nbreak "quoted" back\\slash');
  const promtool = spawnSync('promtool', ['check', 'metrics'], {
    input: text.body,
    encoding: 'utf8',
  });
  assert.equal(promtool.error, undefined, 'promtool (Debian package prometheus) is not installed');
  assert.equal(`${promtool.stdout}${promtool.stderr}`, '');
  assert.equal(promtool.status, 0);

  const om = exporter.get('/metrics', {
    Accept: 'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;q=0.5',
  });
  assert.equal(
    om.headers['content-type'],
    'application/openmetrics-text; version=1.0.0; charset=utf-8',
  );
  assert.ok(om.body.endsWith('# EOF\n'));
  const omFamilies = parseExposition(om.body, 'openmetrics');
  assert.deepEqual(
    [...omFamilies.keys()].sort(),
    [...families.keys()].map((name) => name.replace(/_total$/, '')).sort(),
  );
});
