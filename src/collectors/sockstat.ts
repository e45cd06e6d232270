// Collector sockstat: sockets in use per protocol from /proc/net/sockstat and
// /proc/net/sockstat6, and the memory that TCP, UDP and IP reassembly hold, in bytes.

import { fileReaderFor, ownNamespaceOnly, probePath, requireSnapshot } from '../files/probe.js';
import { readSockstat, SOCKSTAT_PATH, type SockstatSnapshot } from '../files/sockstat.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { registerCollector } from './types.js';

const SOURCE = '/proc/net/sockstat, /proc/net/sockstat6';

const SOCKSTAT: MetricDescriptor = {
  name: 'nft_sockstat',
  type: 'gauge',
  help:
    'Sockets per protocol and key (inuse, orphan, tw, alloc; sockets used; frag inuse counts ' +
    `reassembly queues), from ${SOURCE}.`,
  labels: ['protocol', 'key'],
  source: SOURCE,
};

const MEMORY_BYTES: MetricDescriptor = {
  name: 'nft_sockstat_memory_bytes',
  type: 'gauge',
  unit: 'bytes',
  help:
    'Memory in bytes held by the protocol: tcp, udp and udplite "mem" pages times the page ' +
    `size, frag and frag6 "memory", from ${SOURCE}.`,
  labels: ['protocol'],
  source: SOURCE,
};

/**
 * Builds the sockstat families. Protocols are lower-cased (`TCP6` becomes `tcp6`). Without a
 * page size the "mem" values cannot be converted, so they are left out and counted as skipped.
 */
export function sockstatFamilies(snapshot: SockstatSnapshot): {
  families: MetricFamily[];
  skipped: number;
} {
  const sockets = family(SOCKSTAT);
  const memory = family(MEMORY_BYTES);
  let skipped = 0;
  for (const { protocol, key, value } of snapshot.entries) {
    const name = protocol.toLowerCase();
    if (key === 'memory') {
      addSample(memory, value, name);
    } else if (key === 'mem') {
      if (snapshot.pageSize === undefined) skipped++;
      else addSample(memory, value * snapshot.pageSize, name);
    } else {
      addSample(sockets, value, name, key);
    }
  }
  return { families: [sockets, memory], skipped };
}

/** The sockstat collector, registered under the name `sockstat`. */
export const sockstatCollector = registerCollector({
  name: 'sockstat',
  descriptors: [SOCKSTAT, MEMORY_BYTES],
  interfaceScoped: false,
  probe: async (ctx) =>
    ownNamespaceOnly(ctx) ?? probePath(fileReaderFor(ctx.config), 'procfs', SOCKSTAT_PATH, 'file'),
  async collect(ctx) {
    const reader = fileReaderFor(ctx.config);
    const snapshot = requireSnapshot(
      ctx,
      await readSockstat(reader),
      reader,
      'procfs',
      SOCKSTAT_PATH,
    );
    const { families, skipped } = sockstatFamilies(snapshot);
    if (skipped > 0) ctx.stats.addSkipped(skipped);
    return families;
  },
});
