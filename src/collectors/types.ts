// The contract between a collector and the scrape pipeline.

import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { MetricDescriptor, MetricFamily } from '../metrics/model.js';
import type { CollectorName } from './names.js';

/** Outcome of a startup probe or a re-probe. */
export type ProbeResult =
  | { readonly kind: 'available' }
  /** The kernel lacks the feature (family not registered, EOPNOTSUPP, missing file). */
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** The kernel rejected the exporter's privileges (EPERM, EACCES); reason names the capability. */
  | { readonly kind: 'forbidden'; readonly reason: string };

/** Counters a collector reports to the pipeline during one collection. */
export interface CollectStats {
  /** Adds the restarts of interrupted netlink dumps (NLM_F_DUMP_INTR). */
  addDumpRestarts(count: number): void;
  /** Adds series dropped by a cardinality cap, under a cap name such as `nftables_rules`. */
  addCapDropped(cap: string, count: number): void;
  /** Adds input records that a file or message parser skipped as malformed. */
  addSkipped(count: number): void;
}

/** Everything a collector needs for one probe or collection. */
export interface CollectContext {
  readonly config: Config;
  /** Logger bound to `collector=<name>`. */
  readonly log: Logger;
  /** Aborted when the collector's deadline passes; close sockets and stop reading. */
  readonly signal: AbortSignal;
  /** Network namespace path to read (`/run/netns/NAME`); undefined means the process's own. */
  readonly netns?: string;
  /** Reports whether an interface passes the configured include/exclude filter. */
  readonly interfaceAllowed: (name: string) => boolean;
  readonly stats: CollectStats;
}

/** One collector: descriptors as data, a probe, and a collection into fresh families. */
export interface Collector {
  readonly name: CollectorName;
  /** Every family the collector can emit; docs/metrics.md is generated from these. */
  readonly descriptors: readonly MetricDescriptor[];
  /** Whether the collector scopes series by interface (and so applies the interface filter). */
  readonly interfaceScoped: boolean;
  probe(ctx: CollectContext): Promise<ProbeResult>;
  /** Reads a snapshot and returns its families. Throws on failure; never returns partial data. */
  collect(ctx: CollectContext): Promise<MetricFamily[]>;
  /** Releases long-lived resources (multicast listeners) at shutdown. */
  close?(): Promise<void>;
}

const registry = new Map<CollectorName, Collector>();

/** Registers a collector; each collector file calls this once. Throws on a duplicate name. */
export function registerCollector(collector: Collector): Collector {
  if (registry.has(collector.name)) {
    throw new Error(`collector ${collector.name} is registered twice`);
  }
  registry.set(collector.name, collector);
  return collector;
}

/** Returns the registered collectors. */
export function registeredCollectors(): ReadonlyMap<CollectorName, Collector> {
  return registry;
}
