// The option table: one row per setting, with its TOML key, flags, type, default and help.
// Flag parsing, the NLX_* environment, the TOML file, --help and the README table are all
// derived from it. The environment variable is the TOML key upper-cased with `NLX_` in
// front and `__` for each dot: `nftables.max_rule_series` is NLX_NFTABLES__MAX_RULE_SERIES.

import { COLLECTOR_NAMES, type CollectorName, enabledByDefault } from '../collectors/names.js';
import type { LogFormat, LogLevel } from '../log.js';
import {
  booleanType,
  compileAnchored,
  durationType,
  enumType,
  integerType,
  listenAddressType,
  pathType,
  regexType,
  type TextType,
  urlPathType,
  type ValueType,
} from './values.js';

/** One configuration setting. `V` is the type of its value. */
export interface OptionSpec<V = unknown> {
  /** Flag names with the leading `--`; the first is the one help text shows first. */
  readonly flags: readonly string[];
  /** Help text: the setting and its unit. */
  readonly help: string;
  /** Parser of the value from the environment and the TOML file, and from flags by default. */
  readonly type: ValueType<unknown>;
  /** Parser of flag values when they differ from the file's, such as durations for milliseconds. */
  readonly flagType?: TextType<unknown>;
  /** Whether the value is a list: flags repeat, the environment separates items with commas. */
  readonly list: boolean;
  readonly defaultValue: V;
  /** Default as help text and the README show it. */
  readonly defaultText: string;
  /** Whether the TOML file may set the option; false only for the path of the file itself. */
  readonly inFile: boolean;
}

interface OptionFields<T> {
  readonly flags: readonly string[];
  readonly help: string;
  readonly default: T;
  readonly defaultText?: string;
  readonly flagType?: TextType<T>;
  readonly inFile?: boolean;
}

/** Creates a row holding one value of `type`. */
function option<T>(type: ValueType<T>, fields: OptionFields<NoInfer<T>>): OptionSpec<T> {
  const spec: OptionSpec<T> = {
    flags: fields.flags,
    help: fields.help,
    type,
    list: false,
    defaultValue: fields.default,
    defaultText: fields.defaultText ?? type.format(fields.default),
    inFile: fields.inFile ?? true,
  };
  return fields.flagType === undefined ? spec : { ...spec, flagType: fields.flagType };
}

/** Creates a row holding a non-empty list of values of `type`. */
function listOption<T>(
  type: ValueType<T>,
  fields: OptionFields<readonly T[]>,
): OptionSpec<readonly T[]> {
  return {
    flags: fields.flags,
    help: fields.help,
    type,
    list: true,
    defaultValue: fields.default,
    defaultText: fields.default.map((item) => type.format(item)).join(', '),
    inFile: true,
  };
}

const optionalRegex = regexType({ emptyIsUnset: true });

/** Upper bound of the series caps; it guards against a misplaced digit, not a host limit. */
const MAX_CAP = 1_000_000;

/**
 * Default fields of the netstat collector: retransmissions, resets, listen queue drops and
 * overflows, UDP buffer errors and IPv4 and IPv6 forwarding and routing drops: 39 series on
 * Linux 6.18, which has no Ip6_ForwDatagrams field.
 */
export const NETSTAT_DEFAULT_FIELDS =
  'Ip6?_(ForwDatagrams|InDiscards|OutDiscards|OutNoRoutes|InHdrErrors|InAddrErrors)' +
  '|Tcp_(ActiveOpens|PassiveOpens|AttemptFails|EstabResets|CurrEstab|InSegs|OutSegs' +
  '|RetransSegs|InErrs|OutRsts)' +
  '|TcpExt_(ListenDrops|ListenOverflows|TCPTimeouts|TCPSynRetrans|TCPBacklogDrop|TCPRcvQDrop)' +
  '|Udp6?_(InDatagrams|OutDatagrams|NoPorts|InErrors|RcvbufErrors|SndbufErrors)';

