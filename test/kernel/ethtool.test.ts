// The ethtool collector end to end on the host kernel: the real exporter runs in a fresh
// namespace with veth pairs, and every ethtool series is checked against what ethtool itself
// prints for the same namespace (see ethtool-tool.ts).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startExporter } from '../support/exporter.js';
import { parseExposition } from '../support/exposition-parser.js';
import { requireKernel, runJson, type TestNamespace, testNamespace } from '../support/netns.js';
import { expectedEthtoolSeries, seriesOf } from './ethtool-tool.js';

function buildScene(ns: TestNamespace): void {
  ns.ipBatch([
    'link add veth0 type veth peer name veth1',
    'link set veth0 up',
    'link set veth1 up',
    'link add vdown0 type veth peer name vdown1',
    'link set vdown0 up',
    'link add vexcl0 type veth peer name vexcl1',
    'link set vexcl0 up',
    'link set vexcl1 up',
  ]);
}

/** Runs ethtool in the namespace; returns undefined when it fails (EOPNOTSUPP on veth). */
function ethtool(ns: TestNamespace, args: readonly string[]): string | undefined {
  const result = spawnSync('ip', ['netns', 'exec', ns.name, 'ethtool', ...args], {
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout : undefined;
}

test('ethtool series match ethtool on veth', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'ethtool');
  buildScene(ns);
  const exporter = await startExporter(ns, [
    '--collector.disable-defaults',
    '--collector.ethtool',
    '--collector.interface-exclude=vexcl.*',
  ]);
  t.after(() => exporter.stop());

  const response = exporter.get('/metrics');
  assert.equal(response.status, 200);
  const families = parseExposition(response.body, 'text');
  const links = runJson<{ ifname: string }[]>('ip', ['-n', ns.name, '-j', 'link', 'show']);
  const devices = links.map((l) => l.ifname).filter((name) => !name.startsWith('vexcl'));
  assert.deepStrictEqual(devices.sort(), ['lo', 'vdown0', 'vdown1', 'veth0', 'veth1']);

  const run = (args: readonly string[]) => ethtool(ns, args);
  assert.deepStrictEqual(seriesOf(families, 'nft_ethtool_'), expectedEthtoolSeries(run, devices));
  assert.deepStrictEqual(seriesOf(families, 'nft_scrape_collector_success'), [
    'nft_scrape_collector_success{collector="ethtool"} 1',
  ]);
});
