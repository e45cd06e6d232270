// The devlink collector on netdevsim in the lab guest: devices, ports, device information and
// health reporters against `devlink -j`, after netdevsim's dummy reporter reported an error
// whose recovery was made to fail.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { devlinkCollector } from '../../src/collectors/devlink.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { seriesOf } from '../kernel/ethtool-tool.js';
import { testConfig, testContext } from '../support/config.js';
import { parseExposition } from '../support/exposition-parser.js';
import { assertLabGuest, createNetns, type Netns, run } from './support.js';

assertLabGuest();

/** netdevsim ids are global to the guest; this file uses 951 only. */
const NSIM_ID = 951;
const HEALTH = `/sys/kernel/debug/netdevsim/netdevsim${NSIM_ID}/health`;

interface DevlinkPortJson {
  type: string;
  netdev?: string;
  flavour: string;
  port?: number;
}
interface DevlinkReporterJson {
  reporter: string;
  state: string;
  error: number;
  recover: number;
  last_dump_date?: string;
  last_dump_time?: string;
}
interface DevlinkInfoJson {
  driver: string;
  serial_number?: string;
  'board.serial_number'?: string;
  versions?: Record<string, Record<string, string>>;
}

function label(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
}

/** Splits `bus/device[/port]` as devlink prints handles. */
function handle(name: string): { bus: string; device: string; port: string } {
  const [bus = '', device = '', port = ''] = name.split('/');
  return { bus, device, port };
}

function expectedSeries(netns: Netns): string[] {
  const devs = netns.execJson('devlink', ['-j', 'dev', 'show']) as { dev: Record<string, unknown> };
  const ports = netns.execJson('devlink', ['-j', 'port', 'show']) as {
    port: Record<string, DevlinkPortJson>;
  };
  const health = netns.execJson('devlink', ['-j', 'health', 'show']) as {
    health: Record<string, DevlinkReporterJson[]>;
  };
  const info = netns.execJson('devlink', ['-j', 'dev', 'info']) as {
    info: Record<string, DevlinkInfoJson>;
  };
  const out = [`nft_devlink_devices ${Object.keys(devs.dev).length}`];
  for (const name of Object.keys(devs.dev)) {
    const { bus, device } = handle(name);
    const count = Object.keys(ports.port).filter((p) => p.startsWith(`${name}/`)).length;
    out.push(`nft_devlink_ports{${label({ bus, device })}} ${count}`);
  }
  for (const [name, p] of Object.entries(ports.port)) {
    const { bus, device, port } = handle(name);
    out.push(
      `nft_devlink_port_info{${label({ bus, device, port, type: p.type, flavour: p.flavour, number: p.port ?? '', netdev: p.netdev ?? '' })}} 1`,
    );
  }
  for (const [name, i] of Object.entries(info.info)) {
    const { bus, device } = handle(name);
    out.push(
      `nft_devlink_device_info{${label({ bus, device, driver: i.driver, serial_number: i.serial_number ?? '', board_serial_number: i['board.serial_number'] ?? '' })}} 1`,
    );
    for (const [kind, versions] of Object.entries(i.versions ?? {})) {
      for (const [component, version] of Object.entries(versions)) {
        out.push(
          `nft_devlink_device_version_info{${label({ bus, device, kind, component, version })}} 1`,
        );
      }
    }
  }
  for (const [name, reporters] of Object.entries(health.health)) {
    const { bus, device, port } = handle(name);
    for (const r of reporters) {
      const labels = label({ bus, device, reporter: r.reporter, port });
      out.push(`nft_devlink_health_reporter_state{${labels}} ${r.state === 'healthy' ? 0 : 1}`);
      out.push(`nft_devlink_health_reporter_error_total{${labels}} ${r.error}`);
      out.push(`nft_devlink_health_reporter_recover_total{${labels}} ${r.recover}`);
    }
  }
  return out.sort();
}

/** Formats seconds since the epoch as devlink prints a dump time (UTC in the guest). */
function dumpTime(seconds: number): string {
  const iso = new Date(Math.floor(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

test('devlink series match devlink on netdevsim', async (t) => {
  const netns = createNetns(t, 'devlink');
  netns.exec('sh', ['-c', `echo "${NSIM_ID} 2" > /sys/bus/netdevsim/new_device`]);
  netns.onRemove(() => run('sh', ['-c', `echo ${NSIM_ID} > /sys/bus/netdevsim/del_device`]));
  writeFileSync(`${HEALTH}/fail_recover`, 'Y');
  // The write reports the error, and fails with EINVAL because the recovery fails.
  assert.throws(() => writeFileSync(`${HEALTH}/break_health`, 'lab test error'), {
    code: 'EINVAL',
  });

  const ctx = testContext(testConfig(), { netns: `/run/netns/${netns.name}` });
  assert.deepStrictEqual(await devlinkCollector.probe(ctx), { kind: 'available' });
  const families = parseExposition(
    encodeFamilies(await devlinkCollector.collect(ctx), 'text'),
    'text',
  );
  const expected = expectedSeries(netns);

  const dumps = seriesOf(families, 'nft_devlink_health_reporter_dump_timestamp_seconds');
  const ours = seriesOf(families, 'nft_devlink_').filter((s) => !dumps.includes(s));
  assert.deepStrictEqual(ours, expected);
  assert.ok(
    expected.includes(
      `nft_devlink_health_reporter_state{bus="netdevsim",device="netdevsim${NSIM_ID}",reporter="dummy",port=""} 1`,
    ),
  );

  const health = netns.execJson('devlink', ['-j', 'health', 'show']) as {
    health: Record<string, DevlinkReporterJson[]>;
  };
  const dummy = health.health[`netdevsim/netdevsim${NSIM_ID}`]?.find((r) => r.reporter === 'dummy');
  assert.equal(dumps.length, 1);
  const seconds = Number(dumps[0]!.split(' ')[1]);
  // devlink derives the printed time from a millisecond tick count, so allow one second.
  const printed = `${dummy?.last_dump_date} ${dummy?.last_dump_time}`;
  assert.ok(
    [dumpTime(seconds - 1), dumpTime(seconds), dumpTime(seconds + 1)].includes(printed),
    `dump at ${seconds} s, devlink printed ${printed}`,
  );
});
