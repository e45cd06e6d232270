// Decoders for the qdisc-specific statistics in TCA_STATS2/TCA_STATS_APP (also sent as
// TCA_XSTATS). Each kind sends one fixed struct from <linux/pkt_sched.h>; the layouts below
// were checked against the Linux 6.1 uapi header. Kernels append fields over time, so a
// field is decoded when the payload covers it, and only the first `min` bytes are required.

import { DecodeError } from '../../netlink/errors.js';

type FieldType = 'u32' | 's32' | 'u64' | 's64';

/** One struct: C field names with their types in wire order, and the bytes required. */
interface Layout {
  readonly struct: string;
  readonly min: number;
  readonly fields: readonly (readonly [string, FieldType])[];
}

/** Decoded fields by C field name: u32 and s32 as number, u64 and s64 as bigint. */
export type Xstats = Readonly<Record<string, number | bigint>>;

const u32 = (name: string): readonly [string, FieldType] => [name, 'u32'];
const u64 = (name: string): readonly [string, FieldType] => [name, 'u64'];

/** struct tc_fq_codel_qd_stats, after the u32 type tag of struct tc_fq_codel_xstats. */
const FQ_CODEL_QDISC: Layout = {
  struct: 'tc_fq_codel_qd_stats',
  // NB: ce_mark, memory_usage and drop_overmemory were appended after Linux 3.5.
  min: 24,
  fields: [
    u32('maxpacket'),
    u32('drop_overlimit'),
    u32('ecn_mark'),
    u32('new_flow_count'),
    u32('new_flows_len'),
    u32('old_flows_len'),
    u32('ce_mark'),
    u32('memory_usage'),
    u32('drop_overmemory'),
  ],
};

/** Layouts of qdisc statistics by qdisc kind (TCA_KIND). */
const QDISC_LAYOUTS: Readonly<Record<string, Layout>> = {
  fq: {
    struct: 'tc_fq_qd_stats',
    // NB: the first release (Linux 3.12) sent 80 bytes; ce_mark and the horizon counters
    // were appended later.
    min: 80,
    fields: [
      u64('gc_flows'),
      u64('highprio_packets'),
      u64('tcp_retrans'),
      u64('throttled'),
      u64('flows_plimit'),
      u64('pkts_too_long'),
      u64('allocation_errors'),
      ['time_next_delayed_flow', 's64'],
      u32('flows'),
      u32('inactive_flows'),
      u32('throttled_flows'),
      u32('unthrottle_latency_ns'),
      u64('ce_mark'),
      u64('horizon_drops'),
      u64('horizon_caps'),
    ],
  },
  codel: {
    struct: 'tc_codel_xstats',
    min: 32,
    fields: [
      u32('maxpacket'),
      u32('count'),
      u32('lastcount'),
      u32('ldelay'),
      ['drop_next', 's32'],
      u32('drop_overlimit'),
      u32('ecn_mark'),
      u32('dropping'),
      u32('ce_mark'),
    ],
  },
  red: {
    struct: 'tc_red_xstats',
    min: 16,
    fields: [u32('early'), u32('pdrop'), u32('other'), u32('marked')],
  },
  choke: {
    struct: 'tc_choke_xstats',
    min: 20,
    fields: [u32('early'), u32('pdrop'), u32('other'), u32('marked'), u32('matched')],
  },
  sfb: {
    struct: 'tc_sfb_xstats',
    min: 36,
    fields: [
      u32('earlydrop'),
      u32('penaltydrop'),
      u32('bucketdrop'),
      u32('queuedrop'),
      u32('childdrop'),
      u32('marked'),
      u32('maxqlen'),
      u32('maxprob'),
      u32('avgprob'),
    ],
  },
  pie: {
    struct: 'tc_pie_xstats',
    // NB: Linux 5.6 widened prob from u32 to u64, which moved every later field; kernels
    // before it send 36 bytes, which this layout rejects.
    min: 40,
    fields: [
      u64('prob'),
      u32('delay'),
      u32('avg_dq_rate'),
      u32('dq_rate_estimating'),
      u32('packets_in'),
      u32('dropped'),
      u32('overlimit'),
      u32('maxq'),
      u32('ecn_mark'),
    ],
  },
  fq_pie: {
    struct: 'tc_fq_pie_xstats',
    min: 36,
    fields: [
      u32('packets_in'),
      u32('dropped'),
      u32('overlimit'),
      u32('overmemory'),
      u32('ecn_mark'),
      u32('new_flow_count'),
      u32('new_flows_len'),
      u32('old_flows_len'),
      u32('memory_usage'),
    ],
  },
  hhf: {
    struct: 'tc_hhf_xstats',
    min: 16,
    fields: [u32('drop_overlimit'), u32('hh_overlimit'), u32('hh_tot_count'), u32('hh_cur_count')],
  },
};

