// Command-line flags: accepted spellings, the values they produce and the one-line error for
// every kind of bad flag.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CommandLine,
  ConfigError,
  defaultConfig,
  parseCommandLine,
} from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

/** Parses `argv` with an empty environment and no configuration file. */
function parseFlags(argv: string[]): CommandLine {
  return parseCommandLine(argv, {}, (path) => {
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
      code: 'ENOENT',
    });
  });
}

function runConfig(argv: string[]): Config {
  const result = parseFlags(argv);
  assert.equal(result.kind, 'run');
  return (result as { config: Config }).config;
}

const ALL_COLLECTORS_OFF = Object.fromEntries(
  Object.keys(defaultConfig().collectors).map((name) => [name, false]),
) as Config['collectors'];

const LISTEN_EXPECTED = 'expected host:port, :port or [IPv6]:port with a port from 1 to 65535';
const COLLECTOR_LIST =
  'rtnetlink, rtnetlink_extended, traffic_control, conntrack, conntrack_expect, nftables, ' +
  'sock_diag, ethtool, ipvs, wireguard, devlink, drop_monitor, xfrm, softnet, netstat, ' +
  'softirq, irq, sockstat, nic_bql, nic_pcie, nic_temp';

test('no flags yield the defaults', () => {
  assert.deepStrictEqual(runConfig([]), defaultConfig());
});

test('flags set every kind of value', () => {
  const rows: { name: string; argv: string[]; expected: Partial<Config> }[] = [
    {
      name: 'space-separated value',
      argv: ['--web.max-requests', '16'],
      expected: { maxRequests: 16 },
    },
    { name: 'value after =', argv: ['--web.max-requests=16'], expected: { maxRequests: 16 } },
    {
      name: 'value with = inside',
      argv: ['--web.telemetry-path=/a=b'],
      expected: { telemetryPath: '/a=b' },
    },
    { name: 'log level alias', argv: ['--log-level', 'debug'], expected: { logLevel: 'debug' } },
    { name: 'log format', argv: ['--log.format=json'], expected: { logFormat: 'json' } },
    {
      name: 'repeated listen address with alias',
      argv: [
        '--web.listen-address',
        ':9100',
        '--listen-addr=[::1]:9101',
        '--web.listen-address=localhost:80',
      ],
      expected: {
        listenAddresses: [
          { host: '', port: 9100 },
          { host: '::1', port: 9101 },
          { host: 'localhost', port: 80 },
        ],
      },
    },
    {
      name: 'collector timeout as duration',
      argv: ['--scrape.collector-timeout=1m30s'],
      expected: { scrapeTimeoutMs: 90_000 },
    },
    {
      name: 'collector timeout in milliseconds',
      argv: ['--scrape.collector-timeout', '500ms'],
      expected: { scrapeTimeoutMs: 500 },
    },
    {
      name: 'reprobe interval in minutes',
      argv: ['--scrape.reprobe-interval=5m'],
      expected: { reprobeIntervalSeconds: 300 },
    },
    {
      name: 'dump restarts may be zero',
      argv: ['--netlink.dump-max-restarts=0'],
      expected: { netlinkDumpMaxRestarts: 0 },
    },
    {
      name: 'interface filters compile anchored',
      argv: ['--collector.interface-include=eth.*|en.*', '--collector.interface-exclude', 'veth.*'],
      expected: { interfaces: { include: /^(?:eth.*|en.*)$/, exclude: /^(?:veth.*)$/ } },
    },
    {
      name: 'empty include pattern leaves the filter unset',
      argv: ['--collector.interface-include='],
      expected: { interfaces: {} },
    },
    {
      name: 'paths',
      argv: ['--path.procfs=/host/proc', '--path.sysfs', '/host/sys'],
      expected: { pathProcfs: '/host/proc', pathSysfs: '/host/sys' },
    },
    {
      name: 'collector switches',
      argv: ['--collector.netstat', '--no-collector.conntrack'],
      expected: {
        collectors: { ...defaultConfig().collectors, netstat: true, conntrack: false },
      },
    },
    {
      name: 'collector settings',
      argv: [
        '--collector.wireguard.max-peers=10',
        '--collector.traffic_control.max-objects=20',
        '--collector.conntrack.per-cpu',
        '--collector.nftables.table-include=filter',
        '--collector.nftables.table-exclude=nat',
        '--collector.nftables.max-rule-series=30',
        '--collector.sock_diag.by-family',
        '--collector.ipvs.max-services=40',
        '--collector.ipvs.max-destinations=50',
        '--collector.ipvs.services-only',
        '--collector.drop_monitor.by-reason',
        '--collector.netstat.field-include=Tcp_.*',
        '--collector.irq.per-cpu',
        '--collector.irq.name-include=eth.*',
        '--collector.irq.name-exclude=eth0',
      ],
      expected: {
        wireguardMaxPeers: 10,
        trafficControl: { maxObjects: 20 },
        conntrack: { perCpu: true },
        nftables: { tableInclude: /^(?:filter)$/, tableExclude: /^(?:nat)$/, maxRuleSeries: 30 },
        sockDiag: { byFamily: true },
        ipvs: { maxServices: 40, maxDestinations: 50, servicesOnly: true },
        dropMonitor: { byReason: true },
        netstat: { fieldInclude: /^(?:Tcp_.*)$/ },
        irq: { perCpu: true, nameInclude: /^(?:eth.*)$/, nameExclude: /^(?:eth0)$/ },
      },
    },
    {
      name: 'negated collector setting',
      argv: ['--no-collector.conntrack.per-cpu'],
      expected: { conntrack: { perCpu: false } },
    },
  ];
  for (const row of rows) {
    assert.deepStrictEqual(runConfig(row.argv), { ...defaultConfig(), ...row.expected }, row.name);
  }
});

