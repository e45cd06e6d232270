// The ruleset of the nftables kernel tests, and the series the collector should export for
// a ruleset, derived from `nft -j list ruleset` (nftables 1.0.6 JSON schema 1). Only the list
// of compared family names comes from the exporter; no expected value does.

import { nftablesCollector } from '../../src/collectors/nftables.js';
import type { ParsedFamily } from '../support/exposition-parser.js';

/**
 * Counting rules match only the traffic that the test sends from the peer namespace (echo
 * requests and UDP), never the scrapes, which travel over loopback TCP.
 */
export const RULESET = `
table inet filter {
  counter udp_seen { packets 0 bytes 0; }
  quota monthly { over 10000 mbytes used 1 mbytes; }
  quota small { until 100 kbytes used 100 kbytes; }
  quota udp_budget { until 1 mbytes; }
  limit per_minute { rate 10/minute burst 5 packets; }
  limit bytes_per_second { rate over 1 mbytes/second burst 64 kbytes; }
  set blocked4 { type ipv4_addr; elements = { 192.0.2.100, 192.0.2.101 }; }
  set ports { type inet_service; flags interval; elements = { 22, 8000-8080, 443 }; }
  set seen6 { type ipv6_addr; size 1024; flags dynamic; }
  map services { type ipv4_addr . inet_service : verdict; elements = { 192.0.2.2 . 80 : accept }; }
  map marks { type ifname : mark; elements = { "veth0" : 1 }; }
  map verdicts { type inet_service : verdict; elements = { 22 : accept, * : drop }; }
  chain input {
    type filter hook input priority filter; policy accept;
    icmp type echo-request counter comment "icmp in"
    icmpv6 type echo-request add @seen6 { ip6 saddr } counter comment "icmp in"
    udp dport { 9, 10 } counter
    ip saddr @blocked4 counter drop comment "blocked"
    tcp dport @ports counter
    udp dport 9 counter name udp_seen quota name udp_budget
    udp dport 7 jump sub
    iifname "veth0" icmp type echo-request jump { counter comment "inside a binding chain"; }
  }
  chain sub {
    counter comment "echo"
  }
}
table ip mangle {
  chain pre { type filter hook prerouting priority mangle; policy accept; udp dport 9 counter comment "discard"; }
}
table ip6 raw {
  chain pre { type filter hook prerouting priority raw; policy accept; }
}
table netdev edge {
  chain ingress { type filter hook ingress device "veth0" priority 0; policy accept; icmp type echo-request counter comment "ingress icmp"; }
}
table arp arpwatch {
  chain in { type filter hook input priority 0; policy accept; counter; }
}
table bridge br {
  chain forward { type filter hook forward priority 0; policy drop; }
}
`;

/** Output of `nft -j list ruleset`: a list of one-key objects. */
export interface NftJson {
  nftables: Record<string, Record<string, unknown>>[];
}

/** Series per family name: `label=value,...` in descriptor label order → value. */
export type SeriesByFamily = Record<string, Record<string, string>>;

/** nft's byte units (`rate_unit`, `burst_unit`). */
const BYTE_UNITS: Readonly<Record<string, number>> = { bytes: 1, kbytes: 1024, mbytes: 1024 ** 2 };
/** nft's rate periods (`per`) in seconds. */
const PERIODS: Readonly<Record<string, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 604800,
};

interface Chain {
  family: string;
  table: string;
  name: string;
  type?: string;
  hook?: string;
  prio?: number;
  policy?: string;
}

interface Rule {
  family: string;
  table: string;
  chain: string;
  comment?: string;
  expr: unknown[];
}

function objects<T>(json: NftJson, kinds: readonly string[]): T[] {
  return json.nftables.flatMap((item) =>
    kinds.filter((kind) => kind in item).map((kind) => item[kind] as T),
  );
}

/** Returns the packets and bytes of the rule's first anonymous counter statement. */
function firstCounter(rule: Rule): { packets: number; bytes: number } | undefined {
  for (const statement of rule.expr) {
    const counter = (statement as { counter?: unknown }).counter;
    if (typeof counter === 'object' && counter !== null) {
      return counter as { packets: number; bytes: number };
    }
  }
  return undefined;
}

function seriesKey(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([label, value]) => `${label}=${value}`)
    .join(',');
}

/** Adds `value` to a series, which starts at 0. */
function add(
  out: SeriesByFamily,
  name: string,
  labels: Record<string, string>,
  value: number,
): void {
  out[name] ??= {};
  const key = seriesKey(labels);
  out[name][key] = String(Number(out[name][key] ?? 0) + value);
}

/** Sets a series to `value`. */
function set(
  out: SeriesByFamily,
  name: string,
  labels: Record<string, string>,
  value: number,
): void {
  out[name] ??= {};
  out[name][seriesKey(labels)] = String(value);
}

