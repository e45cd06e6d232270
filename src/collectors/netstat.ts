// Collector netstat: IP, ICMP, TCP and UDP MIB fields from /proc/net/snmp, /proc/net/netstat
// and /proc/net/snmp6, as `protocol` and `field` labels. Only the fields whose
// `<protocol>_<field>` name (`Tcp_RetransSegs`) matches `netstat.fieldInclude` as a whole are
// exported. Counters and gauges go to separate families, so that rate() is never applied
// to a gauge.

import { wholeMatch } from '../files/match.js';
import { type NetstatSnapshot, readNetstat, SNMP_PATH } from '../files/netstat.js';
import { fileReaderFor, ownNamespaceOnly, probePath, requireSnapshot } from '../files/probe.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { registerCollector } from './types.js';

const SOURCE = '/proc/net/snmp, /proc/net/netstat, /proc/net/snmp6';

const COUNTER: MetricDescriptor = {
  name: 'nft_netstat_total',
  type: 'counter',
  help:
    'MIB counter, in the unit of the field (packets, segments, datagrams, octets or events), ' +
    `from ${SOURCE}.`,
  labels: ['protocol', 'field'],
  source: SOURCE,
};

const GAUGE: MetricDescriptor = {
  name: 'nft_netstat_value',
  type: 'gauge',
  help:
    'MIB gauge: Tcp CurrEstab (connections), Tcp MaxConn (-1 when unlimited), Tcp RtoMin and ' +
    `RtoMax (milliseconds), Tcp RtoAlgorithm, Ip Forwarding and Ip DefaultTTL (hops), from ${SOURCE}.`,
  labels: ['protocol', 'field'],
  source: SOURCE,
};

// RFC 4022 (TCP-MIB) and RFC 4293 (IP-MIB) define these as current values or settings.
// Every other field is a counter.
const GAUGE_FIELDS = new Set([
  'Ip_Forwarding',
  'Ip_DefaultTTL',
  'Tcp_RtoAlgorithm',
  'Tcp_RtoMin',
  'Tcp_RtoMax',
  'Tcp_MaxConn',
  'Tcp_CurrEstab',
]);

/**
 * Builds the netstat families from the fields whose `<protocol>_<field>` name matches
 * `include` as a whole. A negative counter, which the kernel never writes, is skipped and
 * counted in the returned `skipped`.
 */
export function netstatFamilies(
  snapshot: NetstatSnapshot,
  include: RegExp,
): { families: MetricFamily[]; skipped: number } {
  const anchored = wholeMatch(include);
  const counters = family(COUNTER);
  const gauges = family(GAUGE);
  let skipped = 0;
  for (const { protocol, field, value } of snapshot.fields) {
    const name = `${protocol}_${field}`;
    if (!anchored.test(name)) continue;
    if (GAUGE_FIELDS.has(name)) {
      addSample(gauges, Number(value), protocol, field);
    } else if (value < 0n) {
      skipped++;
    } else {
      addSample(counters, value, protocol, field);
    }
  }
  return { families: [counters, gauges], skipped };
}

/** The netstat collector, registered under the name `netstat`. */
export const netstatCollector = registerCollector({
  name: 'netstat',
  descriptors: [COUNTER, GAUGE],
  interfaceScoped: false,
  probe: async (ctx) =>
    ownNamespaceOnly(ctx) ?? probePath(fileReaderFor(ctx.config), 'procfs', SNMP_PATH, 'file'),
  async collect(ctx) {
    const reader = fileReaderFor(ctx.config);
    const snapshot = requireSnapshot(ctx, await readNetstat(reader), reader, 'procfs', SNMP_PATH);
    const { families, skipped } = netstatFamilies(snapshot, ctx.config.netstat.fieldInclude);
    if (skipped > 0) ctx.stats.addSkipped(skipped);
    return families;
  },
});
