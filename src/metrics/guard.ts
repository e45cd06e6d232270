// Duplicate-series guard. An exposition that repeats a series is invalid, and Prometheus keeps
// only one of the samples and rejects the rest. So the families of all collectors pass through
// here before they are encoded. The first sample of each metric name and label set wins, and
// the dropped ones are counted per collector.

import type { MetricDescriptor, MetricFamily, Sample } from './model.js';

/** Families returned by one collector in one scrape. */
export interface GuardInput {
  readonly collector: string;
  readonly families: readonly MetricFamily[];
}

/** Reason for dropping samples. */
export type GuardDropReason =
  /** A sample repeated the metric name and label set of an earlier sample. */
  | 'duplicate'
  /** The family has the name of an earlier family but another type or other label names. */
  | 'conflict';

/** Samples of one metric that one collector lost for one reason. */
export interface GuardDrop {
  readonly metric: string;
  readonly collector: string;
  readonly reason: GuardDropReason;
  readonly samples: number;
}

/** Result of {@link guardFamilies}. */
export interface GuardResult {
  /**
   * One family per metric name, in order of first appearance: the input family itself when
   * nothing was dropped from it or merged into it, else a new family.
   */
  readonly families: MetricFamily[];
  /** Per collector: samples dropped because they repeated an earlier series. */
  readonly duplicates: Map<string, number>;
  /** Per collector: samples dropped with a family that conflicts with an earlier descriptor. */
  readonly conflicts: Map<string, number>;
  /** Dropped samples, one entry per metric, collector and reason, for logging once per metric. */
  readonly drops: GuardDrop[];
}

interface MergedFamily {
  /** The first input family itself until a sample is dropped or added, then a copy. */
  family: MetricFamily;
  /** Whether `family` is a copy that may be appended to. */
  copied: boolean;
  readonly keys: Set<string>;
}

/**
 * Merges the families of all collectors and drops repeated series.
 *
 * Families with the same name are merged under the first descriptor. A later family with that
 * name but a different type or different label names (order included) is dropped whole.
 * Within a merged family, only the first sample of each label set is kept. Runs in time
 * linear in the number of samples and never mutates its input.
 *
 * A conflicting family without samples is dropped silently, because it has nothing to count.
 */
export function guardFamilies(input: readonly GuardInput[]): GuardResult {
  const merged = new Map<string, MergedFamily>();
  const duplicates = new Map<string, number>();
  const conflicts = new Map<string, number>();
  const drops = new Map<string, GuardDrop>();

  const drop = (metric: string, collector: string, reason: GuardDropReason, samples: number) => {
    const counts = reason === 'duplicate' ? duplicates : conflicts;
    counts.set(collector, (counts.get(collector) ?? 0) + samples);
    const key = `${reason}\u0000${collector}\u0000${metric}`;
    const previous = drops.get(key);
    drops.set(key, { metric, collector, reason, samples: (previous?.samples ?? 0) + samples });
  };

  for (const { collector, families } of input) {
    for (const fam of families) {
      const name = fam.desc.name;
      let target = merged.get(name);
      if (target === undefined) {
        target = { family: fam, copied: false, keys: new Set() };
        merged.set(name, target);
        const repeated = keyFirst(target);
        if (repeated > 0) drop(name, collector, 'duplicate', repeated);
        continue;
      }
      if (!sameShape(target.family.desc, fam.desc)) {
        if (fam.samples.length > 0) drop(name, collector, 'conflict', fam.samples.length);
        continue;
      }
      const repeated = addUnique(target, fam.samples);
      if (repeated > 0) drop(name, collector, 'duplicate', repeated);
    }
  }

  return {
    families: [...merged.values()].map((m) => m.family),
    duplicates,
    conflicts,
    drops: [...drops.values()],
  };
}

/**
 * Keys the samples of the first family of a name. The family is passed on as it is unless a
 * sample repeats an earlier one; then it is replaced by a copy without the repeats. Returns
 * how many samples were repeats.
 */
function keyFirst(target: MergedFamily): number {
  const samples = target.family.samples;
  const labelCount = target.family.desc.labels.length;
  for (let i = 0; i < samples.length; i++) {
    const labels = samples[i]!.labels;
    if (labels.length !== labelCount) continue;
    const key = seriesKey(labels);
    if (target.keys.has(key)) {
      target.family = { desc: target.family.desc, samples: samples.slice(0, i) };
      target.copied = true;
      return addUnique(target, samples, i);
    }
    target.keys.add(key);
  }
  return 0;
}

/**
 * Appends the samples from index `from` on whose label set is new and returns how many were
 * repeats. Samples with the wrong number of label values are passed on unkeyed, so they
 * cannot shadow a valid sample; the encoder drops and reports them.
 */
function addUnique(target: MergedFamily, samples: readonly Sample[], from = 0): number {
  if (!target.copied) {
    target.family = { desc: target.family.desc, samples: [...target.family.samples] };
    target.copied = true;
  }
  const out = target.family.samples;
  const labelCount = target.family.desc.labels.length;
  let repeated = 0;
  for (let i = from; i < samples.length; i++) {
    const sample = samples[i]!;
    if (sample.labels.length !== labelCount) {
      out.push(sample);
      continue;
    }
    const key = seriesKey(sample.labels);
    if (target.keys.has(key)) {
      repeated++;
    } else {
      target.keys.add(key);
      out.push(sample);
    }
  }
  return repeated;
}

/**
 * Returns a key that is equal for two label value lists of the same length exactly when the
 * lists are equal. Each value is prefixed with its length, so no separator can be forged.
 */
export function seriesKey(labels: readonly string[]): string {
  if (labels.length === 0) return '';
  if (labels.length === 1) return labels[0]!;
  let key = '';
  for (const value of labels) key += value.length + ':' + value;
  return key;
}

function sameShape(a: MetricDescriptor, b: MetricDescriptor): boolean {
  if (a.type !== b.type || a.labels.length !== b.labels.length) return false;
  return a.labels.every((label, i) => label === b.labels[i]);
}
