// Generic netlink capture presets for scripts/capture.ts: ethtool, devlink, WireGuard, IPVS
// and NET_DM requests, each built as the exporter's clients build it, and the NET_DM
// multicast recording.

import {
  ETH_SS_STATS_STD,
  ETHTOOL_A_BITSET_NOMASK,
  ETHTOOL_A_BITSET_SIZE,
  ETHTOOL_A_BITSET_VALUE,
  ETHTOOL_A_HEADER_FLAGS,
  ETHTOOL_A_STATS_GROUPS,
  ETHTOOL_A_STRINGSET_ID,
  ETHTOOL_A_STRINGSETS_STRINGSET,
  ETHTOOL_A_STRSET_HEADER,
  ETHTOOL_A_STRSET_STRINGSETS,
  ETHTOOL_FLAG_COMPACT_BITSETS,
  ETHTOOL_FLAG_STATS,
} from '../src/families/ethtool/constants.js';
import { dumpServices, serviceSelector } from '../src/families/ipvs/client.js';
import { type AlertMode, startMonitoring, stopMonitoring } from '../src/families/netdm/client.js';
import { type GenlFamily, genlHeader, resolveFamily } from '../src/genl/family.js';
import { AttrBuilder } from '../src/netlink/attr.js';
import { NLM_F_DUMP, NLM_F_REQUEST } from '../src/netlink/constants.js';
import type { NetlinkSocket } from '../src/netlink/socket.js';

/** One generic netlink request to record. */
export interface GenlPreset {
  readonly family: string;
  readonly version: number;
  readonly cmd: number;
  /** Command name for the sidecar, for example `ETHTOOL_MSG_STATS_GET`. */
  readonly cmdName: string;
  readonly dump: boolean;
  /** Attributes of the request; `arg` is the capture's --arg value. */
  readonly attrs?: (arg: string | undefined) => Buffer;
  /** Builds the attributes from earlier requests on the socket (IPVS destinations). */
  readonly attrsFrom?: (
    socket: NetlinkSocket,
    family: GenlFamily,
    arg: string | undefined,
  ) => Promise<Buffer>;
  /** Records the events multicast group in this alert mode instead of sending a request. */
  readonly multicast?: AlertMode;
  /** What the attributes hold, for the sidecar. */
  readonly attrsText?: string;
}

function ethtoolHeader(
  attr: number,
  flags: number,
  extra?: (b: AttrBuilder) => void,
): () => Buffer {
  return () => {
    const b = new AttrBuilder().nested(attr, (h) => h.u32(ETHTOOL_A_HEADER_FLAGS, flags));
    extra?.(b);
    return b.toBuffer();
  };
}

const COMPACT = ETHTOOL_FLAG_COMPACT_BITSETS;
const COMPACT_STATS = ETHTOOL_FLAG_COMPACT_BITSETS | ETHTOOL_FLAG_STATS;

