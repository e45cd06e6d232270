// The ethtool collector end to end on the host kernel: the real exporter runs in a fresh
// namespace with veth pairs, and every ethtool series is checked against what ethtool itself
// prints for the same namespace (JSON where ethtool 6.1 has it, the settings text elsewhere).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startExporter } from '../support/exporter.js';
import { type ParsedFamily, parseExposition } from '../support/exposition-parser.js';
import { requireKernel, runJson, type TestNamespace, testNamespace } from '../support/netns.js';

/** Short statistic names of the four IEEE and RMON groups, by the kernel's string set name. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  SymbolErrorDuringCarrier: 'symbol_err',
  FramesTransmittedOK: 'tx_pkt',
  SingleCollisionFrames: 'single_collision',
  MultipleCollisionFrames: 'multiple_collision',
  FramesReceivedOK: 'rx_pkt',
  FrameCheckSequenceErrors: 'fcs_err',
  AlignmentErrors: 'alignment_err',
  OctetsTransmittedOK: 'tx_bytes',
  FramesWithDeferredXmissions: 'tx_deferred',
  LateCollisions: 'late_collision',
  FramesAbortedDueToXSColls: 'excessive_collision',
  FramesLostDueToIntMACXmitError: 'tx_internal_err',
  CarrierSenseErrors: 'carrier_sense_err',
  OctetsReceivedOK: 'rx_bytes',
  FramesLostDueToIntMACRcvError: 'rx_internal_err',
  MulticastFramesXmittedOK: 'tx_multicast',
  BroadcastFramesXmittedOK: 'tx_broadcast',
  FramesWithExcessiveDeferral: 'excessive_deferral',
  MulticastFramesReceivedOK: 'rx_multicast',
  BroadcastFramesReceivedOK: 'rx_broadcast',
  InRangeLengthErrors: 'in_range_len_err',
  OutOfRangeLengthField: 'out_of_range_len',
  FrameTooLongErrors: 'frame_too_long',
  MACControlFramesTransmitted: 'tx_control_frames',
  MACControlFramesReceived: 'rx_control_frames',
  UnsupportedOpcodesReceived: 'rx_unsupported_opcodes',
  etherStatsUndersizePkts: 'undersize_pkts',
  etherStatsOversizePkts: 'oversize_pkts',
  etherStatsFragments: 'fragments',
  etherStatsJabbers: 'jabbers',
};

/** ethtool's names of connector types (PORT_*), as the settings text prints them. */
const PORT_LABELS: Readonly<Record<string, string>> = {
  'Twisted Pair': 'tp',
  AUI: 'aui',
  BNC: 'bnc',
  MII: 'mii',
  FIBRE: 'fibre',
  'Direct Attach Copper': 'da',
  None: 'none',
  Other: 'other',
};

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

function series(families: Map<string, ParsedFamily>, prefix: string): string[] {
  const out: string[] = [];
  for (const [name, fam] of families) {
    if (!name.startsWith(prefix)) continue;
    for (const sample of fam.samples) {
      const labels = Object.entries(sample.labels).map(([k, v]) => `${k}="${v}"`);
      out.push(`${sample.name}{${labels.join(',')}} ${sample.value}`);
    }
  }
  return out.sort();
}

/** Reads one `Name: value` line of ethtool's settings text. */
function setting(text: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(text)?.[1]?.trim();
}

function expectedSeries(ns: TestNamespace, devices: readonly string[]): string[] {
  const out: string[] = [];
  for (const dev of devices) {
    const stats = JSON.parse(
      ethtool(ns, ['--json', '-S', dev, '--all-groups']) ?? '[{}]',
    ) as Record<string, unknown>[];
    for (const [group, values] of Object.entries(stats[0] ?? {})) {
      if (group === 'ifname' || typeof values !== 'object' || values === null) continue;
      for (const [stat, value] of Object.entries(values)) {
        if (typeof value !== 'number') continue;
        const label = SHORT_NAMES[stat] ?? stat;
        out.push(
          `nft_ethtool_stat_total{interface="${dev}",group="${group.replaceAll('-', '_')}",stat="${label}"} ${value}`,
        );
      }
    }
    const text = ethtool(ns, [dev]) ?? '';
    const speed = setting(text, 'Speed');
    const speedMatch = speed === undefined ? null : /^(\d+)Mb\/s$/.exec(speed);
    if (speedMatch !== null) {
      out.push(
        `nft_ethtool_link_speed_bytes{interface="${dev}"} ${Number(speedMatch[1]) * 125000}`,
      );
    }
    const duplex = setting(text, 'Duplex');
    if (duplex !== undefined) {
      const port = PORT_LABELS[setting(text, 'Port') ?? ''] ?? '';
      const autoneg = setting(text, 'Auto-negotiation') ?? '';
      const duplexLabel = duplex.startsWith('Unknown') ? 'unknown' : duplex.toLowerCase();
      out.push(
        `nft_ethtool_link_info{interface="${dev}",port="${port}",duplex="${duplexLabel}",autoneg="${autoneg}"} 1`,
      );
    }
    const link = setting(text, 'Link detected');
    if (link !== undefined) {
      out.push(`nft_ethtool_link_detected{interface="${dev}"} ${link === 'yes' ? 1 : 0}`);
    }
    const pause = ethtool(ns, ['--json', '-I', '--show-pause', dev]);
    assert.equal(
      pause,
      undefined,
      `ethtool --show-pause ${dev} now succeeds; compare its statistics`,
    );
    const fec = ethtool(ns, ['--json', '-I', '--show-fec', dev]);
    assert.equal(fec, undefined, `ethtool --show-fec ${dev} now succeeds; compare its statistics`);
  }
  return out.sort();
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

  assert.deepStrictEqual(series(families, 'nft_ethtool_'), expectedSeries(ns, devices));
  assert.deepStrictEqual(series(families, 'nft_scrape_collector_success'), [
    'nft_scrape_collector_success{collector="ethtool"} 1',
  ]);
});
