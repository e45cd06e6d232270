// The scrape pipeline: startup probes, concurrent collection with per-collector deadlines,
// single-flight for concurrent requests, periodic re-probes of unavailable collectors, the
// duplicate-series guard and the self-metrics.

import { performance } from 'node:perf_hooks';
import type { CollectorName } from '../collectors/names.js';
import type { CollectContext, Collector, CollectStats, ProbeResult } from '../collectors/types.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { type GuardInput, guardFamilies } from '../metrics/guard.js';
import { addSample, family, type MetricFamily } from '../metrics/model.js';
import type { ProcessMetrics } from '../metrics/process.js';
import { REVISION, VERSION } from '../version.js';
import { SELF_DESCRIPTORS as D } from './self.js';

/** Probe state of a collector: not probed yet, or the last probe's outcome. */
export type CollectorStatus = 'pending' | ProbeResult['kind'];

/** Pipeline state of one enabled collector, also shown on the landing page. */
export interface CollectorState {
  readonly collector: Collector;
  status: CollectorStatus;
  /** Reason the collector is unavailable or forbidden. */
  reason: string | undefined;
  lastDurationSeconds: number;
  /** Outcome of the last collection; undefined before the first. */
  lastSuccess: boolean | undefined;
  lastError: string | undefined;
  errors: number;
  dumpRestarts: number;
  duplicates: number;
  skipped: number;
  /** Series dropped by each cap in the last collection. */
  capDropped: Map<string, number>;
  /** Families of the last successful collection and when it finished (performance.now()). */
  lastGood: { families: MetricFamily[]; at: number } | undefined;
  /** Age in seconds of the families served in the last scrape: 0 when fresh. */
  servedAgeSeconds: number;
}

/** Error for a collection or probe cut off by its deadline. */
export class DeadlineError extends Error {
  readonly code = 'NLX_ERR_DEADLINE';
  constructor(what: string, ms: number) {
    super(`${what} did not finish within its ${ms} ms deadline`);
    this.name = 'DeadlineError';
  }
}

/** Options of the Scraper. */
export interface ScraperOptions {
  /** The enabled collectors, in startup order. */
  readonly collectors: readonly Collector[];
  readonly config: Config;
  readonly log: Logger;
  /** Network namespace path to read instead of the process's own. */
  readonly netns?: string;
  readonly processMetrics?: ProcessMetrics;
}

/** Runs probes and scrapes over the enabled collectors. */
export class Scraper {
  readonly states: ReadonlyMap<CollectorName, CollectorState>;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly netns: string | undefined;
  private readonly processMetrics: ProcessMetrics | undefined;
  private readonly inFlight = new Map<string, Promise<MetricFamily[]>>();
  private readonly loggedDrops = new Set<string>();
  private lastScrapeSeconds = 0;
  private probed = false;
  private reprobeTimer: NodeJS.Timeout | undefined;

  constructor(opts: ScraperOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.netns = opts.netns;
    this.processMetrics = opts.processMetrics;
    const states = new Map<CollectorName, CollectorState>();
    for (const collector of opts.collectors) {
      states.set(collector.name, {
        collector,
        status: 'pending',
        reason: undefined,
        lastDurationSeconds: 0,
        lastSuccess: undefined,
        lastError: undefined,
        errors: 0,
        dumpRestarts: 0,
        duplicates: 0,
        skipped: 0,
        capDropped: new Map(),
        lastGood: undefined,
        servedAgeSeconds: 0,
      });
    }
    this.states = states;
  }

  /** Reports whether the startup probe pass has finished. */
  get ready(): boolean {
    return this.probed;
  }

  /** Probes every collector concurrently, each under the collector deadline, and logs each outcome. */
  async probeAll(): Promise<void> {
    await Promise.all([...this.states.values()].map((state) => this.probe(state)));
    this.probed = true;
  }

