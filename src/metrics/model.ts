// Metric family model shared by every collector, the exposition encoders and the scrape
// pipeline. Collectors build fresh families from a snapshot on every scrape, so a vanished
// object leaves no stale series behind.

/** Prometheus metric type of a family. `_info` series are gauges with value 1. */
export type MetricType = 'counter' | 'gauge';

/**
 * Descriptor of one metric family, declared as data at the top of a collector file.
 * `name` is the full sample name: counters end in `_total`, gauges never do.
 */
export interface MetricDescriptor {
  readonly name: string;
  readonly type: MetricType;
  /** What is counted, in which unit, from which kernel source. One line. */
  readonly help: string;
  /** OpenMetrics unit (`bytes`, `seconds`, `packets` ...); the name must end with it. */
  readonly unit?: string;
  /** Label names in the order that `Sample.labels` supplies their values. */
  readonly labels: readonly string[];
  /** Kernel source: message and attribute (`RTM_NEWLINK IFLA_STATS64.rx_bytes`) or file. */
  readonly source: string;
}

/** One sample: label values in descriptor order, and the value. Kernel u64 counters stay bigint. */
export interface Sample {
  readonly labels: readonly string[];
  readonly value: number | bigint;
}

/** A descriptor with the samples of one scrape. */
export interface MetricFamily {
  readonly desc: MetricDescriptor;
  readonly samples: Sample[];
}

/** Creates an empty family for `desc`. */
export function family(desc: MetricDescriptor): MetricFamily {
  return { desc, samples: [] };
}

/** Appends a sample to `fam`; `labels` must have one value per descriptor label. */
export function addSample(fam: MetricFamily, value: number | bigint, ...labels: string[]): void {
  fam.samples.push({ labels, value });
}
