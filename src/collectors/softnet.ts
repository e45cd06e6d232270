// Collector softnet: per-CPU counters of the receive softirq and backlog queue lengths,
// from /proc/net/softnet_stat. A family whose column the kernel does not write is empty.

import { fileReaderFor, probePath, requireSnapshot } from '../files/probe.js';
import {
  readSoftnet,
  SOFTNET_PATH,
  type SoftnetCpu,
  type SoftnetSnapshot,
} from '../files/softnet.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { registerCollector } from './types.js';

const FILE = '/proc/net/softnet_stat';

function counter(name: string, column: number, help: string): MetricDescriptor {
  return {
    name,
    type: 'counter',
    help: `${help}, from ${FILE} column ${column}.`,
    labels: ['cpu'],
    source: `${FILE} column ${column}`,
  };
}

function gauge(name: string, column: number, help: string): MetricDescriptor {
  return { ...counter(name, column, help), type: 'gauge' };
}

/** Descriptors with the snapshot field each one reads, in column order. */
const SOFTNET_METRICS: readonly (readonly [keyof Omit<SoftnetCpu, 'cpu'>, MetricDescriptor])[] = [
  [
    'processed',
    counter(
      'nft_softnet_processed_total',
      1,
      'Packets processed by the receive softirq on the CPU',
    ),
  ],
  [
    'dropped',
    counter(
      'nft_softnet_dropped_total',
      2,
      'Packets dropped because the CPU backlog queue was full (netdev_max_backlog)',
    ),
  ],
  [
    'timeSqueeze',
    counter(
      'nft_softnet_time_squeeze_total',
      3,
      'Times the receive softirq ran out of budget or time with packets left to process',
    ),
  ],
  [
    'cpuCollision',
    counter(
      'nft_softnet_cpu_collision_total',
      9,
      'Times the CPU found a transmit queue lock taken; kernels that no longer count it write 0',
    ),
  ],
  [
    'receivedRps',
    counter(
      'nft_softnet_received_rps_total',
      10,
      'Times the CPU was woken by an inter-processor interrupt to process packets steered to it by RPS',
    ),
  ],
  [
    'flowLimitCount',
    counter(
      'nft_softnet_flow_limit_count_total',
      11,
      'Packets dropped by the per-flow backlog limit (net.core.flow_limit_cpu_bitmap)',
    ),
  ],
  [
    'backlogLength',
    gauge(
      'nft_softnet_backlog_length',
      12,
      'Packets queued in the CPU backlog (input and process queues together)',
    ),
  ],
  [
    'inputQueueLength',
    gauge('nft_softnet_input_queue_length', 14, 'Packets queued in the CPU input_pkt_queue'),
  ],
  [
    'processQueueLength',
    gauge('nft_softnet_process_queue_length', 15, 'Packets queued in the CPU process_queue'),
  ],
];

/** Builds the softnet families: one sample per CPU for each column the kernel wrote. */
export function softnetFamilies(snapshot: SoftnetSnapshot): MetricFamily[] {
  return SOFTNET_METRICS.map(([field, desc]) => {
    const fam = family(desc);
    for (const cpu of snapshot.cpus) {
      const value = cpu[field];
      if (value !== undefined) addSample(fam, value, String(cpu.cpu));
    }
    return fam;
  });
}

/** The softnet collector, registered under the name `softnet`. */
export const softnetCollector = registerCollector({
  name: 'softnet',
  descriptors: SOFTNET_METRICS.map(([, desc]) => desc),
  interfaceScoped: false,
  probe: (ctx) => probePath(fileReaderFor(ctx.config), 'procfs', SOFTNET_PATH, 'file'),
  async collect(ctx) {
    const reader = fileReaderFor(ctx.config);
    const snapshot = await readSoftnet(reader);
    return softnetFamilies(requireSnapshot(ctx, snapshot, reader, 'procfs', SOFTNET_PATH));
  },
});
