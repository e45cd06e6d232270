// Descriptor table of the qdisc-specific statistics (TCA_STATS_APP) that the traffic_control
// collector exports, one family per kind and field. Field names are the C names of the
// structs in <linux/pkt_sched.h>, as src/families/tc/xstats.ts decodes them.

import type { Xstats } from '../families/tc/xstats.js';
import type { MetricDescriptor, MetricType } from '../metrics/model.js';

/** One exported field: its family and the factor that converts the kernel unit to the base unit. */
export interface XstatsMetric {
  readonly kind: string;
  readonly field: string;
  readonly desc: MetricDescriptor;
  /**
   * Conversion to seconds as [multiplier, divisor]: the integer product is exact, so the one
   * division rounds once. Undefined keeps the value unchanged.
   */
  readonly scale?: readonly [number, number];
}

/** PSCHED_NS2TICKS shifts nanoseconds right by 6 (<net/pkt_sched.h>), so one tick is 64 ns. */
const PSCHED_TICKS: readonly [number, number] = [64, 1e9];
const NANOSECONDS: readonly [number, number] = [1, 1e9];
const MICROSECONDS: readonly [number, number] = [1, 1e6];

function xstat(
  scope: 'qdisc' | 'class',
  kind: string,
  struct: string,
  field: string,
  suffix: string,
  type: MetricType,
  help: string,
  scale?: readonly [number, number],
): XstatsMetric {
  const base = suffix.replace(/_total$/, '');
  const unit = ['bytes', 'seconds'].find((u) => base === u || base.endsWith(`_${u}`));
  const message = scope === 'qdisc' ? 'RTM_NEWQDISC' : 'RTM_NEWTCLASS';
  return {
    kind,
    field,
    desc: {
      name: `nft_tc_${scope}_${kind}_${suffix}`,
      type,
      help: `${help} (${kind} ${scope}).`,
      ...(unit === undefined ? {} : { unit }),
      labels: scope === 'qdisc' ? ['device', 'handle', 'parent'] : ['device', 'classid', 'parent'],
      source: `${message} TCA_STATS2/TCA_STATS_APP ${struct}.${field}`,
    },
    ...(scale === undefined ? {} : { scale }),
  };
}

function qdisc(kind: string, struct: string) {
  return (
    field: string,
    suffix: string,
    type: MetricType,
    help: string,
    scale?: readonly [number, number],
  ) => xstat('qdisc', kind, struct, field, suffix, type, help, scale);
}

function cls(kind: string, struct: string) {
  return (
    field: string,
    suffix: string,
    type: MetricType,
    help: string,
    scale?: readonly [number, number],
  ) => xstat('class', kind, struct, field, suffix, type, help, scale);
}

const fqCodel = qdisc('fq_codel', 'tc_fq_codel_qd_stats');
const fq = qdisc('fq', 'tc_fq_qd_stats');
const codel = qdisc('codel', 'tc_codel_xstats');
const red = qdisc('red', 'tc_red_xstats');
const choke = qdisc('choke', 'tc_choke_xstats');
const sfb = qdisc('sfb', 'tc_sfb_xstats');
const pie = qdisc('pie', 'tc_pie_xstats');
const fqPie = qdisc('fq_pie', 'tc_fq_pie_xstats');
const hhf = qdisc('hhf', 'tc_hhf_xstats');
const htb = cls('htb', 'tc_htb_xstats');
const hfsc = cls('hfsc', 'tc_hfsc_stats');
const drr = cls('drr', 'tc_drr_stats');