/** Settings of the process: configuration file, HTTP, logging, scrape and paths. */
export const GENERAL_OPTIONS = {
  config_path: option(pathType, {
    flags: ['--config'],
    help:
      'TOML configuration file. The default file is read only when it exists; a file named ' +
      'by the flag or the environment variable must exist.',
    default: 'nft_exporter.toml',
    inFile: false,
  }),
  listen_addr: listOption(listenAddressType, {
    flags: ['--web.listen-address', '--listen-addr'],
    help:
      'Address to serve HTTP on: host:port, :port for every local address, or [IPv6]:port. ' +
      'Repeat the flag, separate addresses with commas in the environment variable, or give ' +
      'a TOML array to listen on several.',
    default: [{ host: '0.0.0.0', port: 33400 }],
  }),
  telemetry_path: option(urlPathType, {
    flags: ['--web.telemetry-path'],
    help: 'URL path that serves the metrics.',
    default: '/metrics',
  }),
  max_requests: option(integerType(1, 1024), {
    flags: ['--web.max-requests'],
    help: 'Maximum concurrent metrics requests; further requests get HTTP status 503.',
    default: 4,
  }),
  log_level: option(enumType<LogLevel>('LEVEL', ['debug', 'info', 'warn', 'error']), {
    flags: ['--log.level', '--log-level'],
    help: 'Lowest severity that is logged.',
    default: 'info',
  }),
  log_format: option(enumType<LogFormat>('FORMAT', ['logfmt', 'json']), {
    flags: ['--log.format'],
    help: 'Log record format: logfmt lines or one JSON object per line.',
    default: 'logfmt',
  }),
  // NB: collectors run concurrently, each under this deadline. 9 s leaves a second for
  // encoding and transfer within the 10 s scrape timeout that Prometheus uses by default.
  scrape_timeout_ms: option(integerType(1, 600_000, 'milliseconds'), {
    flags: ['--scrape.collector-timeout'],
    help:
      'Deadline of each collector within one scrape, in milliseconds (the flag takes a ' +
      'duration such as 9s). Keep it below the Prometheus scrape timeout.',
    default: 9000,
    flagType: durationType({ unitMs: 1, min: 1, max: 600_000, examples: ['9s', '500ms'] }),
  }),
  reprobe_interval_seconds: option(integerType(1, 86_400, 'seconds'), {
    flags: ['--scrape.reprobe-interval'],
    help:
      'Interval between new probes of unavailable collectors, in seconds (the flag takes a ' +
      'duration such as 60s).',
    default: 60,
    flagType: durationType({
      unitMs: 1000,
      unitName: 'seconds',
      min: 1,
      max: 86_400,
      examples: ['60s', '5m'],
    }),
  }),
  stale_snapshot_max_age_seconds: option(integerType(0, 86_400, 'seconds'), {
    flags: ['--scrape.stale-snapshot-max-age'],
    help:
      'Serve the last successful result of a failed collector while it is at most this old, ' +
      'in seconds (the flag takes a duration such as 60s); nft_scrape_snapshot_age_seconds ' +
      'shows its age. 0 serves nothing for a failed collector.',
    default: 0,
    flagType: durationType({
      unitMs: 1000,
      unitName: 'seconds',
      min: 0,
      max: 86_400,
      examples: ['60s', '0s'],
    }),
  }),
  netlink_dump_max_restarts: option(integerType(0, 100), {
    flags: ['--netlink.dump-max-restarts'],
    help:
      'Restarts of a netlink dump that the kernel interrupted (NLM_F_DUMP_INTR) before the ' +
      'collector fails the scrape; 0 fails at the first interruption.',
    default: 8,
  }),
  interface_include_regex: option(optionalRegex, {
    flags: ['--collector.interface-include'],
    help:
      'Only interfaces whose whole name matches are exported, by every interface-scoped ' +
      'collector. Empty means all.',
    default: undefined,
  }),
  interface_exclude_regex: option(optionalRegex, {
    flags: ['--collector.interface-exclude'],
    help: 'Interfaces whose whole name matches are skipped; exclusion wins over inclusion.',
    default: undefined,
  }),
  path_procfs: option(pathType, {
    flags: ['--path.procfs'],
    help: 'Mount point of procfs, read by the file collectors.',
    default: '/proc',
  }),
  path_sysfs: option(pathType, {
    flags: ['--path.sysfs'],
    help: 'Mount point of sysfs, read by the file collectors.',
    default: '/sys',
  }),
  disable_default_collectors: option(booleanType, {
    flags: ['--collector.disable-defaults'],
    help: 'Disable every collector that the flags, environment and file do not enable.',
    default: false,
  }),
};

