// traffic_control collector: qdisc statistics summed per device and kind, and per-qdisc and
// per-class series with their handles while the host has at most
// `traffic_control.max_objects` qdiscs and classes. Reads one RTM_GETLINK dump for device
// names, one RTM_GETQDISC dump, and one RTM_GETTCLASS dump per device with a classful qdisc.

import { dumpLinksSkipStats } from '../families/rtnetlink/client.js';
import { dumpClasses, dumpQdiscs } from '../families/tc/client.js';
import { TC_H_ROOT, TC_H_UNSPEC } from '../families/tc/constants.js';
import type { TcObjectSnapshot, TcStats } from '../families/tc/parse.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_ROUTE } from '../netlink/constants.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import {
  byKind,
  CLASS_XSTATS,
  QDISC_XSTATS,
  type XstatsMetric,
  xstatsValue,
} from './traffic_control_xstats.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const QDISC = 'RTM_NEWQDISC TCA_STATS2';
const CLASS = 'RTM_NEWTCLASS TCA_STATS2';
const SUMMED = '(summed across multi-queue child qdiscs of the same kind)';

/** Statistic of TcStats that one family exports. */
type StatField = 'bytes' | 'packets' | 'drops' | 'overlimits' | 'requeues' | 'backlog' | 'qlen';

/** Sources of each statistic in TCA_STATS2. */
const STAT_SOURCES: Readonly<Record<StatField, string>> = {
  bytes: 'TCA_STATS_BASIC.bytes',
  packets: 'TCA_STATS_PKT64, else TCA_STATS_BASIC.packets',
  drops: 'TCA_STATS_QUEUE.drops',
  overlimits: 'TCA_STATS_QUEUE.overlimits',
  requeues: 'TCA_STATS_QUEUE.requeues',
  backlog: 'TCA_STATS_QUEUE.backlog',
  qlen: 'TCA_STATS_QUEUE.qlen',
};

/** Name suffix, type and help of each statistic. */
const STATS: readonly (readonly [StatField, string, 'counter' | 'gauge', string])[] = [
  ['bytes', 'bytes_total', 'counter', 'Total bytes processed by the'],
  ['packets', 'packets_total', 'counter', 'Total packets processed by the'],
  ['drops', 'drops_total', 'counter', 'Total packets dropped by the'],
  ['overlimits', 'overlimits_total', 'counter', 'Total overlimit events, in packets, of the'],
  ['requeues', 'requeues_total', 'counter', 'Total packets requeued by the'],
  ['backlog', 'backlog_bytes', 'gauge', 'Current backlog in bytes of the'],
  ['qlen', 'backlog_packets', 'gauge', 'Current backlog in packets (queue length) of the'],
];

function statFamilies(
  prefix: string,
  what: string,
  source: string,
  labels: readonly string[],
  helpSuffix = '',
): readonly (readonly [StatField, MetricDescriptor])[] {
  return STATS.map(([field, suffix, type, help]) => {
    const unit = suffix.replace(/_total$/, '').endsWith('bytes') ? 'bytes' : undefined;
    const desc: MetricDescriptor = {
      name: `${prefix}_${suffix}`,
      type,
      help: `${help} ${what}${helpSuffix}.`,
      ...(unit === undefined ? {} : { unit }),
      labels,
      source: `${source}/${STAT_SOURCES[field]}`,
    };
    return [field, desc] as const;
  });
}

/** Sums per (device, kind), which fold the per-queue child qdiscs of an mq root into one series. */
const SUMMED_STATS = statFamilies('nft_tc_qdisc', 'qdisc', QDISC, ['device', 'kind'], ` ${SUMMED}`);
/** One series per qdisc, while the object cap allows. */
const QDISC_STATS = statFamilies('nft_tc_qdisc_object', 'qdisc with this handle', QDISC, [
  'device',
  'kind',
  'handle',
  'parent',
]);
/** One series per class, while the object cap allows. */
const CLASS_STATS = statFamilies('nft_tc_class', 'class', CLASS, [
  'device',
  'kind',
  'classid',
  'parent',
]);

/** Name of the cap on per-qdisc and per-class series, in nft_scrape_cap_dropped_series. */
export const OBJECTS_CAP = 'traffic_control_objects';

/**
 * Kinds whose RTM_GETTCLASS dump has nothing to export: classless qdiscs, and qdiscs whose
 * classes are hash buckets of flows that come and go (fq_codel, sfq, cake). A device with only
 * these kinds gets no class dump; unknown kinds are dumped.
 */
