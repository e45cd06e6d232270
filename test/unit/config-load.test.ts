// Whole-configuration behaviour: defaults, precedence across flags, environment, file and
// defaults, and the help, version and README texts generated from the option table.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import {
  defaultConfig,
  parseCommandLine,
  renderOptionsMarkdown,
  versionText,
} from '../../src/config/load.js';
import { NETSTAT_DEFAULT_FIELDS, OPTION_TABLE } from '../../src/config/options.js';
import type { Config } from '../../src/config/types.js';
import { REVISION } from '../../src/version.js';

function fakeFiles(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text !== undefined) return text;
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
      code: 'ENOENT',
    });
  };
}

function load(argv: string[], env: NodeJS.ProcessEnv, toml?: string): Config {
  const files: Record<string, string> = toml === undefined ? {} : { 'nft_exporter.toml': toml };
  const result = parseCommandLine(argv, env, fakeFiles(files));
  assert.equal(result.kind, 'run');
  return (result as { config: Config }).config;
}

test('default configuration', () => {
  assert.deepStrictEqual(defaultConfig(), {
    listenAddresses: [{ host: '0.0.0.0', port: 33400 }],
    telemetryPath: '/metrics',
    logLevel: 'info',
    logFormat: 'logfmt',
    collectors: {
      rtnetlink: true,
      rtnetlink_extended: true,
      traffic_control: true,
      conntrack: true,
      conntrack_expect: true,
      nftables: true,
      sock_diag: true,
      ethtool: true,
      ipvs: true,
      wireguard: true,
      devlink: true,
      drop_monitor: true,
      xfrm: true,
      softnet: false,
      netstat: false,
      softirq: false,
      irq: false,
      sockstat: false,
      nic_bql: false,
      nic_pcie: false,
      nic_temp: false,
    },
    scrapeTimeoutMs: 9000,
    netlinkDumpMaxRestarts: 8,
    interfaces: {},
    maxRequests: 4,
    reprobeIntervalSeconds: 60,
    staleSnapshotMaxAgeSeconds: 0,
    pathProcfs: '/proc',
    pathSysfs: '/sys',
    wireguardMaxPeers: 1000,
    trafficControl: { maxObjects: 2000 },
    conntrack: { perCpu: false },
    nftables: { maxRuleSeries: 1000 },
    sockDiag: { byFamily: false },
    ipvs: { maxServices: 1000, maxDestinations: 10000, servicesOnly: false },
    dropMonitor: { byReason: false },
    netstat: { fieldInclude: new RegExp(`^(?:${NETSTAT_DEFAULT_FIELDS})$`) },
    irq: { perCpu: false },
  });
});

test('default netstat fields', () => {
  const fields = defaultConfig().netstat.fieldInclude;
  const names = [
    'Tcp_RetransSegs',
    'TcpExt_ListenDrops',
    'TcpExt_ListenOverflows',
    'Udp_RcvbufErrors',
    'Ip_InDiscards',
    'Ip_Forwarding',
    'Tcp_RtoMin',
    'Udp6_InErrors',
    'Ip6_OutNoRoutes',
    'UdpLite_InErrors',
    'TcpExt_ListenDropsX',
  ];
  assert.deepStrictEqual(
    names.filter((name) => fields.test(name)),
    [
      'Tcp_RetransSegs',
      'TcpExt_ListenDrops',
      'TcpExt_ListenOverflows',
      'Udp_RcvbufErrors',
      'Ip_InDiscards',
      'Udp6_InErrors',
      'Ip6_OutNoRoutes',
    ],
  );
});