/** Fields of qdisc statistics, by kind. */
export const QDISC_XSTATS: readonly XstatsMetric[] = [
  fqCodel('maxpacket', 'max_packet_bytes', 'gauge', 'Largest packet seen, in bytes'),
  fqCodel(
    'drop_overlimit',
    'drop_overlimit_total',
    'counter',
    'Packets dropped because the qdisc packet limit was hit',
  ),
  fqCodel('ecn_mark', 'ecn_mark_total', 'counter', 'Packets ECN-marked instead of dropped'),
  fqCodel('new_flow_count', 'new_flows_total', 'counter', 'Flows created by arriving packets'),
  fqCodel('new_flows_len', 'new_flows', 'gauge', 'Flows in the new-flows list'),
  fqCodel('old_flows_len', 'old_flows', 'gauge', 'Flows in the old-flows list'),
  fqCodel('ce_mark', 'ce_mark_total', 'counter', 'Packets CE-marked above ce_threshold'),
  fqCodel('memory_usage', 'memory_usage_bytes', 'gauge', 'Memory used by queued packets, in bytes'),
  fqCodel(
    'drop_overmemory',
    'drop_overmemory_total',
    'counter',
    'Packets dropped because the memory limit was hit',
  ),
  fq('gc_flows', 'gc_flows_total', 'counter', 'Flows garbage-collected'),
  fq(
    'highprio_packets',
    'highprio_packets_total',
    'counter',
    'Packets sent through the high-priority band',
  ),
  fq('tcp_retrans', 'tcp_retrans_total', 'counter', 'TCP retransmitted packets seen'),
  fq('throttled', 'throttled_total', 'counter', 'Times a flow was throttled by pacing'),
  fq(
    'flows_plimit',
    'flows_plimit_total',
    'counter',
    'Packets dropped because the per-flow packet limit was hit',
  ),
  fq('pkts_too_long', 'pkts_too_long_total', 'counter', 'Packets longer than the quantum'),
  fq('allocation_errors', 'allocation_errors_total', 'counter', 'Flow allocation failures'),
  fq('flows', 'flows', 'gauge', 'Flows tracked'),
  fq('inactive_flows', 'inactive_flows', 'gauge', 'Flows without queued packets'),
  fq('throttled_flows', 'throttled_flows', 'gauge', 'Flows waiting for pacing'),
  fq(
    'unthrottle_latency_ns',
    'unthrottle_latency_seconds',
    'gauge',
    'Average delay between the pacing timer and the flow release, in seconds',
    NANOSECONDS,
  ),
  fq('ce_mark', 'ce_mark_total', 'counter', 'Packets CE-marked above ce_threshold'),
  fq(
    'horizon_drops',
    'horizon_drops_total',
    'counter',
    'Packets dropped because their timestamp was beyond the horizon',
  ),
  fq(
    'horizon_caps',
    'horizon_caps_total',
    'counter',
    'Packets whose timestamp was capped to the horizon',
  ),
  codel('maxpacket', 'max_packet_bytes', 'gauge', 'Largest packet seen, in bytes'),
  codel(
    'count',
    'drop_state_drops',
    'gauge',
    'Packets dropped since the qdisc last entered the dropping state',
  ),
  codel(
    'ldelay',
    'delay_seconds',
    'gauge',
    'In-queue delay of the last dequeued packet, in seconds',
    MICROSECONDS,
  ),
  codel(
    'drop_overlimit',
    'drop_overlimit_total',
    'counter',
    'Packets dropped because the qdisc packet limit was hit',
  ),
  codel('ecn_mark', 'ecn_mark_total', 'counter', 'Packets ECN-marked instead of dropped'),
  codel('dropping', 'dropping', 'gauge', '1 while the qdisc is in the dropping state, 0 otherwise'),
  codel('ce_mark', 'ce_mark_total', 'counter', 'Packets CE-marked above ce_threshold'),
  red('early', 'early_drops_total', 'counter', 'Packets dropped early, below the hard limit'),
  red('pdrop', 'limit_drops_total', 'counter', 'Packets dropped because the queue limit was hit'),
  red('other', 'other_drops_total', 'counter', 'Packets dropped for other reasons'),
  red('marked', 'marked_total', 'counter', 'Packets ECN-marked instead of dropped'),
  choke('early', 'early_drops_total', 'counter', 'Packets dropped early, below the hard limit'),
  choke('pdrop', 'limit_drops_total', 'counter', 'Packets dropped because the queue limit was hit'),
  choke('other', 'other_drops_total', 'counter', 'Packets dropped for other reasons'),
  choke('marked', 'marked_total', 'counter', 'Packets ECN-marked instead of dropped'),
  choke(
    'matched',
    'matched_drops_total',
    'counter',
    'Packets dropped because they matched a queued packet of the same flow',
  ),
  sfb('earlydrop', 'early_drops_total', 'counter', 'Packets dropped early by the Blue probability'),
  sfb(
    'penaltydrop',
    'penalty_drops_total',
    'counter',
    'Packets of inelastic flows dropped by the penalty rate limit',
  ),
  sfb('bucketdrop', 'bucket_drops_total', 'counter', 'Packets dropped because a bucket was full'),
  sfb(
    'queuedrop',
    'queue_drops_total',
    'counter',
    'Packets dropped because the queue limit was hit',
  ),
  sfb('childdrop', 'child_drops_total', 'counter', 'Packets dropped by the child qdisc'),
  sfb('marked', 'marked_total', 'counter', 'Packets ECN-marked instead of dropped'),
  sfb('maxqlen', 'max_bucket_packets', 'gauge', 'Largest bucket queue length, in packets'),
  pie('packets_in', 'enqueued_packets_total', 'counter', 'Packets enqueued'),
  pie('dropped', 'dropped_total', 'counter', 'Packets dropped by the PIE drop decision'),
  pie(
    'overlimit',
    'overlimit_drops_total',
    'counter',
    'Packets dropped because the queue limit was hit',
  ),
  pie('maxq', 'max_queue_packets', 'gauge', 'Largest queue length seen, in packets'),
  pie('ecn_mark', 'ecn_mark_total', 'counter', 'Packets ECN-marked instead of dropped'),
  fqPie('packets_in', 'enqueued_packets_total', 'counter', 'Packets enqueued'),
  fqPie('dropped', 'dropped_total', 'counter', 'Packets dropped by the PIE drop decision'),
  fqPie(
    'overlimit',
    'overlimit_drops_total',
    'counter',
    'Packets dropped because the queue limit was hit',
  ),
  fqPie(
    'overmemory',
    'overmemory_drops_total',
    'counter',
    'Packets dropped because the memory limit was hit',
  ),
  fqPie('ecn_mark', 'ecn_mark_total', 'counter', 'Packets ECN-marked instead of dropped'),
  fqPie('new_flow_count', 'new_flows_total', 'counter', 'Flows created by arriving packets'),
  fqPie('new_flows_len', 'new_flows', 'gauge', 'Flows in the new-flows list'),
  fqPie('old_flows_len', 'old_flows', 'gauge', 'Flows in the old-flows list'),
  fqPie('memory_usage', 'memory_usage_bytes', 'gauge', 'Memory used by queued packets, in bytes'),
  hhf(
    'drop_overlimit',
    'drop_overlimit_total',
    'counter',
    'Packets dropped because the qdisc packet limit was hit',
  ),
  hhf(
    'hh_overlimit',
    'heavy_hitter_overlimit_total',
    'counter',
    'Times the heavy-hitter table was full',
  ),
  hhf('hh_tot_count', 'heavy_hitters_total', 'counter', 'Heavy-hitter flows detected'),
  hhf('hh_cur_count', 'heavy_hitters', 'gauge', 'Heavy-hitter flows tracked now'),
];

