// The xfrm collector on complete ESP and AH SAs with traffic, which the CI kernel cannot make
// because it lacks the transforms. Two namespaces joined by a veth pair run IPsec in transport
// mode. The ESP SA from A to B has a soft byte limit at A and a wrong authentication key at B,
// so B drops its packets as integrity failures. Every series in both namespaces is compared
// with `ip -s xfrm` there.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { xfrmCollector } from '../../src/collectors/xfrm.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { expectedSeries, scrapedSeries } from '../kernel/xfrm-ip.js';
import { testConfig, testContext } from '../support/config.js';
import { assertLabGuest, createNetns, type Netns, run } from './support.js';

assertLabGuest();

const A = '10.9.0.1';
const B = '10.9.0.2';
const AUTH_KEY = '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const WRONG_AUTH_KEY = '0xfedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210';
const ENC_KEY = '0x00112233445566778899aabbccddeeff';

/** Runs `ip -batch` in `netns`: one process for many commands, because each costs 0.1 to 0.5 s. */
function ipBatch(netns: Netns, lines: readonly string[]): void {
  execFileSync('ip', ['-n', netns.name, '-batch', '-'], {
    input: `${lines.join('\n')}\n`,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** Returns the ESP SA from A to B. `authKey` differs at B, which makes integrity failures. */
function espState(authKey: string, extra = ''): string {
  return `xfrm state add src ${A} dst ${B} proto esp spi 0x100 mode transport auth hmac(sha256) ${authKey} enc cbc(aes) ${ENC_KEY}${extra}`;
}

/** The AH SA from B to A. */
const AH_STATE = `xfrm state add src ${B} dst ${A} proto ah spi 0x200 mode transport auth hmac(sha256) ${AUTH_KEY}`;

/** Returns policies that send to `remote` with `outProto` and expect `inProto` from it. */
function policies(local: string, remote: string, outProto: string, inProto: string): string[] {
  return [
    `xfrm policy add src ${local} dst ${remote} dir out tmpl src ${local} dst ${remote} proto ${outProto} mode transport`,
    `xfrm policy add src ${remote} dst ${local} dir in tmpl src ${remote} dst ${local} proto ${inProto} mode transport`,
  ];
}

/** Pings `to` from `netns` and ignores losses, which the wrong key causes on purpose. */
function ping(netns: Netns, to: string): void {
  try {
    netns.exec('ping', ['-c', '3', '-i', '0.2', '-W', '1', to]);
  } catch {
    // Lost replies are expected.
  }
}

async function collect(netns: Netns): Promise<string> {
  const ctx = testContext(testConfig(), { netns: `/run/netns/${netns.name}` });
  return encodeFamilies(await xfrmCollector.collect(ctx), 'text');
}

test('xfrm matches ip -s xfrm with ESP and AH traffic', async (t) => {
  const a = createNetns(t, 'xfrma');
  const b = createNetns(t, 'xfrmb');
  run('ip', [
    '-n',
    a.name,
    'link',
    'add',
    'va',
    'type',
    'veth',
    'peer',
    'name',
    'vb',
    'netns',
    b.name,
  ]);
  ipBatch(a, [
    'link set lo up',
    `addr add ${A}/24 dev va`,
    'link set va up',
    espState(AUTH_KEY, ' limit byte-soft 200'),
    AH_STATE,
    ...policies(A, B, 'esp', 'ah'),
  ]);
  ipBatch(b, [
    'link set lo up',
    `addr add ${B}/24 dev vb`,
    'link set vb up',
    espState(WRONG_AUTH_KEY),
    AH_STATE,
    ...policies(B, A, 'ah', 'esp'),
  ]);

  ping(a, B);
  ping(b, A);

  const scraped: Record<string, string>[] = [];
  for (const netns of [a, b]) {
    const series = scrapedSeries(await collect(netns));
    const now = BigInt(Math.floor(Date.now() / 1000));
    const ip = (...args: string[]): string => run('ip', ['-n', netns.name, ...args]);
    assert.deepStrictEqual(series, expectedSeries(ip, now), netns.name);
    scraped.push(series);
  }

  // The scene itself, so that a scene that moved no traffic cannot pass unnoticed.
  const [atA, atB] = scraped as [Record<string, string>, Record<string, string>];
  assert.deepStrictEqual(
    {
      softLimitAtA: atA['nft_xfrm_sa_limit_reached{proto="esp",mode="transport",limit="soft"}'],
      ahPacketsAtA: Number(atA['nft_xfrm_sa_processed_packets{proto="ah",mode="transport"}']) > 0,
      integrityAtB:
        Number(
          atB[
            'nft_xfrm_sa_dropped_packets{proto="esp",mode="transport",reason="integrity_failed"}'
          ],
        ) > 0,
    },
    { softLimitAtA: '1', ahPacketsAtA: true, integrityAtB: true },
  );
});
