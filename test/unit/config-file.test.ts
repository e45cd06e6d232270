// The TOML configuration file: default and named paths, nested tables, and the one-line
// error for every kind of bad file.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CommandLine,
  ConfigError,
  defaultConfig,
  parseCommandLine,
} from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

/** Returns a file reader over `files`; other paths fail with `code`. */
function fakeFiles(files: Record<string, string>, code = 'ENOENT'): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text !== undefined) return text;
    throw Object.assign(new Error(`${code}: cannot open '${path}'`), { code });
  };
}

/** Parses with the default file `nft_exporter.toml` containing `toml`. */
function fileResult(toml: string): CommandLine {
  return parseCommandLine([], {}, fakeFiles({ 'nft_exporter.toml': toml }));
}

function fileConfig(toml: string): Config {
  const result = fileResult(toml);
  assert.equal(result.kind, 'run');
  return (result as { config: Config }).config;
}

const FROM_DEFAULT_FILE = { configFile: 'nft_exporter.toml' };

test('missing default file is skipped', () => {
  const result = parseCommandLine([], {}, fakeFiles({}));
  assert.deepStrictEqual(result, { kind: 'run', config: defaultConfig() });
});

test('named file is read', () => {
  const files = fakeFiles({
    '/etc/nlx.toml': 'max_requests = 2',
    'other.toml': 'max_requests = 3',
  });
  assert.deepStrictEqual(parseCommandLine(['--config=/etc/nlx.toml'], {}, files), {
    kind: 'run',
    config: { ...defaultConfig(), configFile: '/etc/nlx.toml', maxRequests: 2 },
  });
  assert.deepStrictEqual(parseCommandLine([], { NLX_CONFIG_PATH: 'other.toml' }, files), {
    kind: 'run',
    config: { ...defaultConfig(), configFile: 'other.toml', maxRequests: 3 },
  });
});

test('file sets every kind of value', () => {
  const toml = `
listen_addr = [":9100", "[::1]:9101"]
telemetry_path = "/probe"
max_requests = 8
log_level = "warn"
log_format = "json"
scrape_timeout_ms = 4000
reprobe_interval_seconds = 300
netlink_dump_max_restarts = 3
interface_include_regex = "eth.*"
interface_exclude_regex = ""
path_procfs = "/host/proc"
path_sysfs = "/host/sys"
wireguard_max_peers = 50
disable_default_collectors = true

[collectors]
rtnetlink = true
netstat = true

[traffic_control]
max_objects = 10

[conntrack]
per_cpu = true

[nftables]
table_include_regex = "filter"
table_exclude_regex = "nat"
max_rule_series = 500

[sock_diag]
by_family = true

[ipvs]
max_services = 20
max_destinations = 30
services_only = true

[drop_monitor]
by_reason = true

[netstat]
field_include_regex = "Tcp_.*"

[irq]
per_cpu = true
name_include_regex = "virtio.*"
name_exclude_regex = "virtio0-config"
`;
  const collectors = Object.fromEntries(
    Object.keys(defaultConfig().collectors).map((name) => [name, false]),
  ) as Config['collectors'];
  assert.deepStrictEqual(fileConfig(toml), {
    configFile: 'nft_exporter.toml',
    listenAddresses: [
      { host: '', port: 9100 },
      { host: '::1', port: 9101 },
    ],
    telemetryPath: '/probe',
    logLevel: 'warn',
    logFormat: 'json',
    collectors: { ...collectors, rtnetlink: true, netstat: true },
    scrapeTimeoutMs: 4000,
    netlinkDumpMaxRestarts: 3,
    interfaces: { include: /^(?:eth.*)$/ },
    maxRequests: 8,
    reprobeIntervalSeconds: 300,
    staleSnapshotMaxAgeSeconds: 0,
    pathProcfs: '/host/proc',
    pathSysfs: '/host/sys',
    wireguardMaxPeers: 50,
    trafficControl: { maxObjects: 10 },
    conntrack: { perCpu: true },
    nftables: { tableInclude: /^(?:filter)$/, tableExclude: /^(?:nat)$/, maxRuleSeries: 500 },
    sockDiag: { byFamily: true },
    ipvs: { maxServices: 20, maxDestinations: 30, servicesOnly: true },
    dropMonitor: { byReason: true },
    netstat: { fieldInclude: /^(?:Tcp_.*)$/ },
    irq: { perCpu: true, nameInclude: /^(?:virtio.*)$/, nameExclude: /^(?:virtio0-config)$/ },
  });
});

test('nested tables in every TOML form', () => {
  const expected = {
    ...defaultConfig(),
    ...FROM_DEFAULT_FILE,
    collectors: { ...defaultConfig().collectors, nic_temp: true },
    nftables: { maxRuleSeries: 7 },
  };
  const forms = [
    '[collectors]\nnic_temp = true\n[nftables]\nmax_rule_series = 7\n',
    'collectors.nic_temp = true\nnftables.max_rule_series = 7\n',
    'collectors = { nic_temp = true }\nnftables = { max_rule_series = 7 }\n',
  ];
  for (const toml of forms) assert.deepStrictEqual(fileConfig(toml), expected, toml);
});