test('anchored pattern matches whole names only', () => {
  const include = runConfig(['--collector.interface-include=eth.*']).interfaces.include!;
  assert.deepStrictEqual(
    ['eth0', 'veth0', 'eth0.100', 'xeth'].map((name) => include.test(name)),
    [true, false, true, false],
  );
});

test('disable-defaults keeps only named collectors', () => {
  const rows: { name: string; argv: string[]; expected: Config['collectors'] }[] = [
    {
      name: 'nothing named',
      argv: ['--collector.disable-defaults'],
      expected: ALL_COLLECTORS_OFF,
    },
    {
      name: 'one netlink and one file collector',
      argv: ['--collector.disable-defaults', '--collector.rtnetlink', '--collector.netstat'],
      expected: { ...ALL_COLLECTORS_OFF, rtnetlink: true, netstat: true },
    },
    {
      name: 'collector named before the flag',
      argv: ['--collector.softnet', '--collector.disable-defaults'],
      expected: { ...ALL_COLLECTORS_OFF, softnet: true },
    },
    {
      name: 'explicitly disabled collector',
      argv: ['--collector.disable-defaults', '--no-collector.rtnetlink'],
      expected: ALL_COLLECTORS_OFF,
    },
    {
      name: 'negated disable-defaults',
      argv: ['--no-collector.disable-defaults'],
      expected: defaultConfig().collectors,
    },
  ];
  for (const row of rows) {
    assert.deepStrictEqual(runConfig(row.argv).collectors, row.expected, row.name);
  }
});

test('help and version flags win', () => {
  assert.equal(parseFlags(['--bogus', '-h']).kind, 'help');
  assert.equal(parseFlags(['--help']).kind, 'help');
  assert.equal(parseFlags(['--web.max-requests=0', '--version']).kind, 'version');
  assert.equal(parseFlags(['--version', '--help']).kind, 'help');
});

