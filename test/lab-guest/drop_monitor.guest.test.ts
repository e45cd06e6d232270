// The drop_monitor collector in the lab guest's initial namespace, the only one with the NET_DM
// family: UDP datagrams sent to a closed port are dropped on purpose and must raise the
// software total by at least their number, in summary and in packet mode. The monitor is
// stopped at close unless another owner had started it, and joining the events group without
// CAP_SYS_ADMIN is reported as forbidden.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createDropMonitorCollector } from '../../src/collectors/drop_monitor.js';
import type { Collector } from '../../src/collectors/types.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { seriesOf } from '../kernel/ethtool-tool.js';
import { testConfig, testContext } from '../support/config.js';
import { parseExposition } from '../support/exposition-parser.js';
import { assertLabGuest } from './support.js';

assertLabGuest();

const DROPS = 50;
/** Closed UDP port on loopback: the kernel drops each datagram with reason NO_SOCKET. */
const CLOSED_PORT = 9;

async function sendDrops(count: number): Promise<void> {
  const socket = createSocket('udp4');
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) =>
      socket.send('drop', CLOSED_PORT, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  }
  socket.close();
}

async function totals(collector: Collector, byReason: boolean): Promise<string[]> {
  const ctx = testContext(testConfig({ dropMonitor: { byReason } }));
  const text = encodeFamilies(await collector.collect(ctx), 'text');
  return seriesOf(parseExposition(text, 'text'), 'nft_drop_');
}

function value(series: readonly string[], prefix: string): number {
  const line = series.find((s) => s.startsWith(prefix));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Collects until the software total reached `atLeast`; summaries arrive about once a second. */
async function waitForDrops(collector: Collector, byReason: boolean, atLeast: number) {
  let series = await totals(collector, byReason);
  for (let i = 0; i < 30 && value(series, 'nft_drop_packets_total{origin="sw"') < atLeast; i++) {
    await sleep(500);
    series = await totals(collector, byReason);
  }
  return series;
}

for (const byReason of [false, true]) {
  test(`drops counted in ${byReason ? 'packet' : 'summary'} mode`, async (t) => {
    const collector = createDropMonitorCollector();
    t.after(() => collector.close?.());
    const ctx = testContext(testConfig({ dropMonitor: { byReason } }));
    assert.deepStrictEqual(await collector.probe(ctx), { kind: 'available' });

    const start = value(await totals(collector, byReason), 'nft_drop_packets_total{origin="sw"');
    await sendDrops(DROPS);
    const series = await waitForDrops(collector, byReason, start + DROPS);

    assert.ok(
      value(series, 'nft_drop_packets_total{origin="sw"') >= start + DROPS,
      series.join('\n'),
    );
    assert.ok(
      series.includes(
        `nft_drop_monitor_info{mode="${byReason ? 'packet' : 'summary'}",owner="exporter"} 1`,
      ),
    );
    if (byReason) {
      assert.ok(
        value(series, 'nft_drop_packets_by_reason_total{origin="sw",reason="NO_SOCKET"}') >= DROPS,
      );
    }
  });
}

test('monitor of another owner is left running', async (t) => {
  const owner = createDropMonitorCollector();
  const guest = createDropMonitorCollector();
  t.after(async () => {
    await guest.close?.();
    await owner.close?.();
  });
  const ctx = testContext(testConfig());
  assert.deepStrictEqual(await owner.probe(ctx), { kind: 'available' });
  assert.deepStrictEqual(await guest.probe(ctx), { kind: 'available' });
  assert.ok(
    (await totals(guest, false)).includes('nft_drop_monitor_info{mode="summary",owner="other"} 1'),
  );

  // Closing the guest must not stop the owner's monitor: its drops still arrive.
  await guest.close?.();
  const start = value(await totals(owner, false), 'nft_drop_packets_total{origin="sw"');
  await sendDrops(DROPS);
  const series = await waitForDrops(owner, false, start + DROPS);
  assert.ok(
    value(series, 'nft_drop_packets_total{origin="sw"') >= start + DROPS,
    series.join('\n'),
  );

  // Closing the owner stops the monitor, so a new collector owns it again.
  await owner.close?.();
  const next = createDropMonitorCollector();
  t.after(() => next.close?.());
  assert.deepStrictEqual(await next.probe(ctx), { kind: 'available' });
  assert.ok(
    (await totals(next, false)).includes(
      'nft_drop_monitor_info{mode="summary",owner="exporter"} 1',
    ),
  );
});

test('events group needs CAP_SYS_ADMIN', () => {
  // A child without CAP_SYS_ADMIN (capsh from libcap2-bin) runs the probe and prints it.
  const collectorModule = fileURLToPath(
    new URL('../../src/collectors/drop_monitor.js', import.meta.url),
  );
  const configModule = fileURLToPath(new URL('../support/config.js', import.meta.url));
  const script = [
    `const { createDropMonitorCollector } = await import(${JSON.stringify(collectorModule)});`,
    `const { testConfig, testContext } = await import(${JSON.stringify(configModule)});`,
    'const c = createDropMonitorCollector();',
    'console.log(JSON.stringify(await c.probe(testContext(testConfig()))));',
    'await c.close();',
  ].join('\n');
  const output = execFileSync(
    'capsh',
    [
      '--drop=cap_sys_admin',
      '--',
      '-c',
      `exec ${process.execPath} --input-type=module -e '${script}'`,
    ],
    { encoding: 'utf8' },
  );
  assert.deepStrictEqual(JSON.parse(output), {
    kind: 'forbidden',
    reason: 'joining the NET_DM events multicast group was rejected (EPERM); grant CAP_SYS_ADMIN',
  });
});