test('single listen address string', () => {
  assert.deepStrictEqual(fileConfig('listen_addr = "127.0.0.1:9100"'), {
    ...defaultConfig(),
    ...FROM_DEFAULT_FILE,
    listenAddresses: [{ host: '127.0.0.1', port: 9100 }],
  });
});

test('bad files raise one-line errors', () => {
  const LISTEN_EXPECTED = 'host:port, :port or [IPv6]:port with a port from 1 to 65535';
  const rows: { name: string; toml: string; message: string }[] = [
    {
      name: 'invalid TOML',
      toml: 'max_requests = \n',
      message: 'invalid TOML in nft_exporter.toml at line 1, column 16: invalid value',
    },
    {
      name: 'key defined twice',
      toml: 'max_requests = 1\nmax_requests = 2\n',
      message:
        'invalid TOML in nft_exporter.toml at line 2, column 1: ' +
        'trying to redefine an already defined table or value',
    },
    {
      name: 'misspelt key',
      toml: 'max_request = 4',
      message: 'unknown key max_request in nft_exporter.toml: did you mean max_requests?',
    },
    {
      name: 'unknown key',
      toml: 'token = "x"',
      message:
        'unknown key token in nft_exporter.toml: expected one of listen_addr, telemetry_path, ' +
        'max_requests, log_level, log_format, scrape_timeout_ms, reprobe_interval_seconds, ' +
        'stale_snapshot_max_age_seconds, ' +
        'netlink_dump_max_restarts, interface_include_regex, interface_exclude_regex, ' +
        'path_procfs, path_sysfs, disable_default_collectors, wireguard_max_peers, ' +
        '[collectors], [traffic_control], [conntrack], [nftables], [sock_diag], [ipvs], ' +
        '[drop_monitor], [netstat], [irq]',
    },
    {
      name: 'path of the file itself',
      toml: 'config_path = "other.toml"',
      message:
        'unknown key config_path in nft_exporter.toml: expected one of listen_addr, ' +
        'telemetry_path, max_requests, log_level, log_format, scrape_timeout_ms, ' +
        'reprobe_interval_seconds, stale_snapshot_max_age_seconds, netlink_dump_max_restarts, interface_include_regex, ' +
        'interface_exclude_regex, path_procfs, path_sysfs, disable_default_collectors, ' +
        'wireguard_max_peers, [collectors], [traffic_control], [conntrack], [nftables], ' +
        '[sock_diag], [ipvs], [drop_monitor], [netstat], [irq]',
    },
    {
      name: 'unknown key in a table',
      toml: '[ipvs]\nmax_servers = 3',
      message: 'unknown key ipvs.max_servers in nft_exporter.toml: did you mean ipvs.max_services?',
    },
    {
      name: 'unknown key in a table without suggestion',
      toml: '[conntrack]\nzones = true',
      message:
        'unknown key conntrack.zones in nft_exporter.toml: expected one of conntrack.per_cpu',
    },
    {
      name: 'unknown table',
      toml: '[http]\nport = 1',
      message:
        'unknown key http in nft_exporter.toml: expected one of listen_addr, telemetry_path, ' +
        'max_requests, log_level, log_format, scrape_timeout_ms, reprobe_interval_seconds, ' +
        'stale_snapshot_max_age_seconds, ' +
        'netlink_dump_max_restarts, interface_include_regex, interface_exclude_regex, ' +
        'path_procfs, path_sysfs, disable_default_collectors, wireguard_max_peers, ' +
        '[collectors], [traffic_control], [conntrack], [nftables], [sock_diag], [ipvs], ' +
        '[drop_monitor], [netstat], [irq]',
    },
    {
      name: 'unknown collector',
      toml: '[collectors]\nnetsat = true',
      message:
        'unknown collector "netsat" in collectors.netsat in nft_exporter.toml: expected one of ' +
        'rtnetlink, rtnetlink_extended, traffic_control, conntrack, conntrack_expect, ' +
        'nftables, sock_diag, ethtool, ipvs, wireguard, devlink, drop_monitor, xfrm, softnet, ' +
        'netstat, softirq, irq, sockstat, nic_bql, nic_pcie, nic_temp',
    },
    {
      name: 'table given a value',
      toml: 'nftables = 3',
      message: 'invalid value 3 for nftables in nft_exporter.toml: expected a table',
    },
    {
      name: 'option given a table',
      toml: '[max_requests]\nvalue = 4',
      message:
        'invalid value {"value":4} for max_requests in nft_exporter.toml: ' +
        'expected an integer from 1 to 1024',
    },
    {
      name: 'integer as string',
      toml: 'max_requests = "4"',
      message:
        'invalid value "4" for max_requests in nft_exporter.toml: ' +
        'expected an integer from 1 to 1024',
    },
    {
      name: 'fractional integer',
      toml: 'wireguard_max_peers = 1.5',
      message:
        'invalid value 1.5 for wireguard_max_peers in nft_exporter.toml: ' +
        'expected an integer from 1 to 1000000',
    },
    {
      name: 'zero timeout',
      toml: 'scrape_timeout_ms = 0',
      message:
        'invalid value 0 for scrape_timeout_ms in nft_exporter.toml: ' +
        'expected an integer from 1 to 600000 (milliseconds)',
    },
    {
      name: 'cap of zero in a table',
      toml: '[traffic_control]\nmax_objects = 0',
      message:
        'invalid value 0 for traffic_control.max_objects in nft_exporter.toml: ' +
        'expected an integer from 1 to 1000000',
    },
    {
      name: 'boolean as string',
      toml: '[collectors]\nnetstat = "true"',
      message:
        'invalid value "true" for collectors.netstat in nft_exporter.toml: expected true or false',
    },
    {
      name: 'log level as number',
      toml: 'log_level = 3',
      message:
        'invalid value 3 for log_level in nft_exporter.toml: ' +
        'expected one of debug, info, warn, error',
    },
    {
      name: 'listen address as number',
      toml: 'listen_addr = 33400',
      message:
        'invalid value 33400 for listen_addr in nft_exporter.toml: ' +
        `expected a string or an array of strings, each ${LISTEN_EXPECTED}`,
    },
    {
      name: 'empty listen address list',
      toml: 'listen_addr = []',
      message:
        'invalid value [] for listen_addr in nft_exporter.toml: empty list; ' +
        `expected at least one ${LISTEN_EXPECTED}`,
    },
    {
      name: 'number in listen address list',
      toml: 'listen_addr = [":9100", 9101]',
      message: `invalid value 9101 for listen_addr in nft_exporter.toml: expected ${LISTEN_EXPECTED}`,
    },
    {
      name: 'invalid listen address',
      toml: 'listen_addr = "0.0.0.0"',
      message:
        'invalid value "0.0.0.0" for listen_addr in nft_exporter.toml: missing port; ' +
        `expected ${LISTEN_EXPECTED}`,
    },
    {
      name: 'invalid pattern',
      toml: '[irq]\nname_include_regex = "a{2,1}"',
      message:
        'invalid value "a{2,1}" for irq.name_include_regex in nft_exporter.toml: ' +
        'numbers out of order in {} quantifier; ' +
        'expected a JavaScript regular expression that matches whole names, ' +
        'or an empty string for no filter',
    },
    {
      name: 'relative telemetry path',
      toml: 'telemetry_path = "metrics"',
      message:
        'invalid value "metrics" for telemetry_path in nft_exporter.toml: ' +
        'path does not start with /; expected a URL path that starts with /, such as /metrics',
    },
    {
      name: 'date value',
      toml: 'path_sysfs = 2024-01-02',
      message:
        'invalid value "2024-01-02" for path_sysfs in nft_exporter.toml: ' +
        'expected a non-empty file system path',
    },
  ];
  for (const row of rows) {
    assert.throws(
      () => fileResult(row.toml),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, row.name);
        assert.equal(error.message, row.message, row.name);
        return true;
      },
    );
  }
});