/** Layouts of class statistics by the kind of the qdisc that owns the class. */
const CLASS_LAYOUTS: Readonly<Record<string, Layout>> = {
  htb: {
    struct: 'tc_htb_xstats',
    min: 20,
    fields: [u32('lends'), u32('borrows'), u32('giants'), ['tokens', 's32'], ['ctokens', 's32']],
  },
  hfsc: {
    struct: 'tc_hfsc_stats',
    min: 24,
    fields: [u64('work'), u64('rtwork'), u32('period'), u32('level')],
  },
  drr: { struct: 'tc_drr_stats', min: 4, fields: [u32('deficit')] },
  qfq: { struct: 'tc_qfq_stats', min: 8, fields: [u32('weight'), u32('lmax')] },
};

const SIZES: Readonly<Record<FieldType, number>> = { u32: 4, s32: 4, u64: 8, s64: 8 };

function decodeLayout(
  layout: Layout,
  buf: Buffer,
  at: number,
  length: number,
  path: string,
): Xstats {
  if (length < layout.min) {
    throw new DecodeError(
      `${path}/${layout.struct}`,
      `expected at least ${layout.min} bytes`,
      length,
    );
  }
  const out: Record<string, number | bigint> = {};
  let offset = 0;
  for (const [name, type] of layout.fields) {
    const size = SIZES[type];
    if (offset + size > length) break;
    const pos = at + offset;
    if (type === 'u32') out[name] = buf.readUInt32LE(pos);
    else if (type === 's32') out[name] = buf.readInt32LE(pos);
    else if (type === 'u64') out[name] = buf.readBigUInt64LE(pos);
    else out[name] = buf.readBigInt64LE(pos);
    offset += size;
  }
  return out;
}

// NB: kinds come from the kernel, so a plain index could hit Object.prototype members.
function lookup(table: Readonly<Record<string, Layout>>, kind: string): Layout | undefined {
  return Object.hasOwn(table, kind) ? table[kind] : undefined;
}

/** fq_codel's union: a u32 tag (0 qdisc, 1 class) in front of the qdisc or flow struct. */
const FQ_CODEL_XSTATS_QDISC = 0;

/**
 * Decodes the TCA_STATS_APP payload `buf[at, at + length)` of a qdisc (`isClass` false) or
 * class of `kind`. Returns undefined for kinds without decoded statistics (and for fq_codel
 * flow classes). Throws DecodeError when the payload is shorter than the struct's minimum.
 */
export function decodeXstats(
  kind: string,
  isClass: boolean,
  buf: Buffer,
  at: number,
  length: number,
  path: string,
): Xstats | undefined {
  if (isClass) {
    const layout = lookup(CLASS_LAYOUTS, kind);
    return layout === undefined ? undefined : decodeLayout(layout, buf, at, length, path);
  }
  if (kind === 'fq_codel') {
    if (length < 4)
      throw new DecodeError(`${path}/tc_fq_codel_xstats`, 'expected at least 4 bytes', length);
    if (buf.readUInt32LE(at) !== FQ_CODEL_XSTATS_QDISC) return undefined;
    return decodeLayout(FQ_CODEL_QDISC, buf, at + 4, length - 4, path);
  }
  const layout = lookup(QDISC_LAYOUTS, kind);
  return layout === undefined ? undefined : decodeLayout(layout, buf, at, length, path);
}