test('flag beats variable beats file beats default', () => {
  const rows: {
    name: string;
    argv: string[];
    env: NodeJS.ProcessEnv;
    toml?: string;
    expected: Config['logLevel'];
  }[] = [
    {
      name: 'all four layers',
      argv: ['--log.level=error'],
      env: { NLX_LOG_LEVEL: 'warn' },
      toml: 'log_level = "debug"',
      expected: 'error',
    },
    {
      name: 'variable and file',
      argv: [],
      env: { NLX_LOG_LEVEL: 'warn' },
      toml: 'log_level = "debug"',
      expected: 'warn',
    },
    {
      name: 'flag and file',
      argv: ['--log-level', 'error'],
      env: {},
      toml: 'log_level = "debug"',
      expected: 'error',
    },
    { name: 'file only', argv: [], env: {}, toml: 'log_level = "debug"', expected: 'debug' },
    { name: 'defaults only', argv: [], env: {}, expected: 'info' },
    {
      name: 'flag set to the default value',
      argv: ['--log.level=info'],
      env: { NLX_LOG_LEVEL: 'warn' },
      expected: 'info',
    },
  ];
  for (const row of rows) {
    assert.equal(load(row.argv, row.env, row.toml).logLevel, row.expected, row.name);
  }
});

test('layers merge option by option', () => {
  const config = load(
    ['--web.max-requests=2', '--web.listen-address=:9100'],
    { NLX_TELEMETRY_PATH: '/env', NLX_COLLECTORS__NETSTAT: 'true' },
    `
listen_addr = [":1", ":2"]
telemetry_path = "/file"
log_format = "json"
[collectors]
netstat = false
softnet = true
`,
  );
  assert.deepStrictEqual(config, {
    ...defaultConfig(),
    configFile: 'nft_exporter.toml',
    maxRequests: 2,
    listenAddresses: [{ host: '', port: 9100 }],
    telemetryPath: '/env',
    logFormat: 'json',
    collectors: { ...defaultConfig().collectors, netstat: true, softnet: true },
  });
});

test('variable empties a pattern the file sets', () => {
  const config = load([], { NLX_INTERFACE_INCLUDE_REGEX: '' }, 'interface_include_regex = "eth0"');
  assert.deepStrictEqual(config.interfaces, {});
});

test('disable-defaults across layers', () => {
  const off = Object.fromEntries(
    Object.keys(defaultConfig().collectors).map((name) => [name, false]),
  ) as Config['collectors'];
  const rows: {
    name: string;
    argv: string[];
    env: NodeJS.ProcessEnv;
    toml?: string;
    expected: Config['collectors'];
  }[] = [
    {
      name: 'flag keeps collectors of every layer',
      argv: ['--collector.disable-defaults', '--collector.irq'],
      env: { NLX_COLLECTORS__CONNTRACK: 'true' },
      toml: '[collectors]\nsoftnet = true',
      expected: { ...off, irq: true, conntrack: true, softnet: true },
    },
    {
      name: 'file setting with flag collector',
      argv: ['--collector.netstat'],
      env: {},
      toml: 'disable_default_collectors = true',
      expected: { ...off, netstat: true },
    },
    {
      name: 'flag overrides file setting',
      argv: ['--no-collector.disable-defaults'],
      env: {},
      toml: 'disable_default_collectors = true',
      expected: defaultConfig().collectors,
    },
    {
      name: 'collector disabled in a lower layer',
      argv: ['--collector.disable-defaults'],
      env: {},
      toml: '[collectors]\nrtnetlink = false\nxfrm = true',
      expected: { ...off, xfrm: true },
    },
  ];
  for (const row of rows) {
    assert.deepStrictEqual(load(row.argv, row.env, row.toml).collectors, row.expected, row.name);
  }
});

test('errors come from the highest bad layer first', () => {
  assert.throws(
    () =>
      parseCommandLine(['--bogus'], { NLX_BOGUS: '1' }, fakeFiles({ 'nft_exporter.toml': '=' })),
    new ConfigError('unknown flag --bogus: see --help for the accepted flags'),
  );
  assert.throws(
    () => parseCommandLine([], { NLX_BOGUS: '1' }, fakeFiles({ 'nft_exporter.toml': '=' })),
    new ConfigError(
      'unknown environment variable NLX_BOGUS (value "1"): ' +
        'no option has this name, see --help for the NLX_* variables',
    ),
  );
});