const NO_CLASS_SERIES = new Set([
  'noqueue',
  'pfifo',
  'bfifo',
  'pfifo_fast',
  'pfifo_head_drop',
  'ingress',
  'clsact',
  'fq',
  'codel',
  'pie',
  'fq_pie',
  'hhf',
  'choke',
  'gred',
  'plug',
  'etf',
  'fq_codel',
  'sfq',
  'cake',
]);

/** Everything one scrape reads from the kernel. */
export interface TrafficControlSnapshot {
  /** Interface names by index, from the link dump. */
  readonly devices: ReadonlyMap<number, string>;
  readonly qdiscs: readonly TcObjectSnapshot[];
  /**
   * Classes of the devices that were dumped, or undefined when the qdiscs alone were over
   * the object cap and no class was dumped.
   */
  readonly classes: readonly TcObjectSnapshot[] | undefined;
}

/** Formats a qdisc handle as tc does: the major number in hex with a colon (`1:`). */
export function formatQdiscHandle(handle: number): string {
  return `${(handle >>> 16).toString(16)}:`;
}

/** Formats a class id or parent as tc does: `root`, `none`, `:min`, `maj:` or `maj:min` in hex. */
export function formatClassid(handle: number): string {
  if (handle === TC_H_ROOT) return 'root';
  if (handle === TC_H_UNSPEC) return 'none';
  const major = handle >>> 16;
  const minor = handle & 0xffff;
  if (major === 0) return `:${minor.toString(16)}`;
  if (minor === 0) return `${major.toString(16)}:`;
  return `${major.toString(16)}:${minor.toString(16)}`;
}

/** Reports whether the classes of a device with these qdisc kinds need a dump. */
export function needsClassDump(kinds: Iterable<string>): boolean {
  for (const kind of kinds) if (!NO_CLASS_SERIES.has(kind)) return true;
  return false;
}

function statValue(stats: TcStats, field: StatField): number | bigint | undefined {
  return stats[field];
}

function addStats(
  fams: readonly MetricFamily[],
  table: readonly (readonly [StatField, MetricDescriptor])[],
  stats: TcStats,
  labels: string[],
): void {
  table.forEach(([field], i) => {
    const value = statValue(stats, field);
    if (value !== undefined) addSample(fams[i]!, value, ...labels);
  });
}

function addXstats(
  fams: ReadonlyMap<XstatsMetric, MetricFamily>,
  metrics: readonly XstatsMetric[] | undefined,
  object: TcObjectSnapshot,
  labels: string[],
): void {
  if (metrics === undefined || object.xstats === undefined) return;
  for (const metric of metrics) {
    const value = xstatsValue(metric, object.xstats);
    if (value !== undefined) addSample(fams.get(metric)!, value, ...labels);
  }
}

function sumPerDeviceKind(
  qdiscs: readonly (readonly [string, TcObjectSnapshot])[],
): MetricFamily[] {
  const sums = new Map<string, { device: string; kind: string; values: bigint[] }>();
  for (const [device, qdisc] of qdiscs) {
    const stats = qdisc.stats!;
    const key = `${device}\0${qdisc.kind}`;
    let entry = sums.get(key);
    if (entry === undefined) {
      entry = { device, kind: qdisc.kind, values: SUMMED_STATS.map(() => 0n) };
      sums.set(key, entry);
    }
    SUMMED_STATS.forEach(([field], i) => {
      entry.values[i]! += BigInt(statValue(stats, field) ?? 0);
    });
  }
  return SUMMED_STATS.map(([, desc], i) => {
    const fam = family(desc);
    for (const { device, kind, values } of sums.values()) {
      const value = values[i]!;
      addSample(fam, desc.type === 'gauge' ? Number(value) : value, device, kind);
    }
    return fam;
  });
}

/**
 * Builds the families of one scrape. Qdiscs and classes of devices that `allowed` rejects or
 * that the link dump did not list are left out. Returns the families and the number of
 * per-object series dropped because the host had more than `maxObjects` qdiscs and classes.
 */
