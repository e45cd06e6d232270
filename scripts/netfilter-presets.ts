// Capture presets for scripts/capture.ts over NETLINK_NETFILTER: the ctnetlink statistics and
// expectation requests and the nf_tables dumps, each built as the exporter's clients build it.

import {
  IPCTNL_MSG_CT_GET_STATS,
  IPCTNL_MSG_CT_GET_STATS_CPU,
  IPCTNL_MSG_EXP_GET,
  IPCTNL_MSG_EXP_GET_STATS_CPU,
} from '../src/families/conntrack/constants.js';
import {
  NFNL_SUBSYS_CTNETLINK,
  NFNL_SUBSYS_CTNETLINK_EXP,
  NFNL_SUBSYS_NFTABLES,
  nfgenHeader,
  nfnlMessageType,
} from '../src/families/netfilter/nfnetlink.js';
import {
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETFLOWTABLE,
  NFT_MSG_GETGEN,
  NFT_MSG_GETOBJ,
  NFT_MSG_GETRULE,
  NFT_MSG_GETSET,
  NFT_MSG_GETSETELEM,
  NFT_MSG_GETTABLE,
  NFTA_SET_ELEM_LIST_SET,
  NFTA_SET_ELEM_LIST_TABLE,
} from '../src/families/nftables/constants.js';
import { AttrBuilder } from '../src/netlink/attr.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from '../src/netlink/constants.js';
import type { NetlinkSocket, Reply } from '../src/netlink/socket.js';

/** One netfilter request to record. */
export interface NetfilterPreset {
  readonly type: number;
  /** Message type name for the sidecar, for example `NFT_MSG_GETRULE`. */
  readonly typeName: string;
  readonly dump: boolean;
  /** The nfgenmsg and attributes of the request; `arg` is the capture's --arg value. */
  readonly body: (arg: string | undefined) => { header: Uint8Array; attrs?: Buffer };
  /** What the body holds, for the sidecar. */
  readonly bodyText: string;
}

function dump(subsystem: number, message: number, typeName: string): NetfilterPreset {
  return {
    type: nfnlMessageType(subsystem, message),
    typeName,
    dump: true,
    body: () => ({ header: nfgenHeader() }),
    bodyText: 'nfgenmsg family AF_UNSPEC',
  };
}

function acked(subsystem: number, message: number, typeName: string): NetfilterPreset {
  return { ...dump(subsystem, message, typeName), dump: false };
}

/** Family numbers of `nft` family names, for the set element preset. */
const FAMILIES: Readonly<Record<string, number>> = {
  inet: 1,
  ip: 2,
  arp: 3,
  netdev: 5,
  bridge: 7,
  ip6: 10,
};

/** Presets by name. */
export const NETFILTER_PRESETS: Readonly<Record<string, NetfilterPreset>> = {
  ct_get_stats_cpu: dump(
    NFNL_SUBSYS_CTNETLINK,
    IPCTNL_MSG_CT_GET_STATS_CPU,
    'IPCTNL_MSG_CT_GET_STATS_CPU',
  ),
  ct_get_stats: acked(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET_STATS, 'IPCTNL_MSG_CT_GET_STATS'),
  exp_get: dump(NFNL_SUBSYS_CTNETLINK_EXP, IPCTNL_MSG_EXP_GET, 'IPCTNL_MSG_EXP_GET'),
  exp_get_stats_cpu: dump(
    NFNL_SUBSYS_CTNETLINK_EXP,
    IPCTNL_MSG_EXP_GET_STATS_CPU,
    'IPCTNL_MSG_EXP_GET_STATS_CPU',
  ),
  nft_gettable: dump(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETTABLE, 'NFT_MSG_GETTABLE'),
  nft_getchain: dump(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETCHAIN, 'NFT_MSG_GETCHAIN'),
  nft_getrule: dump(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETRULE, 'NFT_MSG_GETRULE'),
  nft_getset: dump(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETSET, 'NFT_MSG_GETSET'),
  nft_getobj: dump(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETOBJ, 'NFT_MSG_GETOBJ'),
  nft_getflowtable: dump(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETFLOWTABLE, 'NFT_MSG_GETFLOWTABLE'),
  nft_getgen: acked(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETGEN, 'NFT_MSG_GETGEN'),
  nft_getsetelem: {
    type: nfnlMessageType(NFNL_SUBSYS_NFTABLES, NFT_MSG_GETSETELEM),
    typeName: 'NFT_MSG_GETSETELEM',
    dump: true,
    body: (arg) => {
      const [familyName = '', table = '', set = ''] = (arg ?? '').split(':');
      const family = FAMILIES[familyName];
      if (family === undefined || table === '' || set === '') {
        throw new Error(
          `invalid --arg "${arg ?? ''}": expected FAMILY:TABLE:SET, for example inet:filter:ports`,
        );
      }
      const attrs = new AttrBuilder(true)
        .str(NFTA_SET_ELEM_LIST_TABLE, table)
        .str(NFTA_SET_ELEM_LIST_SET, set)
        .toBuffer();
      return { header: nfgenHeader(family), attrs };
    },
    bodyText:
      'nfgenmsg of the set family, NFTA_SET_ELEM_LIST_TABLE and _SET from --arg FAMILY:TABLE:SET',
  },
};

/** Sends `preset` on `socket` and returns the reply with the request's sidecar text. */
export async function captureNetfilter(
  socket: NetlinkSocket,
  preset: NetfilterPreset,
  arg: string | undefined,
): Promise<Reply & { readonly request: string }> {
  const { header, attrs } = preset.body(arg);
  const op = `${preset.dump ? 'dump' : 'request'} ${preset.typeName}`;
  // Plain requests carry NLM_F_ACK as the exporter's client sends them: some replies are
  // flagged NLM_F_MULTI without a closing NLMSG_DONE.
  const reply = preset.dump
    ? await socket.dump(preset.type, header, attrs, { op })
    : await socket.request(preset.type, NLM_F_ACK, header, attrs, { op });
  const flags = NLM_F_REQUEST | (preset.dump ? NLM_F_DUMP : NLM_F_ACK);
  const argText = arg === undefined ? '' : ` (--arg ${arg})`;
  return {
    ...reply,
    request: `${preset.typeName} flags=0x${flags.toString(16)} ${preset.bodyText}${argText}`,
  };
}
