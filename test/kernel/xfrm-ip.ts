// Expected xfrm series from `ip -s xfrm` output, for the host kernel test and the lab guest
// test: iproute2 is the oracle, and the sums follow the collector's help texts.

import { parseExposition } from '../support/exposition-parser.js';

/** Series as `name{label="value",...}` → value, in the order the exporter writes labels. */
export type Series = Record<string, string>;

/** Formats one series as `name{label="value",...}`. */
function key(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return `${name}{${pairs.join(',')}}`;
}

function sortKeys(series: Series): Series {
  return Object.fromEntries(Object.entries(series).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Returns every nft_xfrm_* series of an exposition as `name{labels}` → value. */
export function scrapedSeries(text: string): Series {
  const series: Series = {};
  for (const [name, fam] of parseExposition(text, 'text')) {
    if (!name.startsWith('nft_xfrm_')) continue;
    for (const sample of fam.samples) series[key(sample.name, sample.labels)] = sample.value;
  }
  return sortKeys(series);
}

/** One SA as `ip -s xfrm state` prints it. */
export interface IpSa {
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
export function parseStates(output: string, now: bigint): IpSa[] {
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
export function parsePolicies(output: string): { dir: string; action: string }[] {
  return blocks(output)
    .filter((block) => !/^\s+socket /m.test(block))
    .map((block) => {
      const [, dir, action] = match(block, /dir (\S+) action (\S+)/);
      return { dir: dir!, action: action! };
    });
}

/**
 * Computes the series that `ip -s xfrm` output implies, by the rules of the help texts. `ip`
 * runs iproute2's ip with the given arguments in the namespace under test.
 */
export function expectedSeries(ip: (...args: string[]) => string, now: bigint): Series {
  const series: Series = {};
  const add = (name: string, labels: Record<string, string>, value: bigint | number): void => {
    const k = key(name, labels);
    series[k] = String(BigInt(series[k] ?? 0) + BigInt(value));
  };
  for (const sa of parseStates(ip('-s', 'xfrm', 'state'), now)) {
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
  for (const policy of parsePolicies(ip('-s', 'xfrm', 'policy'))) {
    add('nft_xfrm_security_policies', policy, 1);
  }

  const spd = ip('-s', '-s', 'xfrm', 'policy', 'count');
  const [, sockIn, sockOut, sockFwd] = match(spd, /Sock: IN (\d+) OUT (\d+) FWD (\d+)/);
  add('nft_xfrm_socket_policies', { dir: 'in' }, Number(sockIn));
  add('nft_xfrm_socket_policies', { dir: 'out' }, Number(sockOut));
  add('nft_xfrm_socket_policies', { dir: 'fwd' }, Number(sockFwd));
  // ip prints the hash mask that the kernel sends as the bucket count.
  const [, spdMask, spdMax] = match(spd, /SPD buckets: count (\d+) Max (\d+)/);
  add('nft_xfrm_spd_hash_buckets', {}, Number(spdMask) + 1);
  add('nft_xfrm_spd_hash_max_buckets', {}, Number(spdMax));
  const sad = ip('-s', 'xfrm', 'state', 'count');
  const [, sadBuckets, sadMax] = match(sad, /buckets count (\d+) Max (\d+)/);
  add('nft_xfrm_sad_hash_buckets', {}, Number(sadBuckets));
  add('nft_xfrm_sad_hash_max_buckets', {}, Number(sadMax));
  return sortKeys(series);
}
