// nftables collector: tables, chains, rule counters, named counters, quotas and limits, set
// and map sizes, flowtables and the ruleset generation, from one dump per object kind per
// scrape (see readRuleset). Counters are read from the rules' counter expressions; match
// expressions never become labels. Tables that the table filter leaves out are reduced to
// per-table counts, and per-rule series are capped.

import { dumpTables, type RulesetSnapshot, readRuleset } from '../families/nftables/client.js';
import {
  hookName,
  NF_ACCEPT,
  NF_DROP,
  NFPROTO_NETDEV,
  NFT_FLOWTABLE_HW_OFFLOAD,
  NFT_LIMIT_PKT_BYTES,
  NFT_LIMIT_PKTS,
  NFT_QUOTA_F_DEPLETED,
  NFT_SET_ANONYMOUS,
} from '../families/nftables/constants.js';
import { datatypeName } from '../families/nftables/datatypes.js';
import type { ChainSnapshot } from '../families/nftables/parse.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_NETFILTER } from '../netlink/constants.js';
import { dumpOptions, withSocket } from './netlink.js';
import { netfilterProbeFailure } from './nfnetlink_probe.js';
import { familyLabel, tableKey, tallyRules } from './nftables_rules.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

/** Name of the cap on per-rule series, as reported in nft_scrape_cap_dropped_series. */
export const RULES_CAP = 'nftables_rules';

const TABLE = ['family', 'table'] as const;
const CHAIN = ['family', 'table', 'chain'] as const;
const OBJECT = ['family', 'table', 'name'] as const;
const GETRULE = 'NFT_MSG_GETRULE';