/** Presets by name. */
export const GENL_PRESETS: Readonly<Record<string, GenlPreset>> = {
  ethtool_strset: {
    family: 'ethtool',
    version: 1,
    cmd: 1,
    cmdName: 'ETHTOOL_MSG_STRSET_GET',
    dump: false,
    attrs: (arg) => {
      const ids = (arg ?? String(ETH_SS_STATS_STD)).split(',').map(Number);
      return new AttrBuilder()
        .nested(ETHTOOL_A_STRSET_HEADER, (h) => h.u32(ETHTOOL_A_HEADER_FLAGS, 0))
        .nested(ETHTOOL_A_STRSET_STRINGSETS, (sets) => {
          for (const id of ids) {
            sets.nested(ETHTOOL_A_STRINGSETS_STRINGSET, (s) => s.u32(ETHTOOL_A_STRINGSET_ID, id));
          }
        })
        .toBuffer();
    },
    attrsText: 'header flags 0, string sets from --arg (default ETH_SS_STATS_STD)',
  },
  ethtool_stats: {
    family: 'ethtool',
    version: 1,
    cmd: 32,
    cmdName: 'ETHTOOL_MSG_STATS_GET',
    dump: true,
    attrs: (arg) =>
      ethtoolHeader(2, COMPACT, (b) =>
        b.nested(ETHTOOL_A_STATS_GROUPS, (set) => {
          const count = Number(arg ?? 4);
          set.flag(ETHTOOL_A_BITSET_NOMASK);
          set.u32(ETHTOOL_A_BITSET_SIZE, count);
          set.bytes(ETHTOOL_A_BITSET_VALUE, Buffer.from(new Uint32Array([2 ** count - 1]).buffer));
        }),
      )(),
    attrsText: 'header flags COMPACT_BITSETS, groups 0 .. --arg - 1 as a compact bit set',
  },
  ethtool_linkinfo: {
    family: 'ethtool',
    version: 1,
    cmd: 2,
    cmdName: 'ETHTOOL_MSG_LINKINFO_GET',
    dump: true,
    attrs: ethtoolHeader(1, COMPACT),
    attrsText: 'header flags COMPACT_BITSETS',
  },
  ethtool_linkmodes: {
    family: 'ethtool',
    version: 1,
    cmd: 4,
    cmdName: 'ETHTOOL_MSG_LINKMODES_GET',
    dump: true,
    attrs: ethtoolHeader(1, COMPACT),
    attrsText: 'header flags COMPACT_BITSETS',
  },
  ethtool_linkstate: {
    family: 'ethtool',
    version: 1,
    cmd: 6,
    cmdName: 'ETHTOOL_MSG_LINKSTATE_GET',
    dump: true,
    attrs: ethtoolHeader(1, COMPACT_STATS),
    attrsText: 'header flags COMPACT_BITSETS|STATS',
  },
  ethtool_pause: {
    family: 'ethtool',
    version: 1,
    cmd: 21,
    cmdName: 'ETHTOOL_MSG_PAUSE_GET',
    dump: true,
    attrs: ethtoolHeader(1, COMPACT_STATS),
    attrsText: 'header flags COMPACT_BITSETS|STATS',
  },
  ethtool_fec: {
    family: 'ethtool',
    version: 1,
    cmd: 29,
    cmdName: 'ETHTOOL_MSG_FEC_GET',
    dump: true,
    attrs: ethtoolHeader(1, COMPACT_STATS),
    attrsText: 'header flags COMPACT_BITSETS|STATS',
  },
  wireguard_device: {
    family: 'wireguard',
    version: 1,
    cmd: 0,
    cmdName: 'WG_CMD_GET_DEVICE',
    dump: true,
    attrs: (arg) => new AttrBuilder().str(2, arg ?? 'wg0').toBuffer(),
    attrsText: 'WGDEVICE_A_IFNAME from --arg',
  },
  ipvs_services: {
    family: 'IPVS',
    version: 1,
    cmd: 4,
    cmdName: 'IPVS_CMD_GET_SERVICE',
    dump: true,
  },
  ipvs_dests: {
    family: 'IPVS',
    version: 1,
    cmd: 8,
    cmdName: 'IPVS_CMD_GET_DEST',
    dump: true,
    attrsFrom: async (socket, family, arg) => {
      const services = await dumpServices(socket, family);
      const service = services.items[Number(arg ?? 0)];
      if (service === undefined) throw new Error(`no IPVS service number ${arg}`);
      return serviceSelector(service);
    },
    attrsText: 'IPVS_CMD_ATTR_SERVICE naming service number --arg of a GET_SERVICE dump',
  },
  devlink_dev: { family: 'devlink', version: 1, cmd: 1, cmdName: 'DEVLINK_CMD_GET', dump: true },
  devlink_port: {
    family: 'devlink',
    version: 1,
    cmd: 5,
    cmdName: 'DEVLINK_CMD_PORT_GET',
    dump: true,
  },
  devlink_info: {
    family: 'devlink',
    version: 1,
    cmd: 51,
    cmdName: 'DEVLINK_CMD_INFO_GET',
    dump: true,
  },
  devlink_health: {
    family: 'devlink',
    version: 1,
    cmd: 52,
    cmdName: 'DEVLINK_CMD_HEALTH_REPORTER_GET',
    dump: true,
  },
  netdm_stats: {
    family: 'NET_DM',
    version: 2,
    cmd: 8,
    cmdName: 'NET_DM_CMD_STATS_GET',
    dump: false,
  },
  netdm_alerts_summary: {
    family: 'NET_DM',
    version: 2,
    cmd: 3,
    cmdName: 'NET_DM_CMD_START',
    dump: false,
    multicast: 'summary',
  },
  netdm_alerts_packet: {
    family: 'NET_DM',
    version: 2,
    cmd: 3,
    cmdName: 'NET_DM_CMD_START',
    dump: false,
    multicast: 'packet',
  },
};

/**
 * Starts the drop monitor in `mode`, records the events group for `seconds` and stops the
 * monitor again. Throws when another tool runs the monitor.
 */
async function recordAlerts(
  socket: NetlinkSocket,
  family: GenlFamily,
  mode: AlertMode,
  seconds: number,
): Promise<Buffer[]> {
  const group = family.groups.get('events');
  if (group === undefined) throw new Error('the NET_DM family has no events group');
  const datagrams: Buffer[] = [];
  socket.joinGroup(group, (datagram) => datagrams.push(Buffer.from(datagram)));
  const outcome = await startMonitoring(socket, family, mode);
  if (!outcome.started) throw new Error(`the drop monitor is already running: ${outcome.message}`);
  try {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  } finally {
    await stopMonitoring(socket, family);
  }
  return datagrams;
}

/** Reply of a recorded generic netlink request. */
export interface GenlCapture {
  readonly datagrams: readonly Buffer[];
  readonly messages: number;
  readonly request: string;
}

/** Sends `preset` on `socket` and returns the reply datagrams. */
export async function captureGenl(
  socket: NetlinkSocket,
  preset: GenlPreset,
  arg: string | undefined,
): Promise<GenlCapture> {
  const resolved = await resolveFamily(socket, preset.family, 'capture');
  if (resolved.kind === 'unavailable') throw new Error(resolved.reason);
  if (preset.multicast !== undefined) {
    const datagrams = await recordAlerts(
      socket,
      resolved.family,
      preset.multicast,
      Number(arg ?? 5),
    );
    return {
      datagrams,
      messages: datagrams.length,
      request: `genl NET_DM events group in ${preset.multicast} mode for --arg ${arg ?? 5} seconds after NET_DM_CMD_CONFIG and NET_DM_CMD_START`,
    };
  }
  const header = genlHeader(preset.cmd, preset.version);
  const attrs =
    preset.attrsFrom === undefined
      ? preset.attrs?.(arg)
      : await preset.attrsFrom(socket, resolved.family, arg);
  const op = `${preset.dump ? 'dump' : 'get'} ${preset.cmdName}`;
  const reply = preset.dump
    ? await socket.dump(resolved.family.id, header, attrs, { op })
    : await socket.request(resolved.family.id, 0, header, attrs, { op });
  const flags = NLM_F_REQUEST | (preset.dump ? NLM_F_DUMP : 0);
  const attrsText = preset.attrsText === undefined ? '' : `, ${preset.attrsText}`;
  return {
    datagrams: reply.datagrams,
    messages: reply.messages,
    request: `genl ${preset.family} ${preset.cmdName} flags=0x${flags.toString(16)}${attrsText}${arg === undefined ? '' : ` (--arg ${arg})`}`,
  };
}
