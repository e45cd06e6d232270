// The ipvs collector in the lab guest: TCP, UDP, fwmark and IPv6 services with several
// destinations and some traffic, compared with `ipvsadm -Ln --exact` listings of the same
// namespace, and the service and destination caps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ipvsCollector } from '../../src/collectors/ipvs.js';
import type { CollectContext } from '../../src/collectors/types.js';
import type { Config } from '../../src/config/types.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { seriesOf } from '../kernel/ethtool-tool.js';
import { testConfig, testContext } from '../support/config.js';
import { type ParsedFamily, parseExposition } from '../support/exposition-parser.js';
import { assertLabGuest, createNetns, type Netns, run } from './support.js';

assertLabGuest();

const SERVICES: readonly (readonly string[])[] = [
  ['-A', '-t', '10.0.0.1:80', '-s', 'rr'],
  ['-a', '-t', '10.0.0.1:80', '-r', '10.0.0.2:80', '-m', '-w', '3'],
  ['-a', '-t', '10.0.0.1:80', '-r', '10.0.0.3:8080', '-m'],
  ['-a', '-t', '10.0.0.1:80', '-r', '10.0.0.4:80', '-m', '-w', '0'],
  ['-A', '-u', '10.0.0.1:53', '-s', 'wrr'],
  ['-a', '-u', '10.0.0.1:53', '-r', '10.0.0.5:53', '-m'],
  ['-a', '-u', '10.0.0.1:53', '-r', '10.0.0.6:5353', '-m', '-w', '2'],
  ['-A', '-f', '7', '-s', 'sh'],
  ['-a', '-f', '7', '-r', '10.0.0.7', '-m'],
  ['-A', '-t', '[2001:db8::1]:443', '-s', 'rr'],
  ['-a', '-t', '[2001:db8::1]:443', '-r', '[2001:db8::2]:443', '-m'],
  ['-a', '-t', '[2001:db8::1]:443', '-r', '[2001:db8::3]:8443', '-m'],
];

function buildScene(netns: Netns): void {
  for (const args of [
    ['link', 'add', 'd0', 'type', 'dummy'],
    ['addr', 'add', '10.0.0.1/24', 'dev', 'd0'],
    ['addr', 'add', '2001:db8::1/64', 'dev', 'd0', 'nodad'],
    ['link', 'set', 'd0', 'up'],
  ]) {
    run('ip', ['-n', netns.name, ...args]);
  }
  for (const args of SERVICES) netns.exec('ipvsadm', args);
  // Traffic from inside the namespace: UDP datagrams and TCP connection attempts. The real
  // servers sit behind a dummy device, so nothing answers.
  netns.exec('bash', [
    '-c',
    'for i in 1 2 3 4 5; do echo ping >/dev/udp/10.0.0.1/53; done; ' +
      'for i in 1 2; do timeout 0.5 bash -c "echo >/dev/tcp/10.0.0.1/80" || true; done',
  ]);
}

interface Scrape {
  readonly families: Map<string, ParsedFamily>;
  readonly capDropped: Map<string, number>;
}

async function scrape(netns: Netns, config: Config): Promise<Scrape> {
  const base = testContext(config, { netns: `/run/netns/${netns.name}` });
  const capDropped = new Map<string, number>();
  const ctx: CollectContext = {
    ...base,
    stats: {
      ...base.stats,
      addCapDropped: (cap, n) => capDropped.set(cap, (capDropped.get(cap) ?? 0) + n),
    },
  };
  assert.deepStrictEqual(await ipvsCollector.probe(ctx), { kind: 'available' });
  const text = encodeFamilies(await ipvsCollector.collect(ctx), 'text');
  return { families: parseExposition(text, 'text'), capDropped };
}

/** Labels of an ipvsadm service column (`TCP 10.0.0.1:80`, `FWM 7`, `TCP [::1]:80`). */
function serviceLabels(proto: string, address: string): string {
  if (proto === 'FWM')
    return `family="inet",proto="",vip="",port="0x${Number(address).toString(16)}"`;
  const v6 = address.startsWith('[');
  const at = address.lastIndexOf(':');
  const vip = address.slice(0, at).replace(/^\[|\]$/g, '');
  return `family="${v6 ? 'inet6' : 'inet'}",proto="${proto.toLowerCase()}",vip="${vip}",port="${address.slice(at + 1)}"`;
}

function destLabels(service: string, address: string): string {
  const at = address.lastIndexOf(':');
  return `${service},rip="${address.slice(0, at).replace(/^\[|\]$/g, '')}",rport="${address.slice(at + 1)}"`;
}

/** Reads an ipvsadm listing into rows of [service labels, destination labels or '', columns]. */
function rows(listing: string): [string, string, string[]][] {
  const out: [string, string, string[]][] = [];
  let service = '';
  for (const line of listing.split('\n').slice(3)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 2) continue;
    if (cols[0] === '->') {
      out.push([service, destLabels(service, cols[1]!), cols.slice(2)]);
    } else {
      service = serviceLabels(cols[0]!, cols[1]!);
      out.push([service, '', cols.slice(2)]);
    }
  }
  return out;
}

const STATS = [
  'connections_total',
  'incoming_packets_total',
  'outgoing_packets_total',
  'incoming_bytes_total',
  'outgoing_bytes_total',
];
const RATES = [
  'connections_rate',
  'incoming_packets_rate',
  'outgoing_packets_rate',
  'incoming_bytes_rate',
  'outgoing_bytes_rate',
];

