// Collector nic_bql: byte queue limits (BQL) of each network device, summed across its
// transmit queues, from /sys/class/net/<dev>/queues/tx-<n>/byte_queue_limits.

import { type BqlSnapshot, readBql } from '../files/bql.js';
import { NET_CLASS_PATH } from '../files/netdev.js';
import { fileReaderFor, ownNamespaceOnly, probePath, requireSnapshot } from '../files/probe.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { registerCollector } from './types.js';

const DIR = '/sys/class/net/<dev>/queues/tx-<n>/byte_queue_limits';

const LIMIT_BYTES: MetricDescriptor = {
  name: 'nft_nic_bql_limit_bytes',
  type: 'gauge',
  unit: 'bytes',
  help: `Bytes that BQL currently lets the driver queue, summed across the device's transmit queues, from ${DIR}/limit.`,
  labels: ['device'],
  source: `${DIR}/limit`,
};

const INFLIGHT_BYTES: MetricDescriptor = {
  name: 'nft_nic_bql_inflight_bytes',
  type: 'gauge',
  unit: 'bytes',
  help: `Bytes queued to the driver and not yet completed, summed across the device's transmit queues, from ${DIR}/inflight.`,
  labels: ['device'],
  source: `${DIR}/inflight`,
};

/** Builds the BQL families: one sample per device with at least one BQL queue. */
export function bqlFamilies(snapshot: BqlSnapshot): MetricFamily[] {
  const limit = family(LIMIT_BYTES);
  const inflight = family(INFLIGHT_BYTES);
  for (const device of snapshot.devices) {
    addSample(limit, device.limitBytes, device.device);
    addSample(inflight, device.inflightBytes, device.device);
  }
  return [limit, inflight];
}

/** The nic_bql collector, registered under the name `nic_bql`. */
export const nicBqlCollector = registerCollector({
  name: 'nic_bql',
  descriptors: [LIMIT_BYTES, INFLIGHT_BYTES],
  interfaceScoped: true,
  probe: async (ctx) =>
    ownNamespaceOnly(ctx) ??
    probePath(fileReaderFor(ctx.config), 'sysfs', NET_CLASS_PATH, 'directory'),
  async collect(ctx) {
    const reader = fileReaderFor(ctx.config);
    const snapshot = await readBql(reader, ctx.interfaceAllowed);
    return bqlFamilies(requireSnapshot(ctx, snapshot, reader, 'sysfs', NET_CLASS_PATH));
  },
});
