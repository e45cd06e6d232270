// The 21 collector names. Each is also the collector's TOML key under `[collectors]`, its
// `--collector.NAME` flag and the value of the `collector` label on the self-metrics.

/** Netlink collectors, enabled by default. */
export const NETLINK_COLLECTORS = [
  'rtnetlink',
  'rtnetlink_extended',
  'traffic_control',
  'conntrack',
  'conntrack_expect',
  'nftables',
  'sock_diag',
  'ethtool',
  'ipvs',
  'wireguard',
  'devlink',
  'drop_monitor',
  'xfrm',
] as const;

/** Collectors of procfs and sysfs files, disabled by default. */
export const FILE_COLLECTORS = [
  'softnet',
  'netstat',
  'softirq',
  'irq',
  'sockstat',
  'nic_bql',
  'nic_pcie',
  'nic_temp',
] as const;

/** Every collector in startup order. */
export const COLLECTOR_NAMES = [...NETLINK_COLLECTORS, ...FILE_COLLECTORS] as const;

/** Name of one collector. */
export type CollectorName = (typeof COLLECTOR_NAMES)[number];

/** Reports whether `name` is a collector name. */
export function isCollectorName(name: string): name is CollectorName {
  return (COLLECTOR_NAMES as readonly string[]).includes(name);
}

/** Reports whether a collector is enabled when configuration does not mention it. */
export function enabledByDefault(name: CollectorName): boolean {
  return (NETLINK_COLLECTORS as readonly string[]).includes(name);
}