/** Data source of each collector, for help text. */
const COLLECTOR_HELP: Record<CollectorName, string> = {
  rtnetlink: 'link, address, route and neighbour statistics from rtnetlink',
  rtnetlink_extended: 'extended link statistics, bridge FDB, FIB rule and nexthop counts',
  traffic_control: 'queueing discipline and class statistics',
  conntrack: 'connection tracking statistics',
  conntrack_expect: 'connection tracking expectations by protocol and helper',
  nftables: 'nftables tables, chains, commented rule counters, sets and named objects',
  sock_diag: 'socket counts by protocol and state from sock_diag',
  ethtool: 'NIC statistics from the ethtool netlink family',
  ipvs: 'IPVS virtual service and real server statistics',
  wireguard: 'WireGuard interfaces and peers',
  devlink: 'devlink devices, ports and health reporters',
  drop_monitor: 'kernel packet drops from the NET_DM drop monitor (needs CAP_SYS_ADMIN)',
  xfrm: 'IPsec security associations and policies from XFRM',
  softnet: 'per-CPU packet processing statistics from /proc/net/softnet_stat',
  netstat: 'IP, TCP and UDP counters from /proc/net/snmp and /proc/net/netstat',
  softirq: 'NET_RX and NET_TX softirq counts per CPU from /proc/softirqs',
  irq: 'hardware interrupt counts from /proc/interrupts',
  sockstat: 'socket allocation counts from /proc/net/sockstat',
  nic_bql: 'byte queue limits of transmit queues from sysfs',
  nic_pcie: 'PCIe link and AER error counters of network devices from sysfs',
  nic_temp: 'network device temperatures from hwmon in sysfs',
};

/** One `[collectors] NAME = bool` row per collector. */
export const COLLECTOR_OPTIONS = Object.fromEntries(
  COLLECTOR_NAMES.map((name) => [
    `collectors.${name}`,
    option(booleanType, {
      flags: [`--collector.${name}`],
      help: `Enable the ${name} collector: ${COLLECTOR_HELP[name]}.`,
      default: enabledByDefault(name),
    }),
  ]),
) as Record<`collectors.${CollectorName}`, OptionSpec<boolean>>;