/** Derives every series of the nftables collector, except the generation, from `json`. */
export function expectedSeries(json: NftJson): SeriesByFamily {
  const out: SeriesByFamily = {};
  for (const table of objects<{ family: string; name: string }>(json, ['table'])) {
    const labels = { family: table.family, table: table.name };
    set(out, 'nft_table_info', labels, 1);
    set(out, 'nft_table_chains', labels, 0);
    set(out, 'nft_table_rules', labels, 0);
    set(out, 'nft_table_sets', labels, 0);
  }
  for (const chain of objects<Chain>(json, ['chain'])) {
    const labels = { family: chain.family, table: chain.table, chain: chain.name };
    add(out, 'nft_table_chains', { family: chain.family, table: chain.table }, 1);
    set(
      out,
      'nft_chain_info',
      {
        ...labels,
        type: chain.type ?? '',
        hook: chain.hook ?? '',
        priority: chain.prio === undefined ? '' : String(chain.prio),
        policy: chain.policy ?? '',
      },
      1,
    );
    for (const name of [
      'nft_chain_rules',
      'nft_chain_uncommented_rules',
      'nft_chain_uncommented_counted_rules',
      'nft_chain_uncommented_rule_bytes_total',
      'nft_chain_uncommented_rule_packets_total',
    ]) {
      set(out, name, labels, 0);
    }
  }
  for (const rule of objects<Rule>(json, ['rule'])) {
    const labels = { family: rule.family, table: rule.table, chain: rule.chain };
    add(out, 'nft_table_rules', { family: rule.family, table: rule.table }, 1);
    add(out, 'nft_chain_rules', labels, 1);
    const counter = firstCounter(rule);
    if (rule.comment === undefined) {
      add(out, 'nft_chain_uncommented_rules', labels, 1);
      if (counter === undefined) continue;
      add(out, 'nft_chain_uncommented_counted_rules', labels, 1);
      add(out, 'nft_chain_uncommented_rule_bytes_total', labels, counter.bytes);
      add(out, 'nft_chain_uncommented_rule_packets_total', labels, counter.packets);
    } else if (counter !== undefined) {
      add(out, 'nft_rule_bytes_total', { ...labels, comment: rule.comment }, counter.bytes);
      add(out, 'nft_rule_packets_total', { ...labels, comment: rule.comment }, counter.packets);
    }
  }
  addObjects(json, out);
  return out;
}

function addObjects(json: NftJson, out: SeriesByFamily): void {
  type Named = { family: string; table: string; name: string };
  const named = (o: Named) => ({ family: o.family, table: o.table, name: o.name });
  for (const counter of objects<Named & { packets: number; bytes: number }>(json, ['counter'])) {
    set(out, 'nft_named_counted_bytes_total', named(counter), counter.bytes);
    set(out, 'nft_named_counted_packets_total', named(counter), counter.packets);
  }
  for (const quota of objects<Named & { bytes: number; used?: number }>(json, ['quota'])) {
    const used = quota.used ?? 0;
    set(out, 'nft_named_quota_bytes', named(quota), quota.bytes);
    set(out, 'nft_named_quota_consumed_bytes', named(quota), used);
    set(out, 'nft_named_quota_depleted', named(quota), used >= quota.bytes ? 1 : 0);
  }
  type Limit = Named & {
    rate: number;
    per: string;
    burst?: number;
    rate_unit?: string;
    burst_unit?: string;
  };
  for (const limit of objects<Limit>(json, ['limit'])) {
    const bytes = limit.rate_unit !== undefined;
    const labels = { ...named(limit), type: bytes ? 'bytes' : 'packets' };
    const rate = (limit.rate * (bytes ? BYTE_UNITS[limit.rate_unit!]! : 1)) / PERIODS[limit.per]!;
    const burst = (limit.burst ?? 0) * (bytes ? BYTE_UNITS[limit.burst_unit ?? 'bytes']! : 1);
    set(out, 'nft_named_limit_rate', labels, rate);
    set(out, 'nft_named_limit_burst', labels, burst);
  }
  type NftSet = Named & { type: string | string[]; size?: number; elem?: unknown[] };
  for (const s of objects<NftSet>(json, ['set', 'map'])) {
    const labels = { ...named(s), type: Array.isArray(s.type) ? s.type.join(' . ') : s.type };
    add(out, 'nft_table_sets', { family: s.family, table: s.table }, 1);
    // The kernel does not count the catch-all element `*`; nft lists it among the elements.
    const elements = (s.elem ?? []).filter((e) => e !== '*' && !(Array.isArray(e) && e[0] === '*'));
    set(out, 'nft_set_elements', labels, elements.length);
    if (s.size !== undefined) set(out, 'nft_set_max_elements', labels, s.size);
  }
  type Flowtable = Named & { hook: string; prio: number; flags?: string[] };
  for (const f of objects<Flowtable>(json, ['flowtable'])) {
    set(
      out,
      'nft_flowtable_info',
      {
        ...named(f),
        hook: f.hook,
        priority: String(f.prio),
        hw_offload: f.flags?.includes('offload') ? '1' : '0',
      },
      1,
    );
  }
}

/** Families of the collector except the generation, which nft -j does not print. */
export const COMPARED = nftablesCollector.descriptors
  .map((d) => d.name)
  .filter((name) => name !== 'nft_ruleset_generation');

/** Reads the collector's series of a parsed scrape into the form of expectedSeries(). */
export function collectedSeries(families: Map<string, ParsedFamily>): SeriesByFamily {
  const out: SeriesByFamily = {};
  for (const name of COMPARED) {
    const series: Record<string, string> = {};
    for (const sample of families.get(name)?.samples ?? []) {
      const key = Object.entries(sample.labels)
        .map(([label, value]) => `${label}=${value}`)
        .join(',');
      series[key] = sample.value;
    }
    out[name] = series;
  }
  return out;
}