const D = {
  tableInfo: {
    name: 'nft_table_info',
    type: 'gauge',
    help: 'Every nftables table, value 1.',
    labels: TABLE,
    source: 'NFT_MSG_GETTABLE NFTA_TABLE_NAME, nfgenmsg family',
  },
  tableChains: {
    name: 'nft_table_chains',
    type: 'gauge',
    help: 'Chains in the table, anonymous chains of rules excluded, in chains.',
    labels: TABLE,
    source: 'NFT_MSG_GETCHAIN',
  },
  tableRules: {
    name: 'nft_table_rules',
    type: 'gauge',
    help: 'Rules in the table, rules of anonymous chains excluded, in rules.',
    labels: TABLE,
    source: GETRULE,
  },
  tableSets: {
    name: 'nft_table_sets',
    type: 'gauge',
    help: 'Named sets and maps in the table, in sets.',
    labels: TABLE,
    source: 'NFT_MSG_GETSET NFTA_SET_FLAGS',
  },
  chainInfo: {
    name: 'nft_chain_info',
    type: 'gauge',
    help: 'Every chain, value 1: type, hook, priority and policy of base chains, empty for regular chains.',
    labels: [...CHAIN, 'type', 'hook', 'priority', 'policy'],
    source: 'NFT_MSG_GETCHAIN NFTA_CHAIN_TYPE, NFTA_CHAIN_HOOK, NFTA_CHAIN_POLICY',
  },
  chainRules: {
    name: 'nft_chain_rules',
    type: 'gauge',
    help: 'Rules in the chain, in rules.',
    labels: CHAIN,
    source: GETRULE,
  },
  chainUncommentedRules: {
    name: 'nft_chain_uncommented_rules',
    type: 'gauge',
    help: 'Rules in the chain without a comment, in rules.',
    labels: CHAIN,
    source: `${GETRULE} NFTA_RULE_USERDATA`,
  },
  chainUncommentedCountedRules: {
    name: 'nft_chain_uncommented_counted_rules',
    type: 'gauge',
    help: 'Rules in the chain without a comment that have a counter expression, in rules.',
    labels: CHAIN,
    source: `${GETRULE} NFTA_RULE_USERDATA, NFTA_RULE_EXPRESSIONS`,
  },
  chainUncommentedBytes: {
    name: 'nft_chain_uncommented_rule_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Bytes counted by the first counter expression of the rules without a comment, summed per chain; drops when such a rule is deleted.',
    labels: CHAIN,
    source: `${GETRULE} counter NFTA_COUNTER_BYTES`,
  },
  chainUncommentedPackets: {
    name: 'nft_chain_uncommented_rule_packets_total',
    type: 'counter',
    help: 'Packets counted by the first counter expression of the rules without a comment, summed per chain; drops when such a rule is deleted.',
    labels: CHAIN,
    source: `${GETRULE} counter NFTA_COUNTER_PACKETS`,
  },
  ruleBytes: {
    name: 'nft_rule_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Bytes counted by the first counter expression of the rules with this comment in the chain, summed over those rules.',
    labels: [...CHAIN, 'comment'],
    source: `${GETRULE} NFTA_RULE_USERDATA comment, counter NFTA_COUNTER_BYTES`,
  },
  rulePackets: {
    name: 'nft_rule_packets_total',
    type: 'counter',
    help: 'Packets counted by the first counter expression of the rules with this comment in the chain, summed over those rules.',
    labels: [...CHAIN, 'comment'],
    source: `${GETRULE} NFTA_RULE_USERDATA comment, counter NFTA_COUNTER_PACKETS`,
  },
  counterBytes: {
    name: 'nft_named_counted_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Bytes counted by a named counter object.',
    labels: OBJECT,
    source: 'NFT_MSG_GETOBJ NFT_OBJECT_COUNTER NFTA_COUNTER_BYTES',
  },
  counterPackets: {
    name: 'nft_named_counted_packets_total',
    type: 'counter',
    help: 'Packets counted by a named counter object.',
    labels: OBJECT,
    source: 'NFT_MSG_GETOBJ NFT_OBJECT_COUNTER NFTA_COUNTER_PACKETS',
  },
  quotaBytes: {
    name: 'nft_named_quota_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Quota of a named quota object, in bytes.',
    labels: OBJECT,
    source: 'NFT_MSG_GETOBJ NFT_OBJECT_QUOTA NFTA_QUOTA_BYTES',
  },
  quotaConsumed: {
    name: 'nft_named_quota_consumed_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Bytes consumed so far against a named quota object; reset with the object.',
    labels: OBJECT,
    source: 'NFT_MSG_GETOBJ NFT_OBJECT_QUOTA NFTA_QUOTA_CONSUMED',
  },
  quotaDepleted: {
    name: 'nft_named_quota_depleted',
    type: 'gauge',
    help: '1 when a named quota object is used up, 0 otherwise.',
    labels: OBJECT,
    source: 'NFT_MSG_GETOBJ NFT_OBJECT_QUOTA NFTA_QUOTA_FLAGS NFT_QUOTA_F_DEPLETED',
  },
  limitRate: {
    name: 'nft_named_limit_rate',
    type: 'gauge',
    help: 'Rate of a named limit object per second, in the unit that the type label names (packets or bytes).',
    labels: [...OBJECT, 'type'],
    source: 'NFT_MSG_GETOBJ NFT_OBJECT_LIMIT NFTA_LIMIT_RATE / NFTA_LIMIT_UNIT, NFTA_LIMIT_TYPE',
  },
  limitBurst: {
    name: 'nft_named_limit_burst',
    type: 'gauge',
    help: 'Burst of a named limit object, in the unit that the type label names (packets or bytes).',
    labels: [...OBJECT, 'type'],
    source: 'NFT_MSG_GETOBJ NFT_OBJECT_LIMIT NFTA_LIMIT_BURST, NFTA_LIMIT_TYPE',
  },
  setElements: {
    name: 'nft_set_elements',
    type: 'gauge',
    help: 'Elements in a named set or map, an interval counting once and a catch-all element not at all; type is the key type as nft names it.',
    labels: [...OBJECT, 'type'],
    source: 'NFT_MSG_GETSET NFTA_SET_COUNT, else NFT_MSG_GETSETELEM; NFTA_SET_KEY_TYPE',
  },
  setMaxElements: {
    name: 'nft_set_max_elements',
    type: 'gauge',
    help: 'Declared size limit of a named set or map, in elements; absent when none was declared.',
    labels: [...OBJECT, 'type'],
    source: 'NFT_MSG_GETSET NFTA_SET_DESC.NFTA_SET_DESC_SIZE, NFTA_SET_KEY_TYPE',
  },
  flowtableInfo: {
    name: 'nft_flowtable_info',
    type: 'gauge',
    help: 'Every flowtable, value 1: hook, priority and whether hardware offload is on (1 or 0).',
    labels: [...OBJECT, 'hook', 'priority', 'hw_offload'],
    source: 'NFT_MSG_GETFLOWTABLE NFTA_FLOWTABLE_HOOK, NFTA_FLOWTABLE_FLAGS',
  },
  generation: {
    name: 'nft_ruleset_generation',
    type: 'gauge',
    help: 'Ruleset generation id; it grows by one with every committed ruleset change.',
    labels: [],
    source: 'NFT_MSG_GETGEN NFTA_GEN_ID',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Options of nftablesFamilies. */
export interface NftablesOptions {
  /** Tables exported in detail; the others get only nft_table_info and the per-table counts. */
  readonly tableIncluded: (table: string) => boolean;
  /** Maximum label sets of the per-rule counter families; the rest are dropped and counted. */
  readonly maxRuleSeries: number;
}

/** Families of one scrape and the per-rule label sets the cap dropped. */
export interface NftablesResult {
  readonly families: MetricFamily[];
  readonly droppedRuleSeries: number;
}

function policyLabel(chain: ChainSnapshot): string {
  if (chain.policy === NF_ACCEPT) return 'accept';
  if (chain.policy === NF_DROP) return 'drop';
  return chain.policy === undefined ? '' : String(chain.policy);
}

function limitTypeLabel(type: number): string {
  if (type === NFT_LIMIT_PKTS) return 'packets';
  if (type === NFT_LIMIT_PKT_BYTES) return 'bytes';
  return String(type);
}

/**
 * Builds the families of one scrape from a ruleset. Rules with the same comment in the same
 * chain share one label set, and their counters are summed. Label sets beyond
 * `maxRuleSeries` are dropped in dump order and counted in the result.
 */
export function nftablesFamilies(snap: RulesetSnapshot, opts: NftablesOptions): NftablesResult {
  const f = Object.fromEntries(
    Object.entries(D).map(([name, desc]) => [name, family(desc)]),
  ) as Record<keyof typeof D, MetricFamily>;
  const included = opts.tableIncluded;
  const tally = tallyRules(snap.chains, snap.rules, included, opts.maxRuleSeries);

  for (const chain of tally.chains) {
    const labels = [familyLabel(chain.family), chain.table, chain.name];
    addSample(
      f.chainInfo,
      1,
      ...labels,
      chain.type ?? '',
      chain.hook === undefined ? '' : hookName(chain.family, chain.hook.hook),
      chain.hook === undefined ? '' : String(chain.hook.priority),
      policyLabel(chain),
    );
    addSample(f.chainRules, chain.rules, ...labels);
    addSample(f.chainUncommentedRules, chain.uncommented, ...labels);
    addSample(f.chainUncommentedCountedRules, chain.uncommentedCounted, ...labels);
    addSample(f.chainUncommentedBytes, chain.bytes, ...labels);
    addSample(f.chainUncommentedPackets, chain.packets, ...labels);
  }
  for (const series of tally.comments) {
    const labels = [familyLabel(series.family), series.table, series.chain, series.comment];
    addSample(f.ruleBytes, series.bytes, ...labels);
    addSample(f.rulePackets, series.packets, ...labels);
  }

  const setsPerTable = new Map<string, number>();
  for (const set of snap.sets) {
    if ((set.flags & NFT_SET_ANONYMOUS) !== 0) continue;
    const table = tableKey(set.family, set.table);
    setsPerTable.set(table, (setsPerTable.get(table) ?? 0) + 1);
    if (!included(set.table)) continue;
    const labels = [familyLabel(set.family), set.table, set.name, datatypeName(set.keyType)];
    if (set.count !== undefined) addSample(f.setElements, set.count, ...labels);
    if (set.size !== undefined) addSample(f.setMaxElements, set.size, ...labels);
  }

  for (const table of snap.tables) {
    const labels = [familyLabel(table.family), table.name];
    const key = tableKey(table.family, table.name);
    addSample(f.tableInfo, 1, ...labels);
    addSample(f.tableChains, tally.chainsPerTable.get(key) ?? 0, ...labels);
    addSample(f.tableRules, tally.rulesPerTable.get(key) ?? 0, ...labels);
    addSample(f.tableSets, setsPerTable.get(key) ?? 0, ...labels);
  }

  addObjects(snap, included, f);
  addFlowtables(snap, included, f);
  if (snap.generation !== undefined) addSample(f.generation, snap.generation);
  return { families: Object.values(f), droppedRuleSeries: tally.dropped };
}

function addFlowtables(
  snap: RulesetSnapshot,
  included: (table: string) => boolean,
  f: Record<keyof typeof D, MetricFamily>,
): void {
  for (const flowtable of snap.flowtables) {
    if (!included(flowtable.table)) continue;
    addSample(
      f.flowtableInfo,
      1,
      familyLabel(flowtable.family),
      flowtable.table,
      flowtable.name,
      flowtable.hook === undefined ? '' : hookName(NFPROTO_NETDEV, flowtable.hook.hook),
      flowtable.hook === undefined ? '' : String(flowtable.hook.priority),
      (flowtable.flags & NFT_FLOWTABLE_HW_OFFLOAD) !== 0 ? '1' : '0',
    );
  }
}

function addObjects(
  snap: RulesetSnapshot,
  included: (table: string) => boolean,
  f: Record<keyof typeof D, MetricFamily>,
): void {
  for (const object of snap.objects) {
    if (!included(object.table)) continue;
    const labels = [familyLabel(object.family), object.table, object.name];
    const data = object.data;
    if (data.kind === 'counter') {
      addSample(f.counterBytes, data.counter.bytes, ...labels);
      addSample(f.counterPackets, data.counter.packets, ...labels);
    } else if (data.kind === 'quota') {
      addSample(f.quotaBytes, Number(data.quota.bytes), ...labels);
      addSample(f.quotaConsumed, Number(data.quota.consumed), ...labels);
      addSample(
        f.quotaDepleted,
        (data.quota.flags & NFT_QUOTA_F_DEPLETED) !== 0 ? 1 : 0,
        ...labels,
      );
    } else if (data.kind === 'limit') {
      const type = limitTypeLabel(data.limit.type);
      if (data.limit.unit > 0n) {
        addSample(f.limitRate, Number(data.limit.rate) / Number(data.limit.unit), ...labels, type);
      }
      addSample(f.limitBurst, data.limit.burst, ...labels, type);
    }
  }
}

/** Builds the table filter from the include and exclude patterns; exclude wins. */
export function tableFilter(include?: RegExp, exclude?: RegExp): (table: string) => boolean {
  return (table) => (include === undefined || include.test(table)) && !exclude?.test(table);
}

async function collect(ctx: CollectContext): Promise<MetricFamily[]> {
  const { tableInclude, tableExclude, maxRuleSeries } = ctx.config.nftables;
  const tableIncluded = tableFilter(tableInclude, tableExclude);
  const { ruleset, restarts } = await withSocket(ctx, NETLINK_NETFILTER, (socket) =>
    readRuleset(socket, { ...dumpOptions(ctx), detailed: tableIncluded }),
  );
  ctx.stats.addDumpRestarts(restarts);
  const result = nftablesFamilies(ruleset, { tableIncluded, maxRuleSeries });
  if (result.droppedRuleSeries > 0) ctx.stats.addCapDropped(RULES_CAP, result.droppedRuleSeries);
  return result.families;
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    await withSocket(ctx, NETLINK_NETFILTER, (socket) => dumpTables(socket, dumpOptions(ctx)));
    return { kind: 'available' };
  } catch (err) {
    return netfilterProbeFailure(err, 'NFT_MSG_GETTABLE dump', 'nf_tables');
  }
}

/** The nftables collector. */
export const nftablesCollector = registerCollector({
  name: 'nftables',
  descriptors: Object.values(D),
  interfaceScoped: false,
  probe,
  collect,
});