export function trafficControlFamilies(
  snap: TrafficControlSnapshot,
  allowed: (device: string) => boolean,
  maxObjects: number,
): { families: MetricFamily[]; capDropped: number } {
  const named = <T extends TcObjectSnapshot>(objects: readonly T[]): [string, T][] => {
    const out: [string, T][] = [];
    for (const object of objects) {
      const device = snap.devices.get(object.index);
      if (device !== undefined && allowed(device) && object.stats !== undefined) {
        out.push([device, object.kind === '' ? { ...object, kind: 'unknown' } : object]);
      }
    }
    return out;
  };
  const qdiscs = named(snap.qdiscs);
  const classes = named(snap.classes ?? []).filter(([, c]) => !NO_CLASS_SERIES.has(c.kind));

  const qdiscFams = QDISC_STATS.map(([, desc]) => family(desc));
  const classFams = CLASS_STATS.map(([, desc]) => family(desc));
  const xstatsFams = new Map<XstatsMetric, MetricFamily>();
  for (const metric of [...QDISC_XSTATS, ...CLASS_XSTATS])
    xstatsFams.set(metric, family(metric.desc));
  const qdiscXstats = byKind(QDISC_XSTATS);
  const classXstats = byKind(CLASS_XSTATS);

  for (const [device, q] of qdiscs) {
    const handle = formatQdiscHandle(q.handle);
    const parent = formatClassid(q.parent);
    addStats(qdiscFams, QDISC_STATS, q.stats!, [device, q.kind, handle, parent]);
    addXstats(xstatsFams, qdiscXstats.get(q.kind), q, [device, handle, parent]);
  }
  for (const [device, c] of classes) {
    const classid = formatClassid(c.handle);
    const parent = formatClassid(c.parent);
    addStats(classFams, CLASS_STATS, c.stats!, [device, c.kind, classid, parent]);
    addXstats(xstatsFams, classXstats.get(c.kind), c, [device, classid, parent]);
  }

  const perObject = [...qdiscFams, ...classFams, ...xstatsFams.values()];
  const objects = qdiscs.length + classes.length;
  if (snap.classes !== undefined && objects <= maxObjects) {
    return { families: [...sumPerDeviceKind(qdiscs), ...perObject], capDropped: 0 };
  }
  // NB: when the qdiscs alone were over the cap no class was dumped, so the dropped count
  // covers the per-qdisc series only.
  const capDropped = perObject.reduce((n, fam) => n + fam.samples.length, 0);
  const empty = perObject.map((fam) => family(fam.desc));
  return { families: [...sumPerDeviceKind(qdiscs), ...empty], capDropped };
}

async function readSnapshot(ctx: CollectContext): Promise<TrafficControlSnapshot> {
  return withSocket(ctx, NETLINK_ROUTE, async (socket) => {
    const opts = dumpOptions(ctx);
    const links = await dumpLinksSkipStats(socket, opts);
    const qdiscs = await dumpQdiscs(socket, opts);
    let restarts = links.restarts + qdiscs.restarts;

    const devices = new Map<number, string>();
    for (const link of links.items) {
      if (link.name !== '' && ctx.interfaceAllowed(link.name)) devices.set(link.index, link.name);
    }
    const kindsByDevice = new Map<number, Set<string>>();
    let qdiscCount = 0;
    for (const q of qdiscs.items) {
      if (!devices.has(q.index) || q.stats === undefined) continue;
      qdiscCount++;
      const kinds = kindsByDevice.get(q.index) ?? new Set<string>();
      kinds.add(q.kind);
      kindsByDevice.set(q.index, kinds);
    }
    if (qdiscCount > ctx.config.trafficControl.maxObjects) {
      ctx.stats.addDumpRestarts(restarts);
      return { devices, qdiscs: qdiscs.items, classes: undefined };
    }

    const classes: TcObjectSnapshot[] = [];
    for (const [index, kinds] of kindsByDevice) {
      if (!needsClassDump(kinds)) continue;
      const dump = await dumpClasses(socket, index, opts);
      restarts += dump.restarts;
      classes.push(...dump.items);
    }
    ctx.stats.addDumpRestarts(restarts);
    return { devices, qdiscs: qdiscs.items, classes };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    await withSocket(ctx, NETLINK_ROUTE, (socket) => dumpQdiscs(socket, dumpOptions(ctx)));
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'RTM_GETQDISC dump');
  }
}

async function collect(ctx: CollectContext): Promise<MetricFamily[]> {
  const snap = await readSnapshot(ctx);
  const { families, capDropped } = trafficControlFamilies(
    snap,
    ctx.interfaceAllowed,
    ctx.config.trafficControl.maxObjects,
  );
  if (capDropped > 0) ctx.stats.addCapDropped(OBJECTS_CAP, capDropped);
  return families;
}

/** The traffic_control collector. */
export const trafficControlCollector = registerCollector({
  name: 'traffic_control',
  descriptors: [
    ...SUMMED_STATS.map(([, desc]) => desc),
    ...QDISC_STATS.map(([, desc]) => desc),
    ...CLASS_STATS.map(([, desc]) => desc),
    ...QDISC_XSTATS.map((metric) => metric.desc),
    ...CLASS_XSTATS.map((metric) => metric.desc),
  ],
  interfaceScoped: true,
  probe,
  collect,
});
