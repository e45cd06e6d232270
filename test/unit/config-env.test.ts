// NLX_* environment variables: nesting, lists, ignored variables and the one-line error for
// every kind of bad variable.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, defaultConfig, parseCommandLine } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

function missingFile(path: string): never {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
    code: 'ENOENT',
  });
}

/** Parses `env` with no flags and no configuration file. */
function envConfig(env: NodeJS.ProcessEnv): Config {
  const result = parseCommandLine([], env, missingFile);
  assert.equal(result.kind, 'run');
  return (result as { config: Config }).config;
}

const LISTEN_EXPECTED = 'expected host:port, :port or [IPv6]:port with a port from 1 to 65535';

test('variables set every kind of value', () => {
  const rows: { name: string; env: NodeJS.ProcessEnv; expected: Partial<Config> }[] = [
    { name: 'top-level integer', env: { NLX_MAX_REQUESTS: '8' }, expected: { maxRequests: 8 } },
    {
      name: 'timeout in milliseconds',
      env: { NLX_SCRAPE_TIMEOUT_MS: '2500' },
      expected: { scrapeTimeoutMs: 2500 },
    },
    {
      name: 'nested collector switch',
      env: { NLX_COLLECTORS__NIC_PCIE: 'true', NLX_COLLECTORS__RTNETLINK: 'false' },
      expected: {
        collectors: { ...defaultConfig().collectors, nic_pcie: true, rtnetlink: false },
      },
    },
    {
      name: 'nested collector setting',
      env: { NLX_NFTABLES__MAX_RULE_SERIES: '500' },
      expected: { nftables: { maxRuleSeries: 500 } },
    },
    {
      name: 'single listen address',
      env: { NLX_LISTEN_ADDR: '127.0.0.1:9100' },
      expected: { listenAddresses: [{ host: '127.0.0.1', port: 9100 }] },
    },
    {
      name: 'listen addresses separated by commas',
      env: { NLX_LISTEN_ADDR: '127.0.0.1:9100, [::1]:9100' },
      expected: {
        listenAddresses: [
          { host: '127.0.0.1', port: 9100 },
          { host: '::1', port: 9100 },
        ],
      },
    },
    {
      name: 'pattern',
      env: { NLX_IRQ__NAME_EXCLUDE_REGEX: 'timer|i8042' },
      expected: { irq: { perCpu: false, nameExclude: /^(?:timer|i8042)$/ } },
    },
    {
      name: 'empty pattern leaves the filter unset',
      env: { NLX_INTERFACE_EXCLUDE_REGEX: '' },
      expected: { interfaces: {} },
    },
    {
      name: 'disable defaults',
      env: { NLX_DISABLE_DEFAULT_COLLECTORS: 'true', NLX_COLLECTORS__XFRM: 'true' },
      expected: {
        collectors: Object.fromEntries(
          Object.keys(defaultConfig().collectors).map((name) => [name, name === 'xfrm']),
        ) as Config['collectors'],
      },
    },
    {
      name: 'unrelated variables',
      env: { PATH: '/usr/bin', NLXFOO: '1', nlx_foo: '2', MY_NLX_X: '3' },
      expected: {},
    },
  ];
  for (const row of rows) {
    assert.deepStrictEqual(envConfig(row.env), { ...defaultConfig(), ...row.expected }, row.name);
  }
});

