// Rule accounting of the nftables collector: chains and rules counted per table, rule
// counters summed per chain for rules without a comment and per comment for the others,
// and the cap on per-comment label sets. Pure functions over the dump snapshots.

import { FAMILY_NAMES, NFT_CHAIN_BINDING } from '../families/nftables/constants.js';
import type { ChainSnapshot, RuleSnapshot } from '../families/nftables/parse.js';

/** Returns the `family` label of an NFPROTO_* number: nft's family name, or the number. */
export function familyLabel(family: number): string {
  return FAMILY_NAMES[family] ?? String(family);
}

/** Returns the map key of a table. NB: NUL cannot occur in nftables names. */
export function tableKey(family: number, table: string): string {
  return `${familyLabel(family)}\0${table}`;
}

/** A chain of a detailed table with the sums over its rules. */
export interface ChainTally extends ChainSnapshot {
  rules: number;
  /** Rules without a comment. */
  uncommented: number;
  /** Rules without a comment that have a counter expression. */
  uncommentedCounted: number;
  /** Sums of the first counters of the rules without a comment. */
  bytes: bigint;
  packets: bigint;
}

/** The counters of the rules with one comment in one chain, summed. */
export interface CommentTally {
  readonly family: number;
  readonly table: string;
  readonly chain: string;
  readonly comment: string;
  bytes: bigint;
  packets: bigint;
}

/** Result of tallyRules. */
export interface RuleTally {
  /** Chains of detailed tables, in dump order. */
  readonly chains: readonly ChainTally[];
  /** Comment label sets that passed the cap, in order of first appearance. */
  readonly comments: readonly CommentTally[];
  /** Comment label sets left out by the cap. */
  readonly dropped: number;
  /** Chains per table key (see tableKey), of every table. */
  readonly chainsPerTable: ReadonlyMap<string, number>;
  /** Rules per table key, of every table. */
  readonly rulesPerTable: ReadonlyMap<string, number>;
}

/**
 * Counts chains and rules per table and sums rule counters, for the chains of tables that
 * `included` accepts. A rule with a comment and a counter adds to the label set of its chain
 * and comment. At most `maxComments` such label sets are kept, in order of first appearance,
 * and `dropped` counts the others.
 *
 * NB: anonymous chains of `jump { ... }` rules (NFT_CHAIN_BINDING) and their rules belong to
 * the parent rule in nft's view, so they are left out of every count and sum.
 */
export function tallyRules(
  chains: readonly ChainSnapshot[],
  rules: readonly RuleSnapshot[],
  included: (table: string) => boolean,
  maxComments: number,
): RuleTally {
  const bindings = new Set<string>();
  const chainsPerTable = new Map<string, number>();
  const detailed = new Map<string, ChainTally>();
  for (const chain of chains) {
    const table = tableKey(chain.family, chain.table);
    if ((chain.flags & NFT_CHAIN_BINDING) !== 0) {
      bindings.add(`${table}\0${chain.name}`);
      continue;
    }
    chainsPerTable.set(table, (chainsPerTable.get(table) ?? 0) + 1);
    if (!included(chain.table)) continue;
    detailed.set(`${table}\0${chain.name}`, {
      ...chain,
      rules: 0,
      uncommented: 0,
      uncommentedCounted: 0,
      bytes: 0n,
      packets: 0n,
    });
  }

  const rulesPerTable = new Map<string, number>();
  // A comment label set dropped by the cap maps to undefined, so it is counted once.
  const comments = new Map<string, CommentTally | undefined>();
  let dropped = 0;
  for (const rule of rules) {
    const table = tableKey(rule.family, rule.table);
    const chainKey = `${table}\0${rule.chain}`;
    if (bindings.has(chainKey)) continue;
    rulesPerTable.set(table, (rulesPerTable.get(table) ?? 0) + 1);
    const chain = detailed.get(chainKey);
    if (chain === undefined) continue;
    chain.rules++;
    const counter = rule.counter;
    if (rule.comment === undefined) {
      chain.uncommented++;
      if (counter === undefined) continue;
      chain.uncommentedCounted++;
      chain.bytes += counter.bytes;
      chain.packets += counter.packets;
      continue;
    }
    if (counter === undefined) continue;
    const commentKey = `${chainKey}\0${rule.comment}`;
    let series = comments.get(commentKey);
    if (series === undefined && !comments.has(commentKey)) {
      if (comments.size >= maxComments) {
        dropped++;
        comments.set(commentKey, undefined);
        continue;
      }
      series = {
        family: rule.family,
        table: rule.table,
        chain: rule.chain,
        comment: rule.comment,
        bytes: 0n,
        packets: 0n,
      };
      comments.set(commentKey, series);
    }
    if (series === undefined) continue;
    series.bytes += counter.bytes;
    series.packets += counter.packets;
  }

  const exported = [...comments.values()].filter((c): c is CommentTally => c !== undefined);
  return {
    chains: [...detailed.values()],
    comments: exported,
    dropped,
    chainsPerTable,
    rulesPerTable,
  };
}
