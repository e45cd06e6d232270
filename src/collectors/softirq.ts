// Collector softirq: per-CPU counts of the network receive and transmit softirqs, the
// NET_RX and NET_TX rows of /proc/softirqs.

import { fileReaderFor, probePath, requireSnapshot } from '../files/probe.js';
import { readSoftirqs, SOFTIRQS_PATH, type SoftirqsSnapshot } from '../files/softirqs.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { registerCollector } from './types.js';

const SOFTIRQ_TOTAL: MetricDescriptor = {
  name: 'nft_softirq_total',
  type: 'counter',
  help:
    'Network softirqs run on the CPU, kind net_rx (receive) or net_tx (transmit), ' +
    'from the NET_RX and NET_TX rows of /proc/softirqs.',
  labels: ['cpu', 'kind'],
  source: '/proc/softirqs NET_RX, NET_TX',
};

const KINDS: ReadonlyMap<string, string> = new Map([
  ['NET_RX', 'net_rx'],
  ['NET_TX', 'net_tx'],
]);

/** Builds the softirq family: one sample per CPU for NET_RX and for NET_TX. */
export function softirqFamilies(snapshot: SoftirqsSnapshot): MetricFamily[] {
  const fam = family(SOFTIRQ_TOTAL);
  for (const row of snapshot.rows) {
    const kind = KINDS.get(row.name);
    if (kind === undefined) continue;
    row.counts.forEach((count, index) => {
      addSample(fam, count, String(snapshot.cpus[index]), kind);
    });
  }
  return [fam];
}

/** The softirq collector, registered under the name `softirq`. */
export const softirqCollector = registerCollector({
  name: 'softirq',
  descriptors: [SOFTIRQ_TOTAL],
  interfaceScoped: false,
  probe: (ctx) => probePath(fileReaderFor(ctx.config), 'procfs', SOFTIRQS_PATH, 'file'),
  async collect(ctx) {
    const reader = fileReaderFor(ctx.config);
    const snapshot = await readSoftirqs(reader);
    return softirqFamilies(requireSnapshot(ctx, snapshot, reader, 'procfs', SOFTIRQS_PATH));
  },
});