/** Settings of single collectors, with flags named `--collector.<collector>.<option>`. */
export const COLLECTOR_SETTING_OPTIONS = {
  wireguard_max_peers: option(integerType(1, MAX_CAP), {
    flags: ['--collector.wireguard.max-peers'],
    help: 'Maximum peers exported per WireGuard interface; the rest are counted as dropped.',
    default: 1000,
  }),
  'traffic_control.max_objects': option(integerType(1, MAX_CAP), {
    flags: ['--collector.traffic_control.max-objects'],
    help:
      'Per-qdisc and per-class series are exported while the host has at most this many ' +
      'qdiscs and classes; above it only per-device sums are.',
    default: 2000,
  }),
  'conntrack.per_cpu': option(booleanType, {
    flags: ['--collector.conntrack.per-cpu'],
    help: 'Also export per-CPU statistics with a cpu label.',
    default: false,
  }),
  'nftables.table_include_regex': option(optionalRegex, {
    flags: ['--collector.nftables.table-include'],
    help: 'Only nftables tables whose whole name matches are exported. Empty means all.',
    default: undefined,
  }),
  'nftables.table_exclude_regex': option(optionalRegex, {
    flags: ['--collector.nftables.table-exclude'],
    help: 'nftables tables whose whole name matches are skipped; exclusion wins.',
    default: undefined,
  }),
  'nftables.max_rule_series': option(integerType(1, MAX_CAP), {
    flags: ['--collector.nftables.max-rule-series'],
    help: 'Maximum per-rule series in one scrape; the rest are counted as dropped.',
    default: 1000,
  }),
  'sock_diag.by_family': option(booleanType, {
    flags: ['--collector.sock_diag.by-family'],
    help: 'Split socket counts by address family (inet, inet6) instead of merging them.',
    default: false,
  }),
  'ipvs.max_services': option(integerType(1, MAX_CAP), {
    flags: ['--collector.ipvs.max-services'],
    help: 'Maximum IPVS virtual services exported; the rest are counted as dropped.',
    default: 1000,
  }),
  'ipvs.max_destinations': option(integerType(1, MAX_CAP), {
    flags: ['--collector.ipvs.max-destinations'],
    help: 'Maximum IPVS real servers exported; the rest are counted as dropped.',
    default: 10_000,
  }),
  'ipvs.services_only': option(booleanType, {
    flags: ['--collector.ipvs.services-only'],
    help: 'Export only per-service series, no per-destination series.',
    default: false,
  }),
  'drop_monitor.by_reason': option(booleanType, {
    flags: ['--collector.drop_monitor.by-reason'],
    help: 'Also export drops by reason, from packet mode with truncated packets.',
    default: false,
  }),
  'netstat.field_include_regex': option(regexType({ emptyIsUnset: false }), {
    flags: ['--collector.netstat.field-include'],
    help: 'Fields exported by the netstat collector, named Protocol_Field and matched whole.',
    default: compileAnchored(NETSTAT_DEFAULT_FIELDS),
    defaultText: NETSTAT_DEFAULT_FIELDS,
  }),
  'irq.per_cpu': option(booleanType, {
    flags: ['--collector.irq.per-cpu'],
    help: 'Export interrupt counts per CPU instead of summed across CPUs.',
    default: false,
  }),
  'irq.name_include_regex': option(optionalRegex, {
    flags: ['--collector.irq.name-include'],
    help: 'Only interrupts whose whole device name matches are exported. Empty means all.',
    default: undefined,
  }),
  'irq.name_exclude_regex': option(optionalRegex, {
    flags: ['--collector.irq.name-exclude'],
    help: 'Interrupts whose whole device name matches are skipped; exclusion wins.',
    default: undefined,
  }),
};

/** Every option by TOML key, in help order. */
export const OPTIONS = {
  ...GENERAL_OPTIONS,
  ...COLLECTOR_OPTIONS,
  ...COLLECTOR_SETTING_OPTIONS,
};

/** TOML key of an option; nested keys are dotted (`nftables.max_rule_series`). */
export type OptionKey = keyof typeof OPTIONS;

/** Value of every option by TOML key. */
export type OptionValues = {
  -readonly [K in OptionKey]: (typeof OPTIONS)[K] extends OptionSpec<infer V> ? V : never;
};

/** A row of the option table, with the key and environment variable derived from it. */
export interface OptionRow extends OptionSpec {
  readonly key: OptionKey;
  readonly env: string;
}

/** Returns the environment variable of a TOML key: `nftables.max_rule_series` → NLX_NFTABLES__MAX_RULE_SERIES. */
export function envName(key: string): string {
  return `NLX_${key.toUpperCase().replaceAll('.', '__')}`;
}

function rows(options: Record<string, OptionSpec>): OptionRow[] {
  return Object.entries(options).map(([key, spec]) => ({
    ...spec,
    key: key as OptionKey,
    env: envName(key),
  }));
}

/** The option table in sections, as help text and the README list it. */
export const OPTION_SECTIONS: readonly { readonly title: string; readonly rows: OptionRow[] }[] = [
  { title: 'General', rows: rows(GENERAL_OPTIONS) },
  { title: 'Collectors', rows: rows(COLLECTOR_OPTIONS) },
  { title: 'Collector settings', rows: rows(COLLECTOR_SETTING_OPTIONS) },
];

/** The option table. */
export const OPTION_TABLE: readonly OptionRow[] = OPTION_SECTIONS.flatMap(
  (section) => section.rows,
);

/** Returns the row of a TOML key, or undefined when no option has that key. */
export function optionByKey(key: string): OptionRow | undefined {
  return OPTION_TABLE.find((row) => row.key === key);
}

/** Reports whether an option takes no flag value: booleans are set by `--flag` and `--no-flag`. */
export function isSwitch(row: OptionSpec): boolean {
  return row.type === booleanType;
}
