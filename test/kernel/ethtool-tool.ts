// What ethtool itself reports for a set of devices, as the series the ethtool collector must
// export, and the collector's series in the same text form. Shared by the host kernel test
// and the lab guest test. ethtool 6.1 prints the link settings only as text, so speed,
// duplex, port, autonegotiation and link detection come from `ethtool DEV`; statistics come
// from its JSON.

import type { ParsedFamily } from '../support/exposition-parser.js';

/** Runs `ethtool ARGS` for the test's namespace; undefined when ethtool fails (EOPNOTSUPP). */
export type EthtoolRunner = (args: readonly string[]) => string | undefined;

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

/** FEC statistics in ethtool's JSON and the family each belongs to. */
const FEC_FAMILIES: Readonly<Record<string, string>> = {
  corrected_blocks: 'nft_ethtool_fec_corrected_blocks_total',
  uncorrectable_blocks: 'nft_ethtool_fec_uncorrectable_blocks_total',
  corrected_bits: 'nft_ethtool_fec_corrected_bits_total',
};

/** Returns the series of families whose name starts with `prefix`, one sorted text line each. */
export function seriesOf(families: Map<string, ParsedFamily>, prefix: string): string[] {
  const out: string[] = [];
  for (const [name, fam] of families) {
    if (!name.startsWith(prefix)) continue;
    for (const sample of fam.samples) {
      const labels = Object.entries(sample.labels).map(([k, v]) => `${k}="${v}"`);
      const braces = labels.length === 0 ? '' : `{${labels.join(',')}}`;
      out.push(`${sample.name}${braces} ${sample.value}`);
    }
  }
  return out.sort();
}

/** Reads one `Name: value` line of ethtool's settings text. */
function setting(text: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(text)?.[1]?.trim();
}

function statisticsOf(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  const [entry] = JSON.parse(json) as { statistics?: Record<string, unknown> }[];
  return entry?.statistics ?? {};
}

function standardStats(run: EthtoolRunner, dev: string): string[] {
  const out: string[] = [];
  const groups = JSON.parse(run(['--json', '-S', dev, '--all-groups']) ?? '[{}]') as Record<
    string,
    unknown
  >[];
  for (const [group, values] of Object.entries(groups[0] ?? {})) {
    if (group === 'ifname' || typeof values !== 'object' || values === null) continue;
    for (const [stat, value] of Object.entries(values)) {
      if (typeof value !== 'number') continue;
      const label = SHORT_NAMES[stat] ?? stat;
      const groupLabel = group.replaceAll('-', '_');
      out.push(
        `nft_ethtool_stat_total{interface="${dev}",group="${groupLabel}",stat="${label}"} ${value}`,
      );
    }
  }
  return out;
}

function settings(run: EthtoolRunner, dev: string): string[] {
  const out: string[] = [];
  const text = run([dev]) ?? '';
  const speed = /^(\d+)Mb\/s$/.exec(setting(text, 'Speed') ?? '');
  if (speed !== null) {
    out.push(`nft_ethtool_link_speed_bytes{interface="${dev}"} ${Number(speed[1]) * 125000}`);
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
  return out;
}

function pauseAndFec(run: EthtoolRunner, dev: string): string[] {
  const out: string[] = [];
  const pause = statisticsOf(run(['--json', '-I', '--show-pause', dev]));
  for (const [key, direction] of [
    ['tx_pause_frames', 'tx'],
    ['rx_pause_frames', 'rx'],
  ] as const) {
    const value = pause[key];
    if (typeof value === 'number') {
      out.push(`nft_ethtool_pause_${direction}_frames_total{interface="${dev}"} ${value}`);
    }
  }
  const fec = statisticsOf(run(['--json', '-I', '--show-fec', dev]));
  for (const [key, name] of Object.entries(FEC_FAMILIES)) {
    const value = fec[key];
    const total =
      typeof value === 'object' && value !== null ? (value as { total?: unknown }).total : value;
    if (typeof total === 'number') out.push(`${name}{interface="${dev}"} ${total}`);
  }
  return out;
}

/** Returns the ethtool series ethtool's own output implies for `devices`, sorted. */
export function expectedEthtoolSeries(run: EthtoolRunner, devices: readonly string[]): string[] {
  const out: string[] = [];
  for (const dev of devices) {
    out.push(...standardStats(run, dev), ...settings(run, dev), ...pauseAndFec(run, dev));
  }
  return out.sort();
}
