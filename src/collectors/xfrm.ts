// xfrm collector: IPsec SA and policy counts, SA traffic and drop sums and SAs past their
// lifetime limits, summed per protocol and mode, and the SAD and SPD hash table sizes. It
// reads one XFRM_MSG_GETSA and XFRM_MSG_GETPOLICY dump and the GETSADINFO and GETSPDINFO
// summaries per scrape. No series is labelled per SA.

import { dumpPolicies, dumpSas, getSadInfo, getSpdInfo } from '../families/xfrm/client.js';
import {
  ACTION_NAMES,
  DIR_NAMES,
  MODE_NAMES,
  PROTO_NAMES,
  XFRM_POLICY_MAX,
} from '../families/xfrm/constants.js';
import type { PolicySnapshot, SadInfo, SaSnapshot, SpdInfo } from '../families/xfrm/parse.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_XFRM } from '../netlink/constants.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const SA = 'XFRM_MSG_NEWSA xfrm_usersa_info';

/** Every family of this collector. */
const D = {
  saEntries: {
    name: 'nft_xfrm_security_associations',
    type: 'gauge',
    help: 'Security associations (SAs) by protocol (esp, ah, comp ...) and mode (transport, tunnel, beet ...), larval SAs included.',
    labels: ['proto', 'mode'],
    source: `${SA} id.proto and mode`,
  },
  saBytes: {
    name: 'nft_xfrm_sa_processed_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Bytes processed by the SAs that exist now, summed by protocol and mode. Falls when SAs are deleted or rekeyed.',
    labels: ['proto', 'mode'],
    source: `${SA} curlft.bytes`,
  },
  saPackets: {
    name: 'nft_xfrm_sa_processed_packets',
    type: 'gauge',
    help: 'Packets processed by the SAs that exist now, summed by protocol and mode. Falls when SAs are deleted or rekeyed.',
    labels: ['proto', 'mode'],
    source: `${SA} curlft.packets`,
  },
  saDropped: {
    name: 'nft_xfrm_sa_dropped_packets',
    type: 'gauge',
    help: 'Packets dropped by the SAs that exist now, summed by protocol, mode and reason: outside the replay window (replay_window), replayed (replay), failed integrity check (integrity_failed). Falls when SAs are deleted.',
    labels: ['proto', 'mode', 'reason'],
    source: `${SA} stats.replay_window, stats.replay, stats.integrity_failed`,
  },
  saLimitReached: {
    name: 'nft_xfrm_sa_limit_reached',
    type: 'gauge',
    help: 'SAs that reached their soft or hard lifetime limit (bytes, packets, seconds since added or first used) at scrape time, by protocol and mode.',
    labels: ['proto', 'mode', 'limit'],
    source: `${SA} lft and curlft`,
  },
  spEntries: {
    name: 'nft_xfrm_security_policies',
    type: 'gauge',
    help: 'Security policies by direction (in, out, fwd) and action (allow, block), per-socket policies excluded.',
    labels: ['dir', 'action'],
    source: 'XFRM_MSG_NEWPOLICY xfrm_userpolicy_info dir and action',
  },
  socketPolicies: {
    name: 'nft_xfrm_socket_policies',
    type: 'gauge',
    help: 'Per-socket security policies (setsockopt IP_XFRM_POLICY) by direction.',
    labels: ['dir'],
    source: 'XFRM_MSG_NEWSPDINFO XFRMA_SPD_INFO inscnt, outscnt, fwdscnt',
  },
  sadBuckets: {
    name: 'nft_xfrm_sad_hash_buckets',
    type: 'gauge',
    help: 'Buckets of the SA database hash tables.',
    labels: [],
    source: 'XFRM_MSG_NEWSADINFO XFRMA_SAD_HINFO sadhcnt',
  },
  sadMaxBuckets: {
    name: 'nft_xfrm_sad_hash_max_buckets',
    type: 'gauge',
    help: 'Maximum buckets the SA database hash tables may grow to.',
    labels: [],
    source: 'XFRM_MSG_NEWSADINFO XFRMA_SAD_HINFO sadhmcnt',
  },
  spdBuckets: {
    name: 'nft_xfrm_spd_hash_buckets',
    type: 'gauge',
    help: 'Buckets of the policy database index hash table (the hash mask the kernel reports, plus 1).',
    labels: [],
    source: 'XFRM_MSG_NEWSPDINFO XFRMA_SPD_HINFO spdhcnt',
  },
  spdMaxBuckets: {
    name: 'nft_xfrm_spd_hash_max_buckets',
    type: 'gauge',
    help: 'Maximum buckets the policy database hash tables may grow to.',
    labels: [],
    source: 'XFRM_MSG_NEWSPDINFO XFRMA_SPD_HINFO spdhmcnt',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Everything one scrape reads from the kernel. */
export interface XfrmSnapshot {
  readonly sas: readonly SaSnapshot[];
  readonly policies: readonly PolicySnapshot[];
  readonly sad: SadInfo | undefined;
  readonly spd: SpdInfo | undefined;
}

/** Lifetime limits of an SA that were reached. */
export interface LimitsReached {
  readonly soft: boolean;
  readonly hard: boolean;
}

function limitReached(
  sa: SaSnapshot,
  now: bigint,
  bytes: bigint,
  packets: bigint,
  addExpires: bigint,
  useExpires: bigint,
): boolean {
  if (sa.bytes >= bytes || sa.packets >= packets) return true;
  if (addExpires !== 0n && now >= sa.addTime + addExpires) return true;
  // The use limit runs from the first use, so an SA never used has not reached it.
  return useExpires !== 0n && sa.useTime !== 0n && now >= sa.useTime + useExpires;
}

/**
 * Reports which lifetime limits `sa` reached at `nowSeconds` (Unix time), by the rules of
 * the kernel's xfrm_state_check_expire and xfrm_timer_handler. A limit is reached when the
 * byte or packet count is at or above it, or when its time ran out since the SA was added or
 * first used.
 */
export function limitsReached(sa: SaSnapshot, nowSeconds: number): LimitsReached {
  const now = BigInt(Math.floor(nowSeconds));
  return {
    soft: limitReached(
      sa,
      now,
      sa.softByteLimit,
      sa.softPacketLimit,
      sa.softAddExpiresSeconds,
      sa.softUseExpiresSeconds,
    ),
    hard: limitReached(
      sa,
      now,
      sa.hardByteLimit,
      sa.hardPacketLimit,
      sa.hardAddExpiresSeconds,
      sa.hardUseExpiresSeconds,
    ),
  };
}

function protoLabel(proto: number): string {
  return PROTO_NAMES[proto] ?? 'other';
}

function modeLabel(mode: number): string {
  return MODE_NAMES[mode] ?? 'other';
}

/** Sums of the SAs of one protocol and mode. */
interface SaGroup {
  readonly proto: string;
  readonly mode: string;
  entries: number;
  bytes: bigint;
  packets: bigint;
  replayWindowFailures: number;
  replayFailures: number;
  integrityFailures: number;
  soft: number;
  hard: number;
}

function groupSas(sas: readonly SaSnapshot[], nowSeconds: number): SaGroup[] {
  const groups = new Map<string, SaGroup>();
  for (const sa of sas) {
    const proto = protoLabel(sa.proto);
    const mode = modeLabel(sa.mode);
    const key = `${proto}\0${mode}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        proto,
        mode,
        entries: 0,
        bytes: 0n,
        packets: 0n,
        replayWindowFailures: 0,
        replayFailures: 0,
        integrityFailures: 0,
        soft: 0,
        hard: 0,
      };
      groups.set(key, group);
    }
    const reached = limitsReached(sa, nowSeconds);
    group.entries += 1;
    group.bytes += sa.bytes;
    group.packets += sa.packets;
    group.replayWindowFailures += sa.replayWindowFailures;
    group.replayFailures += sa.replayFailures;
    group.integrityFailures += sa.integrityFailures;
    if (reached.soft) group.soft += 1;
    if (reached.hard) group.hard += 1;
  }
  return [...groups.values()];
}

function saFamilies(sas: readonly SaSnapshot[], nowSeconds: number): MetricFamily[] {
  const entries = family(D.saEntries);
  const bytes = family(D.saBytes);
  const packets = family(D.saPackets);
  const dropped = family(D.saDropped);
  const limit = family(D.saLimitReached);
  for (const g of groupSas(sas, nowSeconds)) {
    addSample(entries, g.entries, g.proto, g.mode);
    addSample(bytes, g.bytes, g.proto, g.mode);
    addSample(packets, g.packets, g.proto, g.mode);
    addSample(dropped, g.replayWindowFailures, g.proto, g.mode, 'replay_window');
    addSample(dropped, g.replayFailures, g.proto, g.mode, 'replay');
    addSample(dropped, g.integrityFailures, g.proto, g.mode, 'integrity_failed');
    addSample(limit, g.soft, g.proto, g.mode, 'soft');
    addSample(limit, g.hard, g.proto, g.mode, 'hard');
  }
  return [entries, bytes, packets, dropped, limit];
}

function policyFamilies(snap: XfrmSnapshot): MetricFamily[] {
  const policies = family(D.spEntries);
  const counts = new Map<string, number>();
  for (const policy of snap.policies) {
    // Per-socket policies are counted from XFRMA_SPD_INFO instead.
    if (policy.dir >= XFRM_POLICY_MAX) continue;
    const key = `${DIR_NAMES[policy.dir] ?? 'other'}\0${ACTION_NAMES[policy.action] ?? 'other'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of counts) addSample(policies, count, ...key.split('\0'));

  const socketPolicies = family(D.socketPolicies);
  const bySocket = snap.spd?.socketPolicies;
  if (bySocket !== undefined) {
    addSample(socketPolicies, bySocket.in, 'in');
    addSample(socketPolicies, bySocket.out, 'out');
    addSample(socketPolicies, bySocket.fwd, 'fwd');
  }
  return [policies, socketPolicies];
}

function hashFamilies(snap: XfrmSnapshot): MetricFamily[] {
  const sadBuckets = family(D.sadBuckets);
  const sadMax = family(D.sadMaxBuckets);
  const spdBuckets = family(D.spdBuckets);
  const spdMax = family(D.spdMaxBuckets);
  if (snap.sad?.hashBuckets !== undefined) addSample(sadBuckets, snap.sad.hashBuckets);
  if (snap.sad?.hashMaxBuckets !== undefined) addSample(sadMax, snap.sad.hashMaxBuckets);
  if (snap.spd?.hashMask !== undefined) addSample(spdBuckets, snap.spd.hashMask + 1);
  if (snap.spd?.hashMaxBuckets !== undefined) addSample(spdMax, snap.spd.hashMaxBuckets);
  return [sadBuckets, sadMax, spdBuckets, spdMax];
}

/** Builds the families of one scrape. `nowSeconds` (Unix time) decides the time limits. */
export function xfrmFamilies(snap: XfrmSnapshot, nowSeconds: number): MetricFamily[] {
  return [...saFamilies(snap.sas, nowSeconds), ...policyFamilies(snap), ...hashFamilies(snap)];
}

async function readSnapshot(ctx: CollectContext): Promise<XfrmSnapshot> {
  return withSocket(ctx, NETLINK_XFRM, async (socket) => {
    const opts = dumpOptions(ctx);
    const sas = await dumpSas(socket, opts);
    const policies = await dumpPolicies(socket, opts);
    const sad = await getSadInfo(socket, opts);
    const spd = await getSpdInfo(socket, opts);
    ctx.stats.addDumpRestarts(sas.restarts + policies.restarts);
    return { sas: sas.items, policies: policies.items, sad, spd };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    await withSocket(ctx, NETLINK_XFRM, (socket) => getSadInfo(socket, dumpOptions(ctx)));
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'XFRM_MSG_GETSADINFO request');
  }
}

/** The xfrm collector. */
export const xfrmCollector = registerCollector({
  name: 'xfrm',
  descriptors: Object.values(D),
  interfaceScoped: false,
  probe,
  collect: async (ctx) => xfrmFamilies(await readSnapshot(ctx), Date.now() / 1000),
});
