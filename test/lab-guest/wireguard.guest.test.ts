// The wireguard collector in the lab guest: two WireGuard interfaces in two namespaces that
// exchange traffic, a peer that never completes a handshake and more peers than the cap,
// compared with `wg show all dump` in the same namespace.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CollectContext } from '../../src/collectors/types.js';
import { wireguardCollector } from '../../src/collectors/wireguard.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { seriesOf } from '../kernel/ethtool-tool.js';
import { testConfig, testContext } from '../support/config.js';
import { type ParsedFamily, parseExposition } from '../support/exposition-parser.js';
import { assertLabGuest, createNetns, type Netns, run } from './support.js';

assertLabGuest();

// Throw-away keys made with `wg genkey` and `wg pubkey` for this test; they protect nothing.
const KEY_A = 'gCvjBhwxM2Is8zunBeYM678+LuzBCvG598dIh8Q6q1E=';
const KEY_B = 'aCHDbLEhDUc/7dLeFtFb2xWlTueLTBAUv/YfA22mWHQ=';
const PUB_A = 'mkVSsIfcR2Plzw3BbJc+UDk4FggoJ4diCi1OsnzEN2I=';
const PUB_B = 'aH8j2+4vNah6iH6uvHdEChK3/bSta7Cscz8ozABjXD8=';
const PUB_IDLE = 'y0DJASLHTiEF6f+66KzhC2mqr2yPJm4VUMX4mc7qzAI=';
const PUB_EXTRA = [
  '/TQNHyPlABirlyeVuv6E4V92mVxgRj3gyBiIr8nW4kg=',
  'Ruyv8Uut01L4fwSTC7JDG3DiLzSh3kvksopPCL9DeSo=',
  '2xEfuvLtXIXSEa5ZxE3fTAIhvvxDqWRIbvjmu3e2CWQ=',
];
const MAX_PEERS = 3;

