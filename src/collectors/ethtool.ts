// ethtool collector: standard NIC statistics, pause and FEC counters, link settings and link
// state from the ethtool generic netlink family. Each kind of data is one dump over all
// devices per scrape.

import {
  type DeviceFailure,
  type DeviceReplies,
  dumpFec,
  dumpLinkInfo,
  dumpLinkModes,
  dumpLinkState,
  dumpPause,
  dumpStats,
  readGroupNames,
  readStringSets,
} from '../families/ethtool/client.js';
import {
  DUPLEX_NAMES,
  ETHTOOL_GENL_NAME,
  LINK_EXT_STATE_NAMES,
  PORT_NAMES,
  SPEED_UNKNOWN,
  STANDARD_STAT_NAMES,
} from '../families/ethtool/constants.js';
import type {
  DeviceHeader,
  FecSnapshot,
  LinkInfoSnapshot,
  LinkModesSnapshot,
  LinkStateSnapshot,
  PauseSnapshot,
  StatsSnapshot,
} from '../families/ethtool/parse.js';
import { dumpLinks } from '../families/rtnetlink/client.js';
import { type GenlFamily, resolveFamily } from '../genl/family.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../netlink/constants.js';
import type { NetlinkSocket } from '../netlink/socket.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const D = {
  stat: {
    name: 'nft_ethtool_stat_total',
    type: 'counter',
    help: 'Standard NIC statistic by group (eth_phy, eth_mac, eth_ctrl, rmon ...) and name; frames, octets or errors as the name says.',
    labels: ['interface', 'group', 'stat'],
    source: 'ETHTOOL_MSG_STATS_GET ETHTOOL_A_STATS_GRP.ETHTOOL_A_STATS_GRP_STAT',
  },
  pauseTx: {
    name: 'nft_ethtool_pause_tx_frames_total',
    type: 'counter',
    help: 'Pause frames transmitted by the NIC, in frames.',
    labels: ['interface'],
    source: 'ETHTOOL_MSG_PAUSE_GET ETHTOOL_A_PAUSE_STATS.ETHTOOL_A_PAUSE_STAT_TX_FRAMES',
  },
  pauseRx: {
    name: 'nft_ethtool_pause_rx_frames_total',
    type: 'counter',
    help: 'Pause frames received by the NIC, in frames.',
    labels: ['interface'],
    source: 'ETHTOOL_MSG_PAUSE_GET ETHTOOL_A_PAUSE_STATS.ETHTOOL_A_PAUSE_STAT_RX_FRAMES',
  },
  fecCorrected: {
    name: 'nft_ethtool_fec_corrected_blocks_total',
    type: 'counter',
    help: 'FEC blocks with errors that were corrected, summed over lanes, in blocks.',
    labels: ['interface'],
    source: 'ETHTOOL_MSG_FEC_GET ETHTOOL_A_FEC_STATS.ETHTOOL_A_FEC_STAT_CORRECTED',
  },
  fecUncorrectable: {
    name: 'nft_ethtool_fec_uncorrectable_blocks_total',
    type: 'counter',
    help: 'FEC blocks with errors that could not be corrected, summed over lanes, in blocks.',
    labels: ['interface'],
    source: 'ETHTOOL_MSG_FEC_GET ETHTOOL_A_FEC_STATS.ETHTOOL_A_FEC_STAT_UNCORR',
  },
  fecCorrectedBits: {
    name: 'nft_ethtool_fec_corrected_bits_total',
    type: 'counter',
    help: 'Bit errors corrected by FEC, summed over lanes, in bits.',
    labels: ['interface'],
    source: 'ETHTOOL_MSG_FEC_GET ETHTOOL_A_FEC_STATS.ETHTOOL_A_FEC_STAT_CORR_BITS',
  },
  speed: {
    name: 'nft_ethtool_link_speed_bytes',
    type: 'gauge',
    help: 'Link speed in bytes per second (1 Mb/s is 125000 bytes per second); absent while the speed is unknown.',
    labels: ['interface'],
    source: 'ETHTOOL_MSG_LINKMODES_GET ETHTOOL_A_LINKMODES_SPEED',
  },
  linkInfo: {
    name: 'nft_ethtool_link_info',
    type: 'gauge',
    help: 'Link settings as labels, value 1: connector port (tp, fibre, da ...), duplex (half, full, unknown) and autonegotiation (on, off).',
    labels: ['interface', 'port', 'duplex', 'autoneg'],
    source:
      'ETHTOOL_MSG_LINKINFO_GET ETHTOOL_A_LINKINFO_PORT, ETHTOOL_MSG_LINKMODES_GET ETHTOOL_A_LINKMODES_DUPLEX and _AUTONEG',
  },
  linkDetected: {
    name: 'nft_ethtool_link_detected',
    type: 'gauge',
    help: '1 if the NIC detects a link, 0 if not; absent when the driver cannot tell.',
    labels: ['interface'],
    source: 'ETHTOOL_MSG_LINKSTATE_GET ETHTOOL_A_LINKSTATE_LINK',
  },
  extState: {
    name: 'nft_ethtool_link_extended_state_info',
    type: 'gauge',
    help: 'Why the link is down as reported by the driver, value 1: state (no_cable, autoneg ...) and the driver-specific substate number.',
    labels: ['interface', 'state', 'substate'],
    source: 'ETHTOOL_MSG_LINKSTATE_GET ETHTOOL_A_LINKSTATE_EXT_STATE and _EXT_SUBSTATE',
  },
  downEvents: {
    name: 'nft_ethtool_link_down_events_total',
    type: 'counter',
    help: 'Times the link went down since the driver started counting, in events.',
    labels: ['interface'],
    source: 'ETHTOOL_MSG_LINKSTATE_GET ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT',
  },
  failedDevices: {
    name: 'nft_ethtool_failed_devices',
    type: 'gauge',
    help: 'Devices whose ethtool request (stats, linkinfo, linkmodes, linkstate, pause, fec) failed in the last scrape with an error other than "not supported".',
    labels: ['request'],
    source: 'errno of ETHTOOL_MSG_*_GET',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Everything one scrape reads from the ethtool family. */
export interface EthtoolSnapshot {
  readonly stats: readonly StatsSnapshot[];
  readonly linkInfo: readonly LinkInfoSnapshot[];
  readonly linkModes: readonly LinkModesSnapshot[];
  readonly linkState: readonly LinkStateSnapshot[];
  readonly pause: readonly PauseSnapshot[];
  readonly fec: readonly FecSnapshot[];
  /** Kernel names of the standard groups (ETH_SS_STATS_STD), by group id: `eth-mac` ... */
  readonly groupNames: readonly string[];
  /** Kernel names of statistics by string set id, for groups without a short-name table. */
  readonly statNames: ReadonlyMap<number, readonly string[]>;
  readonly failures: readonly DeviceFailure[];
}

/** Returns the `group` label of a standard statistics group: the kernel name in snake case. */
export function groupLabel(id: number, groupNames: readonly string[]): string {
  const name = groupNames[id];
  return name === undefined || name === '' ? `group${id}` : name.replaceAll('-', '_');
}

function statLabel(
  snap: EthtoolSnapshot,
  groupId: number,
  stringSet: number | undefined,
  index: number,
): string {
  const short = STANDARD_STAT_NAMES[groupId]?.[index];
  if (short !== undefined) return short;
  const name = stringSet === undefined ? undefined : snap.statNames.get(stringSet)?.[index];
  return name === undefined || name === '' ? `stat${index}` : name;
}

function deviceFamily<T extends { readonly device: DeviceHeader }>(
  desc: MetricDescriptor,
  items: readonly T[],
  allowed: (name: string) => boolean,
  value: (item: T) => bigint | number | undefined,
): MetricFamily {
  const fam = family(desc);
  for (const item of items) {
    const v = value(item);
    if (v !== undefined && item.device.name !== '' && allowed(item.device.name)) {
      addSample(fam, v, item.device.name);
    }
  }
  return fam;
}

function autonegLabel(autoneg: number | undefined): string {
  if (autoneg === undefined) return '';
  return autoneg === 0 ? 'off' : 'on';
}

function linkInfoFamily(snap: EthtoolSnapshot, allowed: (name: string) => boolean): MetricFamily {
  const fam = family(D.linkInfo);
  const ports = new Map(snap.linkInfo.map((info) => [info.device.name, info.port]));
  const seen = new Set<string>();
  for (const modes of snap.linkModes) {
    const name = modes.device.name;
    if (name === '' || !allowed(name)) continue;
    seen.add(name);
    const port = ports.get(name);
    addSample(
      fam,
      1,
      name,
      port === undefined ? '' : (PORT_NAMES[port] ?? String(port)),
      modes.duplex === undefined ? '' : (DUPLEX_NAMES[modes.duplex] ?? String(modes.duplex)),
      autonegLabel(modes.autoneg),
    );
  }
  for (const [name, port] of ports) {
    if (seen.has(name) || name === '' || !allowed(name) || port === undefined) continue;
    addSample(fam, 1, name, PORT_NAMES[port] ?? String(port), '', '');
  }
  return fam;
}

/** Builds the families of one scrape from a snapshot; `allowed` is the interface filter. */
export function ethtoolFamilies(
  snap: EthtoolSnapshot,
  allowed: (name: string) => boolean,
): MetricFamily[] {
  const stats = family(D.stat);
  for (const device of snap.stats) {
    const name = device.device.name;
    if (name === '' || !allowed(name)) continue;
    for (const group of device.groups) {
      const groupName = groupLabel(group.id, snap.groupNames);
      for (const stat of group.stats) {
        addSample(
          stats,
          stat.value,
          name,
          groupName,
          statLabel(snap, group.id, group.stringSet, stat.index),
        );
      }
    }
  }

  const speeds = family(D.speed);
  for (const modes of snap.linkModes) {
    const name = modes.device.name;
    if (modes.speed === undefined || modes.speed === SPEED_UNKNOWN || name === '' || !allowed(name))
      continue;
    addSample(speeds, modes.speed * 125_000, name);
  }

  const extState = family(D.extState);
  for (const state of snap.linkState) {
    const name = state.device.name;
    if (state.extState === undefined || name === '' || !allowed(name)) continue;
    addSample(
      extState,
      1,
      name,
      LINK_EXT_STATE_NAMES[state.extState] ?? String(state.extState),
      String(state.extSubstate ?? 0),
    );
  }

  const failed = family(D.failedDevices);
  const failures = new Map<string, number>();
  for (const failure of snap.failures) {
    failures.set(failure.request, (failures.get(failure.request) ?? 0) + 1);
  }
  for (const [request, count] of failures) addSample(failed, count, request);

  return [
    stats,
    deviceFamily(D.pauseTx, snap.pause, allowed, (p) => p.txFrames),
    deviceFamily(D.pauseRx, snap.pause, allowed, (p) => p.rxFrames),
    deviceFamily(D.fecCorrected, snap.fec, allowed, (f) => f.corrected),
    deviceFamily(D.fecUncorrectable, snap.fec, allowed, (f) => f.uncorrectable),
    deviceFamily(D.fecCorrectedBits, snap.fec, allowed, (f) => f.correctedBits),
    speeds,
    linkInfoFamily(snap, allowed),
    deviceFamily(D.linkDetected, snap.linkState, allowed, (s) => s.link),
    extState,
    deviceFamily(D.downEvents, snap.linkState, allowed, (s) => s.downEvents),
    failed,
  ];
}

/** Group names and statistic names per namespace; string sets do not change while a kernel runs. */
const groupNameCache = new Map<string, readonly string[]>();
const statNameCache = new Map<string, Map<number, readonly string[]>>();
/** Failures already logged at warn level, so a steady failure does not warn every scrape. */
const loggedFailures = new Set<string>();

async function groupNames(
  socket: NetlinkSocket,
  genl: GenlFamily,
  ctx: CollectContext,
): Promise<readonly string[]> {
  const key = ctx.netns ?? '';
  let names = groupNameCache.get(key);
  if (names === undefined) {
    names = await readGroupNames(socket, genl, dumpOptions(ctx));
    groupNameCache.set(key, names);
  }
  return names;
}

/** Reads the string sets that name statistics of groups without a short-name table. */
async function statNames(
  socket: NetlinkSocket,
  genl: GenlFamily,
  ctx: CollectContext,
  stats: readonly StatsSnapshot[],
): Promise<ReadonlyMap<number, readonly string[]>> {
  const key = ctx.netns ?? '';
  let cache = statNameCache.get(key);
  if (cache === undefined) {
    cache = new Map();
    statNameCache.set(key, cache);
  }
  const missing = new Set<number>();
  for (const device of stats) {
    for (const group of device.groups) {
      const unnamed = group.stats.some(
        (s) => STANDARD_STAT_NAMES[group.id]?.[s.index] === undefined,
      );
      if (unnamed && group.stringSet !== undefined && !cache.has(group.stringSet)) {
        missing.add(group.stringSet);
      }
    }
  }
  if (missing.size > 0) {
    for (const set of await readStringSets(socket, genl, [...missing], dumpOptions(ctx))) {
      cache.set(set.id, set.strings);
    }
  }
  return cache;
}

/** Lists the devices that pass the interface filter, for the per-device fallback. */
function deviceLister(ctx: CollectContext): () => Promise<readonly DeviceHeader[]> {
  let devices: Promise<readonly DeviceHeader[]> | undefined;
  return () => {
    devices ??= withSocket(ctx, NETLINK_ROUTE, async (socket) => {
      const links = await dumpLinks(socket, dumpOptions(ctx));
      return links.items
        .filter((link) => link.name !== '' && ctx.interfaceAllowed(link.name))
        .map((link) => ({ index: link.index, name: link.name }));
    });
    return devices;
  };
}

function logFailures(ctx: CollectContext, failures: readonly DeviceFailure[]): void {
  for (const failure of failures) {
    const key = `${ctx.netns ?? ''}/${failure.device.name}/${failure.request}/${failure.error.errnoName}`;
    const fields = { device: failure.device.name, request: failure.request, err: failure.error };
    if (loggedFailures.has(key)) {
      ctx.log.debug('ethtool request failed again for a device', fields);
    } else {
      loggedFailures.add(key);
      ctx.log.warn('ethtool request failed for a device', fields);
    }
  }
}

const EMPTY: EthtoolSnapshot = {
  stats: [],
  linkInfo: [],
  linkModes: [],
  linkState: [],
  pause: [],
  fec: [],
  groupNames: [],
  statNames: new Map(),
  failures: [],
};

async function readSnapshot(ctx: CollectContext): Promise<EthtoolSnapshot> {
  return withSocket(ctx, NETLINK_GENERIC, async (socket) => {
    const opts = dumpOptions(ctx);
    const resolved = await resolveFamily(socket, ETHTOOL_GENL_NAME, ctx.netns ?? '', opts);
    if (resolved.kind === 'unavailable') return EMPTY;
    const genl = resolved.family;
    const list = deviceLister(ctx);
    const names = await groupNames(socket, genl, ctx);
    const replies: DeviceReplies<unknown>[] = [];
    const track = <T>(r: DeviceReplies<T>): readonly T[] => {
      replies.push(r);
      return r.items;
    };
    // NB: without group names there is no group to ask for, and the kernel rejects a
    // request for zero groups with EINVAL.
    const stats =
      names.length === 0 ? [] : track(await dumpStats(socket, genl, names.length, opts, list));
    const linkInfo = track(await dumpLinkInfo(socket, genl, opts, list));
    const linkModes = track(await dumpLinkModes(socket, genl, opts, list));
    const linkState = track(await dumpLinkState(socket, genl, opts, list));
    const pause = track(await dumpPause(socket, genl, opts, list));
    const fec = track(await dumpFec(socket, genl, opts, list));
    ctx.stats.addDumpRestarts(replies.reduce((sum, r) => sum + r.restarts, 0));
    const failures = replies.flatMap((r) => r.failures);
    logFailures(ctx, failures);
    return {
      stats,
      linkInfo,
      linkModes,
      linkState,
      pause,
      fec,
      groupNames: names,
      statNames: await statNames(socket, genl, ctx, stats),
      failures,
    };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    const resolved = await withSocket(ctx, NETLINK_GENERIC, (socket) =>
      resolveFamily(socket, ETHTOOL_GENL_NAME, ctx.netns ?? '', dumpOptions(ctx)),
    );
    if (resolved.kind === 'unavailable') return { kind: 'unavailable', reason: resolved.reason };
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'ethtool generic netlink family lookup');
  }
}

/** The ethtool collector. */
export const ethtoolCollector = registerCollector({
  name: 'ethtool',
  descriptors: Object.values(D),
  interfaceScoped: true,
  probe,
  collect: async (ctx) => ethtoolFamilies(await readSnapshot(ctx), ctx.interfaceAllowed),
});
