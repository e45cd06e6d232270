// The xfrm collector end to end: SAs and policies made with `ip xfrm` in a fresh namespace,
// the real exporter running there, and every series checked against `ip -s xfrm`.
//
// Kernels without ESP, AH and IPcomp transforms (CONFIG_INET_ESP and friends unset, as on the
// CI machine) reject complete SAs of those protocols with "Requested type not found", and
// without CONFIG_IPV6_MIP6 route2 and hao SAs too. Larval SAs (`ip xfrm state allocspi`)
// need no transform, so the host test uses them; SAs with traffic run in the kernel lab VM.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startExporter } from '../support/exporter.js';
import { parseExposition } from '../support/exposition-parser.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { requireKernel, type TestNamespace, testNamespace } from '../support/netns.js';

const SOCKET_POLICIES = join(REPO_ROOT, 'test', 'kernel', 'xfrm_socket_policies.py');

/** Larval SAs by addresses, protocol and mode. */
const SAS = [
  'src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 7',
  'src 10.0.0.1 dst 10.0.0.3 proto esp mode tunnel',
  'src 10.0.0.1 dst 10.0.0.4 proto esp mode transport',
  'src 10.0.0.1 dst 10.0.0.5 proto esp mode beet',
  'src 2001:db8::1 dst 2001:db8::2 proto ah mode transport',
  'src 10.0.0.1 dst 10.0.0.6 proto comp mode tunnel',
];

/** Policies in every direction with both actions, a sub policy and an IPv6 one. */
const POLICIES = [
  'src 10.1.0.0/24 dst 10.0.0.0/24 dir out action allow tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel',
  'src 10.2.0.0/24 dst 10.0.0.0/24 dir out action block',
  'src fd00::/64 dst fd01::/64 dir out priority 5 tmpl src fd00::1 dst fd01::1 proto esp mode tunnel',
  'src 10.0.0.0/24 dst 10.1.0.0/24 dir in action allow',
  'src 10.0.0.0/24 dst 10.2.0.0/24 dir in ptype sub action block',
  'src 10.3.0.0/24 dst 10.4.0.0/24 dir fwd action allow',
  'src 10.5.0.0/24 dst 10.6.0.0/24 dir fwd action block',
];

type Series = Record<string, string>;

function key(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return `${name}{${pairs.join(',')}}`;
}