test('bad variables raise one-line errors', () => {
  const rows: { name: string; env: NodeJS.ProcessEnv; message: string }[] = [
    {
      name: 'misspelt variable',
      env: { NLX_LOG_LEVL: 'debug' },
      message:
        'unknown environment variable NLX_LOG_LEVL (value "debug"): did you mean NLX_LOG_LEVEL?',
    },
    {
      name: 'unknown variable',
      env: { NLX_TOKEN: 'x' },
      message:
        'unknown environment variable NLX_TOKEN (value "x"): ' +
        'no option has this name, see --help for the NLX_* variables',
    },
    {
      name: 'table without key',
      env: { NLX_NFTABLES: '1' },
      message:
        'unknown environment variable NLX_NFTABLES (value "1"): ' +
        'no option has this name, see --help for the NLX_* variables',
    },
    {
      name: 'unknown collector',
      env: { NLX_COLLECTORS__FOO: 'true' },
      message:
        'unknown collector "foo" in NLX_COLLECTORS__FOO: expected one of rtnetlink, ' +
        'rtnetlink_extended, traffic_control, conntrack, conntrack_expect, nftables, ' +
        'sock_diag, ethtool, ipvs, wireguard, devlink, drop_monitor, xfrm, softnet, netstat, ' +
        'softirq, irq, sockstat, nic_bql, nic_pcie, nic_temp',
    },
    {
      name: 'not a boolean',
      env: { NLX_COLLECTORS__NETSTAT: 'yes' },
      message: 'invalid value "yes" for NLX_COLLECTORS__NETSTAT: expected true or false',
    },
    {
      name: 'not an integer',
      env: { NLX_MAX_REQUESTS: 'abc' },
      message: 'invalid value "abc" for NLX_MAX_REQUESTS: expected an integer from 1 to 1024',
    },
    {
      name: 'duration where milliseconds are expected',
      env: { NLX_SCRAPE_TIMEOUT_MS: '9s' },
      message:
        'invalid value "9s" for NLX_SCRAPE_TIMEOUT_MS: ' +
        'expected an integer from 1 to 600000 (milliseconds)',
    },
    {
      name: 'zero timeout',
      env: { NLX_SCRAPE_TIMEOUT_MS: '0' },
      message:
        'invalid value "0" for NLX_SCRAPE_TIMEOUT_MS: ' +
        'expected an integer from 1 to 600000 (milliseconds)',
    },
    {
      name: 'empty integer',
      env: { NLX_WIREGUARD_MAX_PEERS: '' },
      message:
        'invalid value "" for NLX_WIREGUARD_MAX_PEERS: expected an integer from 1 to 1000000',
    },
    {
      name: 'empty listen address list',
      env: { NLX_LISTEN_ADDR: ' ' },
      message:
        'invalid value " " for NLX_LISTEN_ADDR: empty list; ' +
        'expected at least one host:port, :port or [IPv6]:port with a port from 1 to 65535',
    },
    {
      name: 'empty item in listen address list',
      env: { NLX_LISTEN_ADDR: ':9100,' },
      message: `invalid value "" for NLX_LISTEN_ADDR: missing port; ${LISTEN_EXPECTED}`,
    },
    {
      name: 'listen address given twice',
      env: { NLX_LISTEN_ADDR: ':9100,:9100' },
      message: 'invalid value ":9100" for NLX_LISTEN_ADDR: given twice; expected each address once',
    },
    {
      name: 'invalid pattern',
      env: { NLX_NFTABLES__TABLE_INCLUDE_REGEX: '*' },
      message:
        'invalid value "*" for NLX_NFTABLES__TABLE_INCLUDE_REGEX: nothing to repeat; ' +
        'expected a JavaScript regular expression that matches whole names, ' +
        'or an empty string for no filter',
    },
    {
      name: 'missing configuration file',
      env: { NLX_CONFIG_PATH: '/etc/nlx/missing.toml' },
      message:
        'invalid value "/etc/nlx/missing.toml" for NLX_CONFIG_PATH: no such file; ' +
        'expected the path of a readable TOML file',
    },
  ];
  for (const row of rows) {
    assert.throws(
      () => parseCommandLine([], row.env, missingFile),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, row.name);
        assert.equal(error.message, row.message, row.name);
        return true;
      },
    );
  }
});

test('help ignores bad variables', () => {
  assert.equal(parseCommandLine(['--help'], { NLX_BOGUS: '1' }, missingFile).kind, 'help');
});