function expectedSeries(netns: Netns): string[] {
  const out: string[] = [];
  for (const [service, dest, cols] of rows(netns.exec('ipvsadm', ['-Ln', '--stats', '--exact']))) {
    STATS.forEach((name, i) => {
      if (dest === '') out.push(`nft_ipvs_${name}{${service}} ${cols[i]}`);
      else out.push(`nft_ipvs_dest_${name}{${dest}} ${cols[i]}`);
    });
  }
  for (const [service, dest, cols] of rows(netns.exec('ipvsadm', ['-Ln', '--exact']))) {
    if (dest === '') {
      out.push(`nft_ipvs_service_info{${service},scheduler="${cols[0]}"} 1`);
      continue;
    }
    const [forward, weight, active, inactive] = cols;
    out.push(`nft_ipvs_dest_info{${dest},forward="${forward?.toLowerCase()}"} 1`);
    out.push(`nft_ipvs_dest_weight{${dest}} ${weight}`);
    out.push(`nft_ipvs_dest_active_connections{${dest}} ${active}`);
    out.push(`nft_ipvs_dest_inactive_connections{${dest}} ${inactive}`);
  }
  // With --persistent-conn the columns are Weight, PersistConn, ActiveConn and InActConn.
  for (const [, dest, cols] of rows(
    netns.exec('ipvsadm', ['-Ln', '--exact', '--persistent-conn']),
  )) {
    if (dest !== '') out.push(`nft_ipvs_dest_persistent_connections{${dest}} ${cols[1]}`);
  }
  return out.sort();
}

/** Rate estimates from `ipvsadm -Ln --rate --exact`, by series without value. */
function rates(netns: Netns): Map<string, number> {
  const out = new Map<string, number>();
  for (const [service, dest, cols] of rows(netns.exec('ipvsadm', ['-Ln', '--rate', '--exact']))) {
    if (dest !== '') continue;
    for (const [i, name] of RATES.entries()) {
      out.set(`nft_ipvs_${name}{${service}}`, Number(cols[i]));
    }
  }
  return out;
}

/**
 * Waits until two `ipvsadm --stats` listings three seconds apart are equal. NB: the kernel
 * folds its per-CPU counters into the dumped statistics every two seconds, so counters keep
 * moving for a while after the traffic.
 */
async function settle(netns: Netns): Promise<void> {
  let last = netns.exec('ipvsadm', ['-Ln', '--stats', '--exact']);
  for (let i = 0; i < 10; i++) {
    await sleep(3000);
    const next = netns.exec('ipvsadm', ['-Ln', '--stats', '--exact']);
    if (next === last) return;
    last = next;
  }
  assert.fail('IPVS statistics did not settle within 30 s');
}

test('ipvs series match ipvsadm', async (t) => {
  const netns = createNetns(t, 'ipvs');
  buildScene(netns);
  await settle(netns);
  // The kernel's rate estimator moves every two seconds, so rates must lie between two reads.
  const before = rates(netns);
  const { families, capDropped } = await scrape(netns, testConfig());
  const after = rates(netns);
  const expected = expectedSeries(netns);

  const ours = seriesOf(families, 'nft_ipvs_');
  const rateSeries = ours.filter((s) => /_rate\{/.test(s));
  assert.deepStrictEqual(
    ours.filter((s) => !rateSeries.includes(s)),
    expected,
  );
  assert.ok(expected.some((s) => /^nft_ipvs_incoming_packets_total\{.*port="53"\} [1-9]/.test(s)));
  assert.equal(rateSeries.length, before.size);
  for (const line of rateSeries) {
    const key = line.slice(0, line.lastIndexOf(' '));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const low = Math.min(before.get(key) ?? Number.NaN, after.get(key) ?? Number.NaN);
    const high = Math.max(before.get(key) ?? Number.NaN, after.get(key) ?? Number.NaN);
    assert.ok(value >= low && value <= high, `${line} outside ${low}..${high}`);
  }
  assert.deepStrictEqual(
    [...capDropped],
    [
      ['ipvs_services', 0],
      ['ipvs_destinations', 0],
    ],
  );
});

test('ipvs caps drop services and destinations', async (t) => {
  const netns = createNetns(t, 'ipvs-cap');
  buildScene(netns);
  const all = await scrape(netns, testConfig());
  const ipvs = { maxServices: 2, maxDestinations: 4, servicesOnly: false };
  const { families, capDropped } = await scrape(netns, testConfig({ ipvs }));
  const services = seriesOf(families, 'nft_ipvs_service_info');
  const dests = seriesOf(families, 'nft_ipvs_dest_info');

  // The kept services are the first two of the kernel's dump; their destinations count
  // against the destination cap in the same order.
  const keptServices = services.map((s) => s.slice(s.indexOf('{') + 1, s.indexOf(',scheduler')));
  const destsOfKept = seriesOf(all.families, 'nft_ipvs_dest_info').filter((d) =>
    keptServices.some((svc) => d.includes(`{${svc},rip=`)),
  ).length;
  assert.deepStrictEqual(
    { services: services.length, dests: dests.length, dropped: [...capDropped] },
    {
      services: 2,
      dests: Math.min(4, destsOfKept),
      dropped: [
        ['ipvs_services', 2],
        ['ipvs_destinations', Math.max(0, destsOfKept - 4)],
      ],
    },
  );

  const only = await scrape(netns, testConfig({ ipvs: { ...ipvs, servicesOnly: true } }));
  assert.deepStrictEqual(seriesOf(only.families, 'nft_ipvs_dest_'), []);
  assert.equal(seriesOf(only.families, 'nft_ipvs_service_info').length, 2);
});