test('bad flags raise one-line errors', () => {
  const rows: { name: string; argv: string[]; message: string }[] = [
    {
      name: 'unknown flag',
      argv: ['--bogus'],
      message: 'unknown flag --bogus: see --help for the accepted flags',
    },
    {
      name: 'unknown flag with value',
      argv: ['--bogus=1'],
      message: 'unknown flag --bogus: see --help for the accepted flags',
    },
    {
      name: 'version with a value',
      argv: ['--version=1'],
      message: 'invalid use of --version: the flag takes no value; give it as --version',
    },
    {
      name: 'help with a value',
      argv: ['--help=yes'],
      message: 'invalid use of --help: the flag takes no value; give it as --help',
    },
    {
      name: 'misspelt flag',
      argv: ['--web.listen-adress', ':1'],
      message: 'unknown flag --web.listen-adress: did you mean --web.listen-address?',
    },
    {
      name: 'single-dash flag',
      argv: ['-v'],
      message: 'unknown flag -v: see --help for the accepted flags',
    },
    {
      name: 'positional argument',
      argv: ['serve'],
      message: 'unexpected argument "serve": netlink_exporter takes only flags, see --help',
    },
    {
      name: 'lone dash',
      argv: ['-'],
      message: 'unexpected argument "-": netlink_exporter takes only flags, see --help',
    },
    {
      name: 'missing value',
      argv: ['--web.max-requests'],
      message: 'missing value for --web.max-requests: expected an integer from 1 to 1024',
    },
    {
      name: 'missing duration',
      argv: ['--scrape.collector-timeout'],
      message:
        'missing value for --scrape.collector-timeout: ' +
        'expected a duration from 1ms to 10m, such as 9s or 500ms',
    },
    {
      name: 'not an integer',
      argv: ['--web.max-requests', 'abc'],
      message: 'invalid value "abc" for --web.max-requests: expected an integer from 1 to 1024',
    },
    {
      name: 'integer below range',
      argv: ['--web.max-requests=0'],
      message: 'invalid value "0" for --web.max-requests: expected an integer from 1 to 1024',
    },
    {
      name: 'integer above range',
      argv: ['--web.max-requests=1025'],
      message: 'invalid value "1025" for --web.max-requests: expected an integer from 1 to 1024',
    },
    {
      name: 'fractional integer',
      argv: ['--collector.ipvs.max-services=1.5'],
      message:
        'invalid value "1.5" for --collector.ipvs.max-services: ' +
        'expected an integer from 1 to 1000000',
    },
    {
      name: 'cap of zero',
      argv: ['--collector.nftables.max-rule-series=0'],
      message:
        'invalid value "0" for --collector.nftables.max-rule-series: ' +
        'expected an integer from 1 to 1000000',
    },
    {
      name: 'restarts above range',
      argv: ['--netlink.dump-max-restarts=101'],
      message:
        'invalid value "101" for --netlink.dump-max-restarts: expected an integer from 0 to 100',
    },
    {
      name: 'unknown collector',
      argv: ['--collector.foo'],
      message: `unknown collector "foo" in --collector.foo: expected one of ${COLLECTOR_LIST}`,
    },
    {
      name: 'unknown negated collector',
      argv: ['--no-collector.netsat'],
      message: `unknown collector "netsat" in --no-collector.netsat: expected one of ${COLLECTOR_LIST}`,
    },
    {
      name: 'value given to a switch',
      argv: ['--collector.netstat=true'],
      message:
        'invalid value "true" for --collector.netstat: the flag takes no value; ' +
        'expected --collector.netstat or --no-collector.netstat',
    },
    {
      name: 'value given to a negated switch',
      argv: ['--no-collector.conntrack.per-cpu=false'],
      message:
        'invalid value "false" for --no-collector.conntrack.per-cpu: the flag takes no value; ' +
        'expected --collector.conntrack.per-cpu or --no-collector.conntrack.per-cpu',
    },
    {
      name: 'repeated flag',
      argv: ['--log.level=debug', '--log.level', 'warn'],
      message: '--log.level=debug and --log.level=warn set the same option: give it once',
    },
    {
      name: 'flag and its alias',
      argv: ['--log.level=debug', '--log-level=warn'],
      message: '--log.level=debug and --log-level=warn set the same option: give it once',
    },
    {
      name: 'switch and its negation',
      argv: ['--collector.netstat', '--no-collector.netstat'],
      message: '--collector.netstat and --no-collector.netstat set the same option: give it once',
    },
    {
      name: 'unknown log level',
      argv: ['--log.level=verbose'],
      message: 'invalid value "verbose" for --log.level: expected one of debug, info, warn, error',
    },
    {
      name: 'unknown log format',
      argv: ['--log.format', 'text'],
      message: 'invalid value "text" for --log.format: expected one of logfmt, json',
    },
    {
      name: 'duration without unit',
      argv: ['--scrape.collector-timeout=9'],
      message:
        'invalid value "9" for --scrape.collector-timeout: ' +
        'expected a duration from 1ms to 10m, such as 9s or 500ms',
    },
    {
      name: 'zero duration',
      argv: ['--scrape.collector-timeout=0s'],
      message:
        'invalid value "0s" for --scrape.collector-timeout: ' +
        'expected a duration from 1ms to 10m, such as 9s or 500ms',
    },
    {
      name: 'duration above range',
      argv: ['--scrape.collector-timeout=10m1ms'],
      message:
        'invalid value "10m1ms" for --scrape.collector-timeout: ' +
        'expected a duration from 1ms to 10m, such as 9s or 500ms',
    },
    {
      name: 'duration units out of order',
      argv: ['--scrape.collector-timeout=1s1m'],
      message:
        'invalid value "1s1m" for --scrape.collector-timeout: ' +
        'expected a duration from 1ms to 10m, such as 9s or 500ms',
    },
    {
      name: 'duration of a fraction of a second',
      argv: ['--scrape.reprobe-interval=1500ms'],
      message:
        'invalid value "1500ms" for --scrape.reprobe-interval: ' +
        'expected a duration of whole seconds from 1s to 1d, such as 60s or 5m',
    },
    {
      name: 'listen address without port',
      argv: ['--web.listen-address=localhost'],
      message: `invalid value "localhost" for --web.listen-address: missing port; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'listen port zero',
      argv: ['--web.listen-address=:0'],
      message: `invalid value ":0" for --web.listen-address: invalid port "0"; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'listen port above range',
      argv: ['--listen-addr=:65536'],
      message: `invalid value ":65536" for --listen-addr: invalid port "65536"; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'listen port not a number',
      argv: ['--web.listen-address=:http'],
      message: `invalid value ":http" for --web.listen-address: invalid port "http"; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'IPv6 address without brackets',
      argv: ['--web.listen-address=::1:80'],
      message:
        'invalid value "::1:80" for --web.listen-address: an IPv6 address needs brackets, ' +
        `as in [::1]:33400; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'invalid IPv6 address',
      argv: ['--web.listen-address=[fe80::zz]:80'],
      message:
        'invalid value "[fe80::zz]:80" for --web.listen-address: ' +
        `invalid IPv6 address "fe80::zz"; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'invalid IPv4 address',
      argv: ['--web.listen-address=10.0.0.256:80'],
      message:
        'invalid value "10.0.0.256:80" for --web.listen-address: ' +
        `invalid host "10.0.0.256"; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'invalid host name',
      argv: ['--web.listen-address=my_host:80'],
      message:
        'invalid value "my_host:80" for --web.listen-address: ' +
        `invalid host "my_host"; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'listen address given twice',
      argv: ['--web.listen-address=:9100', '--listen-addr=:9100'],
      message: 'invalid value ":9100" for --listen-addr: given twice; expected each address once',
    },
    {
      name: 'invalid interface pattern',
      argv: ['--collector.interface-include=eth('],
      message:
        'invalid value "eth(" for --collector.interface-include: unterminated group; ' +
        'expected a JavaScript regular expression that matches whole names, ' +
        'or an empty string for no filter',
    },
    {
      name: 'invalid table pattern',
      argv: ['--collector.nftables.table-exclude', '[a-'],
      message:
        'invalid value "[a-" for --collector.nftables.table-exclude: ' +
        'unterminated character class; ' +
        'expected a JavaScript regular expression that matches whole names, ' +
        'or an empty string for no filter',
    },
    {
      name: 'empty netstat field pattern',
      argv: ['--collector.netstat.field-include='],
      message:
        'invalid value "" for --collector.netstat.field-include: ' +
        'expected a non-empty JavaScript regular expression that matches whole names',
    },
    {
      name: 'relative telemetry path',
      argv: ['--web.telemetry-path=metrics'],
      message:
        'invalid value "metrics" for --web.telemetry-path: path does not start with /; ' +
        'expected a URL path that starts with /, such as /metrics',
    },
    {
      name: 'telemetry path with query',
      argv: ['--web.telemetry-path=/metrics?x=1'],
      message:
        'invalid value "/metrics?x=1" for --web.telemetry-path: ' +
        'path contains white space, ? or #; ' +
        'expected a URL path that starts with /, such as /metrics',
    },
    {
      name: 'telemetry path of the health check',
      argv: ['--web.telemetry-path=/healthz'],
      message:
        'invalid value "/healthz" for --web.telemetry-path: ' +
        'the exporter serves its landing page, /healthz and /ready on those paths; ' +
        'expected a URL path that starts with /, such as /metrics',
    },
    {
      name: 'telemetry path with dot segments',
      argv: ['--web.telemetry-path=/a/../metrics'],
      message:
        'invalid value "/a/../metrics" for --web.telemetry-path: ' +
        'requests never arrive with this path; it parses as /metrics; ' +
        'expected a URL path that starts with /, such as /metrics',
    },
    {
      name: 'telemetry path not percent-encoded',
      argv: ['--web.telemetry-path=/métrics'],
      message:
        'invalid value "/métrics" for --web.telemetry-path: ' +
        'requests never arrive with this path; it parses as /m%C3%A9trics; ' +
        'expected a URL path that starts with /, such as /metrics',
    },
    {
      name: 'empty procfs path',
      argv: ['--path.procfs='],
      message:
        'invalid value "" for --path.procfs: empty path; expected a non-empty file system path',
    },
    {
      name: 'missing configuration file',
      argv: ['--config', '/etc/nlx/missing.toml'],
      message:
        'invalid value "/etc/nlx/missing.toml" for --config: no such file; ' +
        'expected the path of a readable TOML file',
    },
  ];
  for (const row of rows) {
    assert.throws(
      () => parseFlags(row.argv),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, row.name);
        assert.equal(error.message, row.message, row.name);
        return true;
      },
    );
  }
});