test('unreadable files raise one-line errors', () => {
  const rows: { name: string; argv: string[]; env: NodeJS.ProcessEnv; message: string }[] = [
    {
      name: 'default file',
      argv: [],
      env: {},
      message:
        'cannot read the configuration file "nft_exporter.toml" in the working directory ' +
        '(EACCES): fix its permissions or name another file with --config',
    },
    {
      name: 'file named by flag',
      argv: ['--config', '/etc/nlx.toml'],
      env: {},
      message:
        'invalid value "/etc/nlx.toml" for --config: cannot read it (EACCES); ' +
        'expected the path of a readable TOML file',
    },
    {
      name: 'file named by variable',
      argv: [],
      env: { NLX_CONFIG_PATH: '/etc/nlx.toml' },
      message:
        'invalid value "/etc/nlx.toml" for NLX_CONFIG_PATH: cannot read it (EACCES); ' +
        'expected the path of a readable TOML file',
    },
    {
      name: 'empty path',
      argv: ['--config='],
      env: {},
      message: 'invalid value "" for --config: empty path; expected a non-empty file system path',
    },
  ];
  for (const row of rows) {
    assert.throws(
      () => parseCommandLine(row.argv, row.env, fakeFiles({}, 'EACCES')),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, row.name);
        assert.equal(error.message, row.message, row.name);
        return true;
      },
    );
  }
});
