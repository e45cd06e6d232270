// Builds the one validated Config from flags, NLX_* environment variables, the TOML file
// and defaults, in that precedence. Each option takes its value from the first source that
// sets it, so a list from a higher source replaces the whole list of a lower one.

import { readFileSync } from 'node:fs';
import { COLLECTOR_NAMES, type CollectorName } from '../collectors/names.js';
import { REVISION, VERSION } from '../version.js';
import { readEnvironment } from './env.js';
import { type ReadTextFile, readConfigFile } from './file.js';
import { scanFlags } from './flags.js';
import { helpText } from './help.js';
import type { LayerValues } from './layer.js';
import { OPTION_TABLE, type OptionKey, type OptionValues } from './options.js';
import type { Config, ListenAddress } from './types.js';

export { ConfigError } from './errors.js';
export type { ReadTextFile } from './file.js';
export { renderOptionsMarkdown } from './help.js';

/** Result of the command line: run with a configuration, or print help or the version. */
export type CommandLine =
  | { readonly kind: 'run'; readonly config: Config }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version'; readonly text: string };

/**
 * Parses the command line `argv` (arguments after the script), the NLX_* variables of `env`
 * and the TOML file into a Config, or returns the help or version text to print on stdout.
 * `readFile` reads the configuration file; tests replace it. Throws ConfigError, whose
 * message is one line naming the setting, the value and what is accepted.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  readFile: ReadTextFile = (path) => readFileSync(path, 'utf8'),
): CommandLine {
  const scan = scanFlags(argv);
  if (scan.kind === 'help') return { kind: 'help', text: helpText() };
  if (scan.kind === 'version') return { kind: 'version', text: versionText() };

  const flags = scan.values;
  const environment = readEnvironment(env);
  const named = flags.get('config_path') ?? environment.get('config_path');
  const path = named === undefined ? defaultValues().config_path : (named.value as string);
  const origin = named === undefined ? undefined : { name: named.name };
  const file = readConfigFile(path, origin, readFile);

  const layers = file === undefined ? [flags, environment] : [flags, environment, file];
  const values = mergeLayers(layers);
  return { kind: 'run', config: buildConfig(values, file === undefined ? undefined : path) };
}

/** Returns the configuration that applies when no flag, variable or file sets anything. */
export function defaultConfig(): Config {
  return buildConfig(defaultValues(), undefined);
}

/** Returns the --version text: the exporter's version and the Node.js version. */
export function versionText(): string {
  return `netlink_exporter ${VERSION} (revision ${REVISION}, node ${process.version})\n`;
}

function defaultValues(): OptionValues {
  return Object.fromEntries(OPTION_TABLE.map((row) => [row.key, row.defaultValue])) as OptionValues;
}

/**
 * Takes each option from the first layer that sets it, else its default. With
 * `disable_default_collectors` set, collectors that no layer sets are disabled.
 */
function mergeLayers(layers: readonly LayerValues[]): OptionValues {
  const values = defaultValues() as Record<OptionKey, unknown>;
  const setBySomeLayer = (key: OptionKey): boolean => layers.some((layer) => layer.has(key));
  for (const row of OPTION_TABLE) {
    const setting = layers.map((layer) => layer.get(row.key)).find((s) => s !== undefined);
    if (setting !== undefined) values[row.key] = setting.value;
  }
  if (values['disable_default_collectors'] === true) {
    for (const name of COLLECTOR_NAMES) {
      if (!setBySomeLayer(`collectors.${name}`)) values[`collectors.${name}`] = false;
    }
  }
  return values as OptionValues;
}

/** Assembles a Config from option values; optional patterns that are unset are left out. */
function buildConfig(values: OptionValues, configFile: string | undefined): Config {
  const collectors = Object.fromEntries(
    COLLECTOR_NAMES.map((name) => [name, values[`collectors.${name}`]]),
  ) as Record<CollectorName, boolean>;
  return withoutUndefined({
    configFile,
    listenAddresses: values.listen_addr as readonly ListenAddress[],
    telemetryPath: values.telemetry_path,
    logLevel: values.log_level,
    logFormat: values.log_format,
    collectors,
    scrapeTimeoutMs: values.scrape_timeout_ms,
    netlinkDumpMaxRestarts: values.netlink_dump_max_restarts,
    interfaces: withoutUndefined({
      include: values.interface_include_regex,
      exclude: values.interface_exclude_regex,
    }),
    maxRequests: values.max_requests,
    reprobeIntervalSeconds: values.reprobe_interval_seconds,
    staleSnapshotMaxAgeSeconds: values.stale_snapshot_max_age_seconds,
    pathProcfs: values.path_procfs,
    pathSysfs: values.path_sysfs,
    wireguardMaxPeers: values.wireguard_max_peers,
    trafficControl: { maxObjects: values['traffic_control.max_objects'] },
    conntrack: { perCpu: values['conntrack.per_cpu'] },
    nftables: withoutUndefined({
      tableInclude: values['nftables.table_include_regex'],
      tableExclude: values['nftables.table_exclude_regex'],
      maxRuleSeries: values['nftables.max_rule_series'],
    }),
    sockDiag: { byFamily: values['sock_diag.by_family'] },
    ipvs: {
      maxServices: values['ipvs.max_services'],
      maxDestinations: values['ipvs.max_destinations'],
      servicesOnly: values['ipvs.services_only'],
    },
    dropMonitor: { byReason: values['drop_monitor.by_reason'] },
    netstat: { fieldInclude: values['netstat.field_include_regex'] },
    irq: withoutUndefined({
      perCpu: values['irq.per_cpu'],
      nameInclude: values['irq.name_include_regex'],
      nameExclude: values['irq.name_exclude_regex'],
    }),
  });
}

/** Returns a copy of `record` without its undefined fields, so that they stay absent. */
function withoutUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