/** Fields of class statistics, by the kind of the qdisc that owns the class. */
export const CLASS_XSTATS: readonly XstatsMetric[] = [
  htb('lends', 'lends_total', 'counter', 'Packets the class sent within its own rate'),
  htb(
    'borrows',
    'borrows_total',
    'counter',
    'Packets the class sent with rate borrowed from an ancestor',
  ),
  htb(
    'tokens',
    'tokens_seconds',
    'gauge',
    'Rate tokens left, as transmit time at the class rate, in seconds',
    PSCHED_TICKS,
  ),
  htb(
    'ctokens',
    'ceil_tokens_seconds',
    'gauge',
    'Ceil tokens left, as transmit time at the ceil rate, in seconds',
    PSCHED_TICKS,
  ),
  hfsc('work', 'work_bytes_total', 'counter', 'Bytes served by the class'),
  hfsc('rtwork', 'realtime_work_bytes_total', 'counter', 'Bytes served under the real-time curve'),
  drr('deficit', 'deficit_bytes', 'gauge', 'Deficit counter of the class, in bytes'),
];

/** Groups a table by kind for lookups per object. */
export function byKind(
  table: readonly XstatsMetric[],
): ReadonlyMap<string, readonly XstatsMetric[]> {
  const out = new Map<string, XstatsMetric[]>();
  for (const metric of table) {
    const list = out.get(metric.kind) ?? [];
    list.push(metric);
    out.set(metric.kind, list);
  }
  return out;
}

/** Returns the exported value of `metric` in `xstats`, or undefined when the kernel did not send it. */
export function xstatsValue(metric: XstatsMetric, xstats: Xstats): number | bigint | undefined {
  const raw = xstats[metric.field];
  if (raw === undefined) return undefined;
  if (metric.scale === undefined) return raw;
  const [multiplier, divisor] = metric.scale;
  return (Number(raw) * multiplier) / divisor;
}
