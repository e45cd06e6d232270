// The scrape pipeline with made-up collectors: deadlines, failures, single-flight,
// availability and the duplicate-series guard.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { withSocket } from '../../src/collectors/netlink.js';
import type { MetricFamily } from '../../src/metrics/model.js';
import { NETLINK_ROUTE } from '../../src/netlink/constants.js';
import { Scraper } from '../../src/scrape/scraper.js';
import {
  fakeCollector,
  gate,
  memoryLogger,
  testConfig,
  testFamily,
} from '../support/collectors.js';

function selfValue(
  families: MetricFamily[],
  name: string,
  collector: string,
): number | bigint | undefined {
  const fam = families.find((f) => f.desc.name === name);
  return fam?.samples.find((s) => s.labels[0] === collector)?.value;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

test('collector hanging past its deadline fails and leaves no socket', async () => {
  const { log, lines } = memoryLogger();
  const hanging = fakeCollector('conntrack', (ctx) =>
    withSocket(ctx, NETLINK_ROUTE, () => new Promise<never>(() => {})),
  );
  const healthy = fakeCollector('rtnetlink', async () => [testFamily('healthy', 2)]);
  const scraper = new Scraper({ collectors: [hanging, healthy], config: testConfig(), log });
  await scraper.probeAll();
  const before = openFds();

  const families = await scraper.scrape(['conntrack', 'rtnetlink'], 200);

  assert.equal(openFds(), before);
  assert.equal(selfValue(families, 'nft_scrape_collector_success', 'conntrack'), 0);
  assert.equal(selfValue(families, 'nft_scrape_collector_error_total', 'conntrack'), 1);
  assert.equal(selfValue(families, 'nft_scrape_collector_success', 'rtnetlink'), 1);
  assert.deepEqual(families.find((f) => f.desc.name === 'nft_test_healthy')?.samples.length, 2);
  const failure = lines.map((l) => JSON.parse(l)).find((r) => r.msg === 'collector failed');
  assert.deepEqual(
    { collector: failure.collector, err: failure.err },
    {
      collector: 'conntrack',
      err: {
        type: 'DeadlineError',
        message: 'collector conntrack did not finish within its 200 ms deadline',
        code: 'NLX_ERR_DEADLINE',
      },
    },
  );
});

test('concurrent scrapes of the same collectors run them once', async () => {
  const { log } = memoryLogger();
  let runs = 0;
  const held = gate();
  const slow = fakeCollector('rtnetlink', async () => {
    runs++;
    await held.promise;
    return [testFamily('slow', 1)];
  });
  const scraper = new Scraper({ collectors: [slow], config: testConfig(), log });
  await scraper.probeAll();
  const first = scraper.scrape(['rtnetlink'], 5000);
  const second = scraper.scrape(['rtnetlink'], 5000);
  held.open();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(runs, 1);
  assert.equal(a, b);
  await scraper.scrape(['rtnetlink'], 5000);
  assert.equal(runs, 2);
});

test('throwing collector is reported and does not fail the scrape', async () => {
  const { log, lines } = memoryLogger();
  const broken = fakeCollector('nftables', async () => {
    throw new Error('kernel said no');
  });
  const scraper = new Scraper({ collectors: [broken], config: testConfig(), log });
  await scraper.probeAll();
  const first = await scraper.scrape(['nftables'], 1000);
  const second = await scraper.scrape(['nftables'], 1000);
  assert.equal(selfValue(first, 'nft_scrape_collector_success', 'nftables'), 0);
  assert.equal(selfValue(second, 'nft_scrape_collector_error_total', 'nftables'), 2);
  const levels = lines
    .map((l) => JSON.parse(l))
    .filter((r) => r.collector === 'nftables' && r.msg.startsWith('collector failed'));
  assert.deepEqual(
    levels.map((r) => [r.level, r.msg]),
    [
      ['error', 'collector failed'],
      ['debug', 'collector failed again'],
    ],
  );
});

test('unavailable and forbidden collectors report available 0 and success 1', async () => {
  const { log } = memoryLogger();
  const missing = fakeCollector(
    'wireguard',
    async () => [testFamily('never', 1)],
    async () => ({
      kind: 'unavailable',
      reason: 'generic netlink family wireguard is not registered in the kernel',
    }),
  );
  const denied = fakeCollector(
    'drop_monitor',
    async () => [testFamily('never2', 1)],
    async () => ({
      kind: 'forbidden',
      reason: 'joining NET_DM events was rejected (EPERM); grant CAP_SYS_ADMIN',
    }),
  );
  const scraper = new Scraper({ collectors: [missing, denied], config: testConfig(), log });
  assert.equal(scraper.ready, false);
  await scraper.probeAll();
  assert.equal(scraper.ready, true);
  const families = await scraper.scrape(['wireguard', 'drop_monitor'], 1000);
  for (const name of ['wireguard', 'drop_monitor']) {
    assert.equal(selfValue(families, 'nft_scrape_collector_available', name), 0);
    assert.equal(selfValue(families, 'nft_scrape_collector_success', name), 1);
    assert.equal(selfValue(families, 'nft_scrape_collector_duration_seconds', name), 0);
  }
  assert.equal(
    families.some((f) => f.desc.name.startsWith('nft_test_never')),
    false,
  );
  assert.equal(scraper.states.get('drop_monitor')?.status, 'forbidden');
});

test('repeated series are dropped and counted per collector', async () => {
  const { log, lines } = memoryLogger();
  const twice = fakeCollector('xfrm', async () => [testFamily('dup', 2), testFamily('dup', 3)]);
  const scraper = new Scraper({ collectors: [twice], config: testConfig(), log });
  await scraper.probeAll();
  const families = await scraper.scrape(['xfrm'], 1000);
  assert.deepEqual(
    families.find((f) => f.desc.name === 'nft_test_dup')?.samples.map((s) => s.labels[0]),
    ['0', '1', '2'],
  );
  assert.equal(selfValue(families, 'nft_scrape_duplicate_series_total', 'xfrm'), 2);
  await scraper.scrape(['xfrm'], 1000);
  const warnings = lines
    .map((l) => JSON.parse(l))
    .filter((r) => r.msg === 'dropped repeated series');
  assert.equal(warnings.length, 1);
});

test('failed collector serves its last result while young enough', async () => {
  const { log } = memoryLogger();
  let calls = 0;
  const flaky = fakeCollector('ipvs', async () => {
    calls++;
    if (calls > 1) throw new Error('kernel said no');
    return [testFamily('flaky', 2)];
  });
  const withStale = new Scraper({
    collectors: [flaky],
    config: testConfig({ staleSnapshotMaxAgeSeconds: 60 }),
    log,
  });
  await withStale.probeAll();
  const fresh = await withStale.scrape(['ipvs'], 1000);
  assert.equal(selfValue(fresh, 'nft_scrape_snapshot_age_seconds', 'ipvs'), 0);
  const stale = await withStale.scrape(['ipvs'], 1000);
  assert.equal(stale.find((f) => f.desc.name === 'nft_test_flaky')?.samples.length, 2);
  assert.equal(selfValue(stale, 'nft_scrape_collector_success', 'ipvs'), 0);
  const age = selfValue(stale, 'nft_scrape_snapshot_age_seconds', 'ipvs');
  assert.ok(typeof age === 'number' && age > 0 && age < 60, `age ${String(age)}`);

  calls = 0;
  const withoutStale = new Scraper({ collectors: [flaky], config: testConfig(), log });
  await withoutStale.probeAll();
  await withoutStale.scrape(['ipvs'], 1000);
  const failed = await withoutStale.scrape(['ipvs'], 1000);
  assert.equal(
    failed.some((f) => f.desc.name === 'nft_test_flaky'),
    false,
  );
  assert.equal(
    failed.some((f) => f.desc.name === 'nft_scrape_snapshot_age_seconds' && f.samples.length > 0),
    false,
  );
});

test('durations print as whole microseconds', async () => {
  const { log } = memoryLogger();
  const slow = fakeCollector('rtnetlink', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3));
    return [testFamily('slow', 1)];
  });
  const scraper = new Scraper({ collectors: [slow], config: testConfig(), log });
  await scraper.probeAll();

  for (let round = 0; round < 20; round++) {
    const families = await scraper.scrape(['rtnetlink'], 5000);
    const duration = selfValue(families, 'nft_scrape_collector_duration_seconds', 'rtnetlink');
    assert.equal(typeof duration, 'number');
    assert.ok((duration as number) > 0, `duration ${duration}`);
    assert.match(String(duration), /^0\.\d{1,6}$/);
  }
});

test('short timeout does not fail a concurrent scrape', async () => {
  const { log } = memoryLogger();
  let runs = 0;
  const slow = fakeCollector('rtnetlink', async () => {
    runs++;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return [testFamily('slow', 1)];
  });
  const scraper = new Scraper({ collectors: [slow], config: testConfig(), log });
  await scraper.probeAll();

  const [short, long] = await Promise.all([
    scraper.scrape(['rtnetlink'], 20),
    scraper.scrape(['rtnetlink'], 5000),
  ]);

  assert.equal(runs, 2);
  assert.equal(selfValue(short, 'nft_scrape_collector_success', 'rtnetlink'), 0);
  assert.equal(selfValue(long, 'nft_scrape_collector_success', 'rtnetlink'), 1);
  assert.equal(long.find((f) => f.desc.name === 'nft_test_slow')?.samples.length, 1);
});