/** Expands the flag spellings of help text (`--x=N`, `--[no-]y`) into flag names. */
function helpFlags(help: string): string[] {
  return help
    .split('\n')
    .filter((line) => /^ {2}-/.test(line))
    .flatMap((line) => line.trim().split(', '))
    .flatMap((spelling) => {
      const name = spelling.split('=')[0]!;
      return name.startsWith('--[no-]') ? [`--${name.slice(7)}`, `--no-${name.slice(7)}`] : [name];
    });
}

test('help lists every flag of the table', () => {
  const result = parseCommandLine(['--help'], {});
  assert.equal(result.kind, 'help');
  const help = (result as { text: string }).text;

  const expected = ['-h', '--help', '--version'];
  for (const row of OPTION_TABLE) {
    for (const flag of row.flags) {
      expected.push(flag);
      if (row.type.name === 'boolean') expected.push(`--no-${flag.slice(2)}`);
    }
  }
  assert.deepStrictEqual(helpFlags(help), expected);
});

test('help entry shows help, default and sources', () => {
  const help = (parseCommandLine(['-h'], {}) as { text: string }).text;
  const lines = help.split('\n');
  const start = lines.indexOf('  --scrape.collector-timeout=DURATION');
  assert.deepStrictEqual(lines.slice(start, start + 5), [
    '  --scrape.collector-timeout=DURATION',
    '      Deadline of each collector within one scrape, in milliseconds (the flag takes a duration such',
    '      as 9s). Keep it below the Prometheus scrape timeout.',
    '      Default: 9s (9000 in the environment variable and the file).',
    '      Environment: NLX_SCRAPE_TIMEOUT_MS. File: scrape_timeout_ms.',
  ]);
});

test('markdown table has one row per option', () => {
  const lines = renderOptionsMarkdown().trimEnd().split('\n');
  assert.equal(lines.length, OPTION_TABLE.length + 2);
  assert.deepStrictEqual(lines.slice(0, 2), [
    '| Flag | Environment variable | TOML key | Type | Default | Description |',
    '|---|---|---|---|---|---|',
  ]);
  assert.deepStrictEqual(
    lines.filter((line) =>
      /`--(web\.max-requests|\[no-\]collector\.conntrack\.per-cpu|config)/.test(line),
    ),
    [
      '| `--config=PATH` | `NLX_CONFIG_PATH` | — | path | `nft_exporter.toml` | TOML configuration ' +
        'file. The default file is read only when it exists; a file named by the flag or the ' +
        'environment variable must exist. |',
      '| `--web.max-requests=N` | `NLX_MAX_REQUESTS` | `max_requests` | integer | `4` | ' +
        'Maximum concurrent metrics requests; further requests get HTTP status 503. |',
      '| `--[no-]collector.conntrack.per-cpu` | `NLX_CONNTRACK__PER_CPU` | ' +
        '`[conntrack] per_cpu` | boolean | `false` | Also export per-CPU statistics with a cpu label. |',
    ],
  );
});

test('markdown escapes pipes in patterns', () => {
  const line = renderOptionsMarkdown()
    .split('\n')
    .find((candidate) => candidate.startsWith('| `--collector.netstat.field-include'));
  const escaped = NETSTAT_DEFAULT_FIELDS.replaceAll('|', '\\|');
  assert.equal(
    line,
    '| `--collector.netstat.field-include=REGEX` | `NLX_NETSTAT__FIELD_INCLUDE_REGEX` | ' +
      `\`[netstat] field_include_regex\` | regex | \`${escaped}\` | ` +
      'Fields exported by the netstat collector, named Protocol_Field and matched whole. |',
  );
});

test('version names exporter, revision and node', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal(
    versionText(),
    `netlink_exporter ${manifest.version} (revision ${REVISION}, node ${process.version})\n`,
  );
  assert.deepStrictEqual(parseCommandLine(['--version'], {}), {
    kind: 'version',
    text: versionText(),
  });
});
