// Self-metrics of the exporter: liveness, build information and per-collector scrape health.

import type { MetricDescriptor } from '../metrics/model.js';

const SCRAPE = 'exporter scrape pipeline';

/** Descriptors of the exporter's own metrics, by key. */
export const SELF_DESCRIPTORS = {
  up: {
    name: 'nft_up',
    type: 'gauge',
    help: 'Exporter liveness: 1 if the exporter is up.',
    labels: [],
    source: SCRAPE,
  },
  buildInfo: {
    name: 'nft_build_info',
    type: 'gauge',
    help: 'A metric with value 1 exposing build information.',
    labels: ['version', 'revision', 'nodejs_version'],
    source: 'package.json version, source revision, process.version',
  },
  available: {
    name: 'nft_scrape_collector_available',
    type: 'gauge',
    help: "1 if the collector's kernel subsystem was available at the last probe, 0 if it is missing or forbidden.",
    labels: ['collector'],
    source: SCRAPE,
  },
  success: {
    name: 'nft_scrape_collector_success',
    type: 'gauge',
    help: '1 if the last scrape of this collector succeeded or it was skipped as unavailable, 0 on error or deadline.',
    labels: ['collector'],
    source: SCRAPE,
  },
  duration: {
    name: 'nft_scrape_collector_duration_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Duration of the last scrape of this collector in seconds (0 when skipped).',
    labels: ['collector'],
    source: SCRAPE,
  },
  errors: {
    name: 'nft_scrape_collector_error_total',
    type: 'counter',
    help: 'Failed or timed-out collections of this collector since the exporter started.',
    labels: ['collector'],
    source: SCRAPE,
  },
  scrapeDuration: {
    name: 'nft_scrape_duration_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Wall time of the last whole scrape in seconds, all collectors included.',
    labels: [],
    source: SCRAPE,
  },
  dumpRestarts: {
    name: 'nft_netlink_dump_restarts_total',
    type: 'counter',
    help: 'Netlink dumps restarted because the kernel marked them interrupted (NLM_F_DUMP_INTR), since start.',
    labels: ['collector'],
    source: 'nlmsghdr flag NLM_F_DUMP_INTR',
  },
  duplicates: {
    name: 'nft_scrape_duplicate_series_total',
    type: 'counter',
    help: 'Samples dropped because they repeated an earlier series or conflicted with its family, since start.',
    labels: ['collector'],
    source: 'duplicate-series guard',
  },
  capDropped: {
    name: 'nft_scrape_cap_dropped_series',
    type: 'gauge',
    help: 'Series left out of the last scrape by a cardinality cap, per collector and cap.',
    labels: ['collector', 'cap'],
    source: SCRAPE,
  },
  snapshotAge: {
    name: 'nft_scrape_snapshot_age_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Age in seconds of the result served for the collector: 0 when fresh, more when its collection failed and the last good result was served (only with --scrape.stale-snapshot-max-age).',
    labels: ['collector'],
    source: SCRAPE,
  },
  skipped: {
    name: 'nft_scrape_skipped_records_total',
    type: 'counter',
    help: 'Malformed lines or records that a collector skipped, since start.',
    labels: ['collector'],
    source: SCRAPE,
  },
  rejected: {
    name: 'nft_http_scrapes_rejected_total',
    type: 'counter',
    help: 'Metrics requests rejected with HTTP status 503 because --web.max-requests scrapes were already running, since start.',
    labels: [],
    source: 'exporter HTTP server',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Every self-metric descriptor, for docs/metrics.md. */
export const SELF_DESCRIPTOR_LIST: readonly MetricDescriptor[] = Object.values(SELF_DESCRIPTORS);
