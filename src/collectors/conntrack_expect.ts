// conntrack_expect collector: conntrack expectations (the related connections that helpers
// such as ftp, sip or tftp announce) counted by layer-4 protocol and helper, and the
// per-CPU expectation counters summed over CPUs. One IPCTNL_MSG_EXP_GET dump and one
// IPCTNL_MSG_EXP_GET_STATS_CPU dump per scrape; every expectation is counted.

import { dumpExpCpuStats, dumpExpectations } from '../families/conntrack/client.js';
import type { ExpCpuStatsSnapshot, ExpectationSnapshot } from '../families/conntrack/parse.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_NETFILTER } from '../netlink/constants.js';
import { dumpOptions, withSocket } from './netlink.js';
import { netfilterProbeFailure } from './nfnetlink_probe.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const EXP_STATS = 'IPCTNL_MSG_EXP_GET_STATS_CPU';

const D = {
  expectations: {
    name: 'nft_conntrack_expectations',
    type: 'gauge',
    help: 'Conntrack expectations by layer-4 protocol of the expected connection and by the helper that created them (empty when made from userspace without one), in expectations.',
    labels: ['l4proto', 'helper'],
    source:
      'IPCTNL_MSG_EXP_GET CTA_EXPECT_TUPLE.CTA_TUPLE_PROTO.CTA_PROTO_NUM, CTA_EXPECT_HELP_NAME',
  },
  created: {
    name: 'nft_conntrack_expectation_create_total',
    type: 'counter',
    help: 'Expectations created, summed over CPUs, in expectations.',
    labels: [],
    source: `${EXP_STATS} CTA_STATS_EXP_CREATE`,
  },
  matched: {
    name: 'nft_conntrack_expectation_new_total',
    type: 'counter',
    help: 'Connections created from an expectation, summed over CPUs, in connections.',
    labels: [],
    source: `${EXP_STATS} CTA_STATS_EXP_NEW`,
  },
  deleted: {
    name: 'nft_conntrack_expectation_delete_total',
    type: 'counter',
    help: 'Expectations removed (used, expired or deleted), summed over CPUs, in expectations.',
    labels: [],
    source: `${EXP_STATS} CTA_STATS_EXP_DELETE`,
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Names of layer-4 protocols (IANA protocol numbers) as `conntrack -L` prints them. */
const L4PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  33: 'dccp',
  47: 'gre',
  58: 'icmpv6',
  132: 'sctp',
  136: 'udplite',
};

/** Returns the `l4proto` label of a protocol number: its name, the number, or `unknown`. */
export function l4protoLabel(l4proto: number | undefined): string {
  if (l4proto === undefined) return 'unknown';
  return L4PROTO_NAMES[l4proto] ?? String(l4proto);
}

/** Everything one scrape reads from the kernel. */
export interface ConntrackExpectSnapshot {
  readonly expectations: readonly ExpectationSnapshot[];
  readonly cpus: readonly ExpCpuStatsSnapshot[];
}

function sumOver(
  cpus: readonly ExpCpuStatsSnapshot[],
  field: 'new' | 'create' | 'delete',
): number | undefined {
  let total: number | undefined;
  for (const cpu of cpus) {
    const value = cpu[field];
    if (value !== undefined) total = (total ?? 0) + value;
  }
  return total;
}

/** Builds the families of one scrape from a snapshot. */
export function conntrackExpectFamilies(snap: ConntrackExpectSnapshot): MetricFamily[] {
  const counts = new Map<string, number>();
  for (const exp of snap.expectations) {
    const key = `${l4protoLabel(exp.l4proto)}\0${exp.helper}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const expectations = family(D.expectations);
  for (const [key, count] of counts) addSample(expectations, count, ...key.split('\0'));

  const out = [expectations];
  for (const [desc, field] of [
    [D.created, 'create'],
    [D.matched, 'new'],
    [D.deleted, 'delete'],
  ] as const) {
    const fam = family(desc);
    const total = sumOver(snap.cpus, field);
    if (total !== undefined) addSample(fam, total);
    out.push(fam);
  }
  return out;
}

async function readSnapshot(ctx: CollectContext): Promise<ConntrackExpectSnapshot> {
  return withSocket(ctx, NETLINK_NETFILTER, async (socket) => {
    const opts = dumpOptions(ctx);
    const expectations = await dumpExpectations(socket, opts);
    const cpus = await dumpExpCpuStats(socket, opts);
    ctx.stats.addDumpRestarts(expectations.restarts + cpus.restarts);
    return { expectations: expectations.items, cpus: cpus.items };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    await withSocket(ctx, NETLINK_NETFILTER, (socket) =>
      dumpExpectations(socket, dumpOptions(ctx)),
    );
    return { kind: 'available' };
  } catch (err) {
    return netfilterProbeFailure(
      err,
      'IPCTNL_MSG_EXP_GET dump',
      'ctnetlink (nf_conntrack_netlink)',
    );
  }
}

/** The conntrack_expect collector. */
export const conntrackExpectCollector = registerCollector({
  name: 'conntrack_expect',
  descriptors: Object.values(D),
  interfaceScoped: false,
  probe,
  collect: async (ctx) => conntrackExpectFamilies(await readSnapshot(ctx)),
});