function sortKeys(series: Series): Series {
  return Object.fromEntries(Object.entries(series).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Returns every nft_xfrm_* series of a scrape as `name{labels}` → value. */
function scrapedSeries(text: string): Series {
  const series: Series = {};
  for (const [name, fam] of parseExposition(text, 'text')) {
    if (!name.startsWith('nft_xfrm_')) continue;
    for (const sample of fam.samples) series[key(sample.name, sample.labels)] = sample.value;
  }
  return sortKeys(series);
}

/** One SA as `ip -s xfrm state` prints it. */
interface IpSa {
  readonly proto: string;
  readonly mode: string;
  readonly bytes: bigint;
  readonly packets: bigint;
  readonly replayWindow: number;
  readonly replay: number;
  readonly failed: number;
  readonly soft: boolean;
  readonly hard: boolean;
}

function match(block: string, pattern: RegExp): RegExpExecArray {
  const found = pattern.exec(block);
  if (found === null) throw new Error(`ip xfrm output lacks ${pattern}:\n${block}`);
  return found;
}

/** Splits `ip -s xfrm` output into one block per object; each starts at an unindented line. */
function blocks(output: string): string[] {
  return output
    .split(/\n(?=\S)/)
    .map((block) => block.trim())
    .filter((block) => block !== '');
}

/** Parses a limit as ip prints it: `(INF)` or a number. */
function limit(text: string): bigint {
  return text === '(INF)' ? 0xffffffffffffffffn : BigInt(text);
}

/** Parses ip's local `YYYY-MM-DD HH:MM:SS` time to Unix seconds. */
function localSeconds(text: string): bigint {
  const [date, time] = text.split(' ') as [string, string];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  return BigInt(new Date(y, mo - 1, d, h, mi, s).getTime() / 1000);
}

/**
 * Parses `ip -s xfrm state`, and decides for each SA whether a soft or hard limit is reached
 * at `now`: bytes or packets at the limit, or a time limit run out since add or first use.
 */
function parseStates(output: string, now: bigint): IpSa[] {
  return blocks(output).map((block) => {
    const [, proto, mode] = match(block, /proto (\S+) spi \S+ reqid \S+ mode (\S+)/);
    const byteLimits = match(block, /limit: soft (\S+)\(bytes\), hard (\S+)\(bytes\)/);
    const packetLimits = match(block, /limit: soft (\S+)\(packets\), hard (\S+)\(packets\)/);
    const add = match(block, /expire add: soft (\d+)\(sec\), hard (\d+)\(sec\)/);
    const use = match(block, /expire use: soft (\d+)\(sec\), hard (\d+)\(sec\)/);
    const [, bytes, packets] = match(block, /lifetime current:\s+(\d+)\(bytes\), (\d+)\(packets\)/);
    const [, addTime, useTime] = match(block, /add (\S+ \S+) use (-|\S+ \S+)/);
    const [, replayWindow, replay, failed] = match(
      block,
      /stats:\s+replay-window (\d+) replay (\d+) failed (\d+)/,
    );
    const added = localSeconds(addTime!);
    const used = useTime === '-' ? 0n : localSeconds(useTime!);
    const reached = (i: 1 | 2): boolean => {
      if (BigInt(bytes!) >= limit(byteLimits[i]!)) return true;
      if (BigInt(packets!) >= limit(packetLimits[i]!)) return true;
      const addExpires = BigInt(add[i]!);
      if (addExpires !== 0n && now >= added + addExpires) return true;
      const useExpires = BigInt(use[i]!);
      return useExpires !== 0n && used !== 0n && now >= used + useExpires;
    };
    return {
      proto: proto!,
      mode: mode!,
      bytes: BigInt(bytes!),
      packets: BigInt(packets!),
      replayWindow: Number(replayWindow),
      replay: Number(replay),
      failed: Number(failed),
      soft: reached(1),
      hard: reached(2),
    };
  });
}

/**
 * Returns direction and action of every policy in `ip xfrm policy` output, leaving out the
 * per-socket policies, which ip prints as `socket in` or `socket out` without an action.
 */
function parsePolicies(output: string): { dir: string; action: string }[] {
  return blocks(output)
    .filter((block) => !/^\s+socket /m.test(block))
    .map((block) => {
      const [, dir, action] = match(block, /dir (\S+) action (\S+)/);
      return { dir: dir!, action: action! };
    });
}

/** Computes the series that `ip -s xfrm` output implies, by the rules of the help texts. */
function expectedSeries(ns: TestNamespace, now: bigint): Series {
  const series: Series = {};
  const add = (name: string, labels: Record<string, string>, value: bigint | number): void => {
    const k = key(name, labels);
    series[k] = String(BigInt(series[k] ?? 0) + BigInt(value));
  };
  for (const sa of parseStates(ns.ip('-s', 'xfrm', 'state'), now)) {
    const group = { proto: sa.proto, mode: sa.mode };
    add('nft_xfrm_security_associations', group, 1);
    add('nft_xfrm_sa_processed_bytes', group, sa.bytes);
    add('nft_xfrm_sa_processed_packets', group, sa.packets);
    add('nft_xfrm_sa_dropped_packets', { ...group, reason: 'replay_window' }, sa.replayWindow);
    add('nft_xfrm_sa_dropped_packets', { ...group, reason: 'replay' }, sa.replay);
    add('nft_xfrm_sa_dropped_packets', { ...group, reason: 'integrity_failed' }, sa.failed);
    add('nft_xfrm_sa_limit_reached', { ...group, limit: 'soft' }, sa.soft ? 1 : 0);
    add('nft_xfrm_sa_limit_reached', { ...group, limit: 'hard' }, sa.hard ? 1 : 0);
  }
  for (const policy of parsePolicies(ns.ip('-s', 'xfrm', 'policy'))) {
    add('nft_xfrm_security_policies', policy, 1);
  }

  const spd = ns.ip('-s', '-s', 'xfrm', 'policy', 'count');
  const [, sockIn, sockOut, sockFwd] = match(spd, /Sock: IN (\d+) OUT (\d+) FWD (\d+)/);
  add('nft_xfrm_socket_policies', { dir: 'in' }, Number(sockIn));
  add('nft_xfrm_socket_policies', { dir: 'out' }, Number(sockOut));
  add('nft_xfrm_socket_policies', { dir: 'fwd' }, Number(sockFwd));
  // ip prints the hash mask that the kernel sends as the bucket count.
  const [, spdMask, spdMax] = match(spd, /SPD buckets: count (\d+) Max (\d+)/);
  add('nft_xfrm_spd_hash_buckets', {}, Number(spdMask) + 1);
  add('nft_xfrm_spd_hash_max_buckets', {}, Number(spdMax));
  const sad = ns.ip('-s', 'xfrm', 'state', 'count');
  const [, sadBuckets, sadMax] = match(sad, /buckets count (\d+) Max (\d+)/);
  add('nft_xfrm_sad_hash_buckets', {}, Number(sadBuckets));
  add('nft_xfrm_sad_hash_max_buckets', {}, Number(sadMax));
  return sortKeys(series);
}

/** Runs the socket policy helper in `ns` until the test ends. */
async function holdSocketPolicies(
  t: TestContext,
  ns: TestNamespace,
  inbound: number,
  outbound: number,
): Promise<void> {
  const child = spawn(
    'ip',
    ['netns', 'exec', ns.name, 'python3', SOCKET_POLICIES, String(inbound), String(outbound)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  t.after(() => {
    child.stdin.end();
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`socket policy helper exited with ${code}: ${stderr}`)),
    );
  });
}

test('xfrm matches ip -s xfrm', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'xfrm');
  // Larval SAs expire after net.core.xfrm_acq_expires seconds (30 by default).
  ns.exec('sysctl', '-qw', 'net.core.xfrm_acq_expires=3600');
  ns.ipBatch([
    ...SAS.map((sa) => `xfrm state allocspi ${sa}`),
    ...POLICIES.map((policy) => `xfrm policy add ${policy}`),
  ]);
  await holdSocketPolicies(t, ns, 1, 2);
  const exporter = await startExporter(ns);
  t.after(() => exporter.stop());

  const response = exporter.get('/metrics?collect[]=xfrm');
  assert.equal(response.status, 200);
  const now = BigInt(Math.floor(Date.now() / 1000));
  const expected = expectedSeries(ns, now);
  assert.deepStrictEqual(scrapedSeries(response.body), expected);

  // The scene itself, so that a scene that failed to build cannot pass unnoticed.
  assert.deepStrictEqual(
    {
      esp: expected['nft_xfrm_security_associations{proto="esp",mode="tunnel"}'],
      comp: expected['nft_xfrm_security_associations{proto="comp",mode="tunnel"}'],
      subIn: expected['nft_xfrm_security_policies{dir="in",action="block"}'],
      socketOut: expected['nft_xfrm_socket_policies{dir="out"}'],
    },
    { esp: '2', comp: '1', subIn: '1', socketOut: '2' },
  );
});
