// conntrack collector: per-CPU connection tracking statistics summed over CPUs, and the
// table's entry count and limit, from one IPCTNL_MSG_CT_GET_STATS_CPU dump and one
// IPCTNL_MSG_CT_GET_STATS request per scrape. The connection table itself is never dumped,
// so a scrape costs the same with ten entries or a million.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dumpCtCpuStats, requestCtGlobalStats } from '../families/conntrack/client.js';
import {
  CT_STATS_FIELDS,
  type CtCpuStatsSnapshot,
  type CtStatsField,
} from '../families/conntrack/parse.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_NETFILTER } from '../netlink/constants.js';
import { dumpOptions, withSocket } from './netlink.js';
import { netfilterProbeFailure } from './nfnetlink_probe.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const CPU_STATS = 'IPCTNL_MSG_CT_GET_STATS_CPU';

/** Help text of each per-CPU counter, and the suffix of its attribute name CTA_STATS_<SUFFIX>. */
const FIELD_HELP: Readonly<Record<CtStatsField, readonly [string, string]>> = {
  found: ['Conntrack lookups that found an existing entry, in lookups', 'FOUND'],
  invalid: [
    'Packets that conntrack could not track or that a tracker marked invalid, in packets',
    'INVALID',
  ],
  insert: ['Entries inserted into the conntrack table, in entries', 'INSERT'],
  insert_failed: [
    'Entries that could not be inserted into the conntrack table, for example after a clash with an existing entry, in entries',
    'INSERT_FAILED',
  ],
  drop: [
    'Packets dropped because conntrack could not create or find an entry for them (table full, no memory), in packets',
    'DROP',
  ],
  early_drop: [
    'Unassured entries evicted early to make room in a full table, in entries',
    'EARLY_DROP',
  ],
  error: [
    'Packets that a protocol tracker rejected in its error check (mostly ICMP errors), in packets',
    'ERROR',
  ],
  search_restart: [
    'Table lookups restarted because the table changed during the search, in lookups',
    'SEARCH_RESTART',
  ],
  clash_resolve: [
    'Insert clashes resolved by reusing the existing entry, in events',
    'CLASH_RESOLVE',
  ],
  chaintoolong: ['Inserts refused because a hash chain was too long, in events', 'CHAIN_TOOLONG'],
};

function sumDescriptor(field: CtStatsField): MetricDescriptor {
  const [help, attr] = FIELD_HELP[field];
  return {
    name: `nft_conntrack_${field}_total`,
    type: 'counter',
    help: `${help}, summed over CPUs.`,
    labels: [],
    source: `${CPU_STATS} CTA_STATS_${attr}`,
  };
}

function cpuDescriptor(field: CtStatsField): MetricDescriptor {
  const [help, attr] = FIELD_HELP[field];
  return {
    name: `nft_conntrack_cpu_${field}_total`,
    type: 'counter',
    help: `${help}, per CPU (only with --collector.conntrack.per-cpu).`,
    labels: ['cpu'],
    source: `${CPU_STATS} CTA_STATS_${attr}`,
  };
}

/** Summed counters, one family per field, in CT_STATS_FIELDS order. */
const SUMS: readonly MetricDescriptor[] = CT_STATS_FIELDS.map(sumDescriptor);
/** Per-CPU counters, one family per field, in CT_STATS_FIELDS order. */
const PER_CPU: readonly MetricDescriptor[] = CT_STATS_FIELDS.map(cpuDescriptor);

/** Relative path under the procfs root of the table limit, read when netlink lacks it. */
export const CONNTRACK_MAX_FILE = 'sys/net/netfilter/nf_conntrack_max';

const D = {
  entries: {
    name: 'nft_conntrack_entries',
    type: 'gauge',
    help: 'Entries in the conntrack table, in entries.',
    labels: [],
    source: 'IPCTNL_MSG_CT_GET_STATS CTA_STATS_GLOBAL_ENTRIES',
  },
  maxEntries: {
    name: 'nft_conntrack_max_entries',
    type: 'gauge',
    help: `Size limit of the conntrack table (nf_conntrack_max), in entries; from netlink, or from /proc/${CONNTRACK_MAX_FILE} on kernels that do not send it.`,
    labels: [],
    source: `IPCTNL_MSG_CT_GET_STATS CTA_STATS_GLOBAL_MAX_ENTRIES, else /proc/${CONNTRACK_MAX_FILE}`,
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Everything one scrape reads from the kernel. */
export interface ConntrackSnapshot {
  readonly cpus: readonly CtCpuStatsSnapshot[];
  readonly entries: number | undefined;
  readonly maxEntries: number | undefined;
}

/**
 * Builds the families of one scrape. A counter the kernel did not send on any CPU gets no
 * series; `perCpu` adds the per-CPU families.
 */
export function conntrackFamilies(snap: ConntrackSnapshot, perCpu: boolean): MetricFamily[] {
  const out: MetricFamily[] = [];
  CT_STATS_FIELDS.forEach((field, i) => {
    const sum = family(SUMS[i]!);
    let total: number | undefined;
    for (const cpu of snap.cpus) {
      const value = cpu.stats[field];
      if (value !== undefined) total = (total ?? 0) + value;
    }
    if (total !== undefined) addSample(sum, total);
    out.push(sum);
    if (!perCpu) return;
    const byCpu = family(PER_CPU[i]!);
    for (const cpu of snap.cpus) {
      const value = cpu.stats[field];
      if (value !== undefined) addSample(byCpu, value, String(cpu.cpu));
    }
    out.push(byCpu);
  });

  const entries = family(D.entries);
  if (snap.entries !== undefined) addSample(entries, snap.entries);
  const maxEntries = family(D.maxEntries);
  if (snap.maxEntries !== undefined) addSample(maxEntries, snap.maxEntries);
  out.push(entries, maxEntries);
  return out;
}

/**
 * Reads nf_conntrack_max from `/proc/sys/net/netfilter` under `procfs`. Resolves undefined
 * when the file is missing or does not hold a number; other read errors reject.
 *
 * NOTE: the file shows the namespace of the exporter process, which is the one collected
 * unless the exporter reads another namespace through a netns path.
 */
export async function readConntrackMax(procfs: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(procfs, CONNTRACK_MAX_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

async function readSnapshot(ctx: CollectContext): Promise<ConntrackSnapshot> {
  const snap = await withSocket(ctx, NETLINK_NETFILTER, async (socket) => {
    const opts = dumpOptions(ctx);
    const cpus = await dumpCtCpuStats(socket, opts);
    const global = await requestCtGlobalStats(socket, opts);
    ctx.stats.addDumpRestarts(cpus.restarts);
    return { cpus: cpus.items, entries: global.entries, maxEntries: global.maxEntries };
  });
  if (snap.maxEntries !== undefined) return snap;
  return { ...snap, maxEntries: await readConntrackMax(ctx.config.pathProcfs) };
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    await withSocket(ctx, NETLINK_NETFILTER, (socket) => dumpCtCpuStats(socket, dumpOptions(ctx)));
    return { kind: 'available' };
  } catch (err) {
    return netfilterProbeFailure(
      err,
      'IPCTNL_MSG_CT_GET_STATS_CPU dump',
      'ctnetlink (nf_conntrack_netlink)',
    );
  }
}

/** The conntrack collector. */
export const conntrackCollector = registerCollector({
  name: 'conntrack',
  descriptors: [...SUMS, ...PER_CPU, ...Object.values(D)],
  interfaceScoped: false,
  probe,
  collect: async (ctx) => conntrackFamilies(await readSnapshot(ctx), ctx.config.conntrack.perCpu),
});
