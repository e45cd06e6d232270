// The ethtool collector on netdevsim and veth in the lab guest: every series against what
// ethtool prints for the same namespace, and a driver error on one device that must be counted
// without hiding the other devices.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { ethtoolCollector } from '../../src/collectors/ethtool.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { expectedEthtoolSeries, seriesOf } from '../kernel/ethtool-tool.js';
import { testConfig, testContext } from '../support/config.js';
import { parseExposition } from '../support/exposition-parser.js';
import { assertLabGuest, createNetns, type Netns, run } from './support.js';

assertLabGuest();

/** netdevsim ids are global to the guest; this file uses 941 and 942 only. */
const NSIM_ID = 941;
const DEBUGFS = `/sys/kernel/debug/netdevsim/netdevsim${NSIM_ID}/ports`;

function buildScene(netns: Netns): void {
  netns.exec('sh', ['-c', `echo "${NSIM_ID} 2" > /sys/bus/netdevsim/new_device`]);
  netns.onRemove(() => run('sh', ['-c', `echo ${NSIM_ID} > /sys/bus/netdevsim/del_device`]));
  // Without udev the ports keep the kernel's names eth0 and eth1.
  writeFileSync(`${DEBUGFS}/0/ethtool/pause/report_stats_rx`, 'Y');
  writeFileSync(`${DEBUGFS}/0/ethtool/pause/report_stats_tx`, 'Y');
  netns.exec('ethtool', ['--set-fec', 'eth1', 'encoding', 'rs']);
  run('ip', ['-n', netns.name, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
  run('ip', ['-n', netns.name, 'link', 'set', 'veth0', 'up']);
}

function ethtoolIn(netns: Netns): (args: readonly string[]) => string | undefined {
  return (args) => {
    try {
      return execFileSync('ip', ['netns', 'exec', netns.name, 'ethtool', ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return undefined;
    }
  };
}

async function scrape(netns: Netns) {
  const ctx = testContext(testConfig(), { netns: `/run/netns/${netns.name}` });
  assert.deepStrictEqual(await ethtoolCollector.probe(ctx), { kind: 'available' });
  const text = encodeFamilies(await ethtoolCollector.collect(ctx), 'text');
  return { families: parseExposition(text, 'text'), logLines: ctx.logLines };
}

test('ethtool series match ethtool on netdevsim', async (t) => {
  const netns = createNetns(t, 'ethtool');
  buildScene(netns);
  const { families } = await scrape(netns);
  const devices = ['lo', 'eth0', 'eth1', 'veth0', 'veth1'];
  const expected = expectedEthtoolSeries(ethtoolIn(netns), devices);

  assert.deepStrictEqual(seriesOf(families, 'nft_ethtool_'), expected);
  // Guards against a vacuous comparison: the pause counters of eth0 must be in it.
  assert.ok(expected.includes('nft_ethtool_pause_tx_frames_total{interface="eth0"} 2'));
  assert.ok(expected.includes('nft_ethtool_pause_rx_frames_total{interface="eth0"} 1'));
});

test('ethtool counts a failing device', async (t) => {
  const netns = createNetns(t, 'ethtool-err');
  buildScene(netns);
  // netdevsim fails FEC_GET with this errno (EIO) while get_err is set.
  writeFileSync(`${DEBUGFS}/1/ethtool/get_err`, '5');
  const { families, logLines } = await scrape(netns);

  assert.deepStrictEqual(seriesOf(families, 'nft_ethtool_failed_devices'), [
    'nft_ethtool_failed_devices{request="fec"} 1',
  ]);
  assert.deepStrictEqual(seriesOf(families, 'nft_ethtool_pause_tx_frames_total'), [
    'nft_ethtool_pause_tx_frames_total{interface="eth0"} 2',
  ]);
  const warnings = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepStrictEqual(
    warnings.map((w) => [w['level'], w['msg'], w['device'], w['request']]),
    [['warn', 'ethtool request failed for a device', 'eth1', 'fec']],
  );
});