  /** Probes unavailable and forbidden collectors again every `reprobeIntervalSeconds`. */
  startReprobing(): void {
    const ms = this.config.reprobeIntervalSeconds * 1000;
    this.reprobeTimer = setInterval(() => {
      for (const state of this.states.values()) {
        if (state.status === 'unavailable' || state.status === 'forbidden') void this.probe(state);
      }
    }, ms);
    this.reprobeTimer.unref();
  }

  /** Stops re-probing and releases the collectors' long-lived resources. */
  async close(): Promise<void> {
    clearInterval(this.reprobeTimer);
    await Promise.all(
      [...this.states.values()].map(async (state) => {
        try {
          await state.collector.close?.();
        } catch (err) {
          this.log.warn('collector failed to close', { collector: state.collector.name, err });
        }
      }),
    );
  }

  /**
   * Collects `names` (enabled collectors only) concurrently, each within `timeoutMs`, and
   * returns the guarded families plus self-metrics. A request for the same collectors with
   * the same timeout while one is in flight shares it. A request with another timeout runs
   * its own, so that a client with a short timeout cannot fail the scrape of another client.
   * Never rejects because a collector failed.
   */
  scrape(names: readonly CollectorName[], timeoutMs: number): Promise<MetricFamily[]> {
    const key = `${timeoutMs}:${[...names].sort().join(',')}`;
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const promise = this.run(names, timeoutMs).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private async run(names: readonly CollectorName[], timeoutMs: number): Promise<MetricFamily[]> {
    const start = performance.now();
    const selected = names
      .map((name) => this.states.get(name))
      .filter((s): s is CollectorState => s !== undefined);
    const [collected, processFamilies] = await Promise.all([
      Promise.all(selected.map((state) => this.collect(state, timeoutMs))),
      this.processMetrics?.collect() ?? Promise.resolve([]),
    ]);
    const inputs: GuardInput[] = selected.map((state, i) => ({
      collector: state.collector.name,
      families: collected[i]!,
    }));
    inputs.push({ collector: 'process', families: processFamilies });
    const guarded = guardFamilies(inputs);
    for (const drop of guarded.drops) {
      const state = this.states.get(drop.collector as CollectorName);
      if (state !== undefined) state.duplicates += drop.samples;
      const key = `${drop.collector}/${drop.metric}/${drop.reason}`;
      if (!this.loggedDrops.has(key)) {
        this.loggedDrops.add(key);
        this.log.warn('dropped repeated series', {
          collector: drop.collector,
          metric: drop.metric,
          reason: drop.reason,
          samples: drop.samples,
        });
      }
    }
    this.lastScrapeSeconds = secondsSince(start);
    return [...guarded.families, ...this.selfFamilies(selected)];
  }

  private context(state: CollectorState, signal: AbortSignal): CollectContext {
    const { include, exclude } = this.config.interfaces;
    const stats: CollectStats = {
      addDumpRestarts: (count) => {
        state.dumpRestarts += count;
      },
      addCapDropped: (cap, count) => {
        state.capDropped.set(cap, (state.capDropped.get(cap) ?? 0) + count);
      },
      addSkipped: (count) => {
        state.skipped += count;
      },
    };
    return {
      config: this.config,
      log: this.log.child({ collector: state.collector.name }),
      signal,
      ...(this.netns === undefined ? {} : { netns: this.netns }),
      interfaceAllowed: (name) =>
        (include === undefined || include.test(name)) && !exclude?.test(name),
      stats,
    };
  }

  private async probe(state: CollectorState): Promise<void> {
    const name = state.collector.name;
    const ms = this.config.scrapeTimeoutMs;
    let result: ProbeResult;
    try {
      result = await withDeadline(`probe of ${name}`, ms, (signal) =>
        state.collector.probe(this.context(state, signal)),
      );
    } catch (err) {
      result = {
        kind: 'unavailable',
        reason: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const changed =
      state.status !== result.kind ||
      state.reason !== (result.kind === 'available' ? undefined : result.reason);
    state.status = result.kind;
    state.reason = result.kind === 'available' ? undefined : result.reason;
    if (!changed) return;
    const log = this.log.child({ collector: name });
    if (result.kind === 'available') log.info('collector available');
    else if (result.kind === 'forbidden')
      log.warn('collector forbidden', { reason: result.reason });
    else log.info('collector unavailable', { reason: result.reason });
  }

  private async collect(state: CollectorState, timeoutMs: number): Promise<MetricFamily[]> {
    state.capDropped = new Map();
    if (state.status !== 'available') {
      state.lastDurationSeconds = 0;
      state.lastSuccess = true;
      return [];
    }
    const name = state.collector.name;
    const start = performance.now();
    try {
      const families = await withDeadline(`collector ${name}`, timeoutMs, (signal) =>
        state.collector.collect(this.context(state, signal)),
      );
      state.lastDurationSeconds = secondsSince(start);
      if (state.lastSuccess === false) this.log.info('collector recovered', { collector: name });
      state.lastSuccess = true;
      state.lastError = undefined;
      state.servedAgeSeconds = 0;
      if (this.config.staleSnapshotMaxAgeSeconds > 0)
        state.lastGood = { families, at: performance.now() };
      return families;
    } catch (err) {
      state.lastDurationSeconds = secondsSince(start);
      state.lastSuccess = false;
      state.errors++;
      const message = err instanceof Error ? err.message : String(err);
      // A steady failure is logged once at error level, then at debug until it changes.
      const repeat = state.lastError === message;
      state.lastError = message;
      if (repeat) this.log.debug('collector failed again', { collector: name, err });
      else this.log.error('collector failed', { collector: name, err });
      return this.staleFamilies(state);
    }
  }

  /** Returns the last good families of a failed collector while they are young enough. */
  private staleFamilies(state: CollectorState): MetricFamily[] {
    state.servedAgeSeconds = 0;
    const good = state.lastGood;
    if (good === undefined) return [];
    const age = secondsSince(good.at);
    if (age > this.config.staleSnapshotMaxAgeSeconds) {
      state.lastGood = undefined;
      return [];
    }
    state.servedAgeSeconds = age;
    return good.families;
  }

  private selfFamilies(selected: readonly CollectorState[]): MetricFamily[] {
    const up = family(D.up);
    addSample(up, 1);
    const build = family(D.buildInfo);
    addSample(build, 1, VERSION, REVISION, process.version);
    const scrape = family(D.scrapeDuration);
    addSample(scrape, this.lastScrapeSeconds);
    const available = family(D.available);
    const success = family(D.success);
    const duration = family(D.duration);
    const errors = family(D.errors);
    const restarts = family(D.dumpRestarts);
    const duplicates = family(D.duplicates);
    const capDropped = family(D.capDropped);
    const skipped = family(D.skipped);
    const snapshotAge = family(D.snapshotAge);
    for (const state of selected) {
      const name = state.collector.name;
      addSample(available, state.status === 'available' ? 1 : 0, name);
      addSample(success, state.lastSuccess === false ? 0 : 1, name);
      addSample(duration, state.lastDurationSeconds, name);
      addSample(errors, state.errors, name);
      addSample(restarts, state.dumpRestarts, name);
      addSample(duplicates, state.duplicates, name);
      addSample(skipped, state.skipped, name);
      for (const [cap, count] of state.capDropped) addSample(capDropped, count, name, cap);
      if (this.config.staleSnapshotMaxAgeSeconds > 0)
        addSample(snapshotAge, state.servedAgeSeconds, name);
    }
    return [
      up,
      build,
      scrape,
      available,
      success,
      duration,
      errors,
      restarts,
      duplicates,
      capDropped,
      skipped,
      snapshotAge,
    ];
  }
}

/**
 * Runs `work` with a signal that aborts after `ms`, and rejects with DeadlineError then even
 * if `work` ignores the signal. The signal is aborted when `work` settles too, so sockets
 * tied to it close in every case.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineError(what, ms);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort();
  }
}

/**
 * Returns the seconds elapsed since `start` (a performance.now() reading), rounded to the
 * microsecond so that the exposition prints 0.010811 rather than 0.010810594000000492.
 */
function secondsSince(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1e6;
}