function buildScene(t: Parameters<typeof createNetns>[0]): { a: Netns; b: Netns } {
  const a = createNetns(t, 'wg-a');
  const b = createNetns(t, 'wg-b');
  const dir = mkdtempSync(join(tmpdir(), 'nlx-wg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a'), `${KEY_A}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'b'), `${KEY_B}\n`, { mode: 0o600 });
  run('ip', [
    'link',
    'add',
    'wgv0',
    'netns',
    a.name,
    'type',
    'veth',
    'peer',
    'name',
    'wgv1',
    'netns',
    b.name,
  ]);
  for (const [ns, dev, addr] of [
    [a, 'wgv0', '192.0.2.1/24'],
    [b, 'wgv1', '192.0.2.2/24'],
  ] as const) {
    run('ip', ['-n', ns.name, 'addr', 'add', addr, 'dev', dev]);
    run('ip', ['-n', ns.name, 'link', 'set', dev, 'up']);
    run('ip', ['-n', ns.name, 'link', 'add', 'wg0', 'type', 'wireguard']);
  }
  a.exec('wg', [
    'set',
    'wg0',
    'listen-port',
    '51820',
    'fwmark',
    '0x2a',
    'private-key',
    join(dir, 'a'),
    'peer',
    PUB_B,
    'allowed-ips',
    '10.7.0.2/32,fd07::2/128',
    'endpoint',
    '192.0.2.2:51821',
    'peer',
    PUB_IDLE,
    'allowed-ips',
    '10.7.1.0/24',
    'persistent-keepalive',
    '25',
    'peer',
    PUB_EXTRA[0]!,
    'peer',
    PUB_EXTRA[1]!,
    'allowed-ips',
    '10.7.2.0/24',
    'peer',
    PUB_EXTRA[2]!,
  ]);
  b.exec('wg', [
    'set',
    'wg0',
    'listen-port',
    '51821',
    'private-key',
    join(dir, 'b'),
    'peer',
    PUB_A,
    'allowed-ips',
    '10.7.0.1/32',
    'endpoint',
    '192.0.2.1:51820',
  ]);
  for (const [ns, addr] of [
    [a, '10.7.0.1/24'],
    [b, '10.7.0.2/24'],
  ] as const) {
    run('ip', ['-n', ns.name, 'addr', 'add', addr, 'dev', 'wg0']);
    run('ip', ['-n', ns.name, 'link', 'set', 'wg0', 'up']);
  }
  a.exec('ping', ['-c', '3', '-i', '0.2', '-W', '10', '10.7.0.2']);
  return { a, b };
}

interface Scrape {
  readonly families: Map<string, ParsedFamily>;
  readonly capDropped: Map<string, number>;
  readonly readAt: number;
}

async function scrape(netns: Netns): Promise<Scrape> {
  const base = testContext(testConfig({ wireguardMaxPeers: MAX_PEERS }), {
    netns: `/run/netns/${netns.name}`,
  });
  const capDropped = new Map<string, number>();
  const ctx: CollectContext = {
    ...base,
    stats: {
      ...base.stats,
      addCapDropped: (cap, n) => capDropped.set(cap, (capDropped.get(cap) ?? 0) + n),
    },
  };
  assert.deepStrictEqual(await wireguardCollector.probe(ctx), { kind: 'available' });
  const families = await wireguardCollector.collect(ctx);
  return {
    families: parseExposition(encodeFamilies(families, 'text'), 'text'),
    capDropped,
    readAt: Date.now() / 1000,
  };
}

/** Builds the expected series from `wg show all dump`; handshake ages are checked apart. */
function expectedSeries(dump: string): { series: string[]; handshakes: Map<string, number> } {
  const out: string[] = [];
  const handshakes = new Map<string, number>();
  const peersOf = new Map<string, number>();
  for (const line of dump.trim().split('\n')) {
    const f = line.split('\t');
    const dev = f[0]!;
    if (f.length === 5) {
      out.push(`nft_wireguard_device_info{interface="${dev}"} 1`);
      out.push(`nft_wireguard_device_listen_port{interface="${dev}"} ${f[3]}`);
      out.push(
        `nft_wireguard_device_fwmark{interface="${dev}"} ${f[4] === 'off' ? 0 : Number(f[4])}`,
      );
      peersOf.set(dev, 0);
      continue;
    }
    const index = peersOf.get(dev) ?? 0;
    peersOf.set(dev, index + 1);
    if (index >= MAX_PEERS) continue;
    const labels = `interface="${dev}",peer="${f[1]}"`;
    const allowed = f[4] === '(none)' ? 0 : f[4]!.split(',').length;
    out.push(`nft_wireguard_peer_allowed_ips{${labels}} ${allowed}`);
    out.push(`nft_wireguard_peer_receive_bytes_total{${labels}} ${f[6]}`);
    out.push(`nft_wireguard_peer_transmit_bytes_total{${labels}} ${f[7]}`);
    out.push(
      `nft_wireguard_peer_persistent_keepalive_seconds{${labels}} ${f[8] === 'off' ? 0 : f[8]}`,
    );
    if (f[5] === '0') out.push(`nft_wireguard_peer_last_handshake_seconds{${labels}} +Inf`);
    else handshakes.set(f[1]!, Number(f[5]));
  }
  for (const [dev, count] of peersOf)
    out.push(`nft_wireguard_device_peers{interface="${dev}"} ${count}`);
  return { series: out.sort(), handshakes };
}

test('wireguard series match wg show dump', async (t) => {
  const { a, b } = buildScene(t);
  for (const netns of [a, b]) {
    const { families, capDropped, readAt } = await scrape(netns);
    const { series, handshakes } = expectedSeries(netns.exec('wg', ['show', 'all', 'dump']));
    const timestamps = seriesOf(families, 'nft_wireguard_peer_last_handshake_timestamp_seconds');
    const ages = seriesOf(families, 'nft_wireguard_peer_last_handshake_seconds').filter(
      (s) => !s.endsWith('+Inf'),
    );
    const rest = seriesOf(families, 'nft_wireguard_').filter(
      (s) => !timestamps.includes(s) && !ages.includes(s),
    );
    assert.deepStrictEqual(rest, series, `namespace ${netns.name}`);

    // wg prints whole seconds; the collector keeps the nanoseconds.
    assert.deepStrictEqual(
      timestamps.map((s) => [/peer="([^"]+)"/.exec(s)?.[1], Math.floor(Number(s.split(' ')[1]))]),
      [...handshakes].sort(),
    );
    for (const age of ages) {
      const value = Number(age.split(' ')[1]);
      assert.ok(value >= 0 && value <= readAt - Math.min(...handshakes.values()) + 1, age);
    }
    assert.deepStrictEqual(
      [...capDropped],
      [['wireguard_peers', netns === a ? 2 : 0]],
      `namespace ${netns.name}`,
    );
  }
});
