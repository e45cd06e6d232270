// Shared pieces of the traffic_control tests that compare the collector with `tc -s -j`.

/** One qdisc as `tc -s -j qdisc show` prints it; the fq_codel fields appear for fq_codel only. */
export interface TcQdisc {
  kind: string;
  handle: string;
  dev: string;
  root?: boolean;
  parent?: string;
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
  backlog: number;
  qlen: number;
  maxpacket?: number;
  drop_overlimit?: number;
  new_flow_count?: number;
  ecn_mark?: number;
}

/** tc's statistic fields and the suffix of the collector's family for each. */
export const TC_STATS = [
  ['bytes', 'bytes_total'],
  ['packets', 'packets_total'],
  ['drops', 'drops_total'],
  ['overlimits', 'overlimits_total'],
  ['requeues', 'requeues_total'],
  ['backlog', 'backlog_bytes'],
  ['qlen', 'backlog_packets'],
] as const;

/** Returns `name{k="v",...}` with the labels sorted by name, as a comparison key. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return `${name}{${pairs.join(',')}}`;
}
