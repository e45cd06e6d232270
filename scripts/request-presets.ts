// Capture presets for scripts/capture.ts whose requests carry a filled fixed header:
// sock_diag dumps and XFRM dumps and summaries, each built as the exporter's clients build it.

import { inetDiagRequest, unixDiagRequest } from '../src/families/sockdiag/client.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_MPTCP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DIAG_BY_FAMILY,
} from '../src/families/sockdiag/constants.js';
import { infoRequestBody } from '../src/families/xfrm/client.js';
import {
  XFRM_MSG_GETPOLICY,
  XFRM_MSG_GETSA,
  XFRM_MSG_GETSADINFO,
  XFRM_MSG_GETSPDINFO,
} from '../src/families/xfrm/constants.js';
import {
  NETLINK_SOCK_DIAG,
  NETLINK_XFRM,
  NLM_F_DUMP,
  NLM_F_REQUEST,
} from '../src/netlink/constants.js';
import type { NetlinkSocket, Reply } from '../src/netlink/socket.js';

/** One request to record. */
export interface RequestPreset {
  readonly protocol: number;
  readonly type: number;
  /** Message type name for the sidecar, for example `SOCK_DIAG_BY_FAMILY`. */
  readonly typeName: string;
  readonly dump: boolean;
  readonly header: Uint8Array;
  readonly attrs?: Uint8Array | undefined;
  /** Description of the header and attributes, for the sidecar. */
  readonly bodyText: string;
}

function inet(family: number, protocol: number, what: string): RequestPreset {
  const request = inetDiagRequest(family, protocol);
  return {
    protocol: NETLINK_SOCK_DIAG,
    type: SOCK_DIAG_BY_FAMILY,
    typeName: 'SOCK_DIAG_BY_FAMILY',
    dump: true,
    header: request.header,
    attrs: request.attrs,
    bodyText: `inet_diag_req_v2 ${what}, every state, as the sock_diag collector sends it`,
  };
}

function xfrm(type: number, typeName: string, dump: boolean): RequestPreset {
  return {
    protocol: NETLINK_XFRM,
    type,
    typeName,
    dump,
    header: dump ? new Uint8Array(0) : infoRequestBody(),
    bodyText: dump ? 'empty body' : 'u32 flags 0xffffffff',
  };
}

/** Presets by name. */
export const REQUEST_PRESETS: Readonly<Record<string, RequestPreset>> = {
  sock_diag_tcp4: inet(AF_INET, IPPROTO_TCP, 'AF_INET IPPROTO_TCP with tcp_info and meminfo'),
  sock_diag_tcp6: inet(AF_INET6, IPPROTO_TCP, 'AF_INET6 IPPROTO_TCP with tcp_info and meminfo'),
  sock_diag_udp4: inet(AF_INET, IPPROTO_UDP, 'AF_INET IPPROTO_UDP with meminfo'),
  sock_diag_udp6: inet(AF_INET6, IPPROTO_UDP, 'AF_INET6 IPPROTO_UDP with meminfo'),
  sock_diag_mptcp4: inet(
    AF_INET,
    IPPROTO_MPTCP,
    'AF_INET with INET_DIAG_REQ_PROTOCOL IPPROTO_MPTCP and meminfo',
  ),
  sock_diag_unix: {
    protocol: NETLINK_SOCK_DIAG,
    type: SOCK_DIAG_BY_FAMILY,
    typeName: 'SOCK_DIAG_BY_FAMILY',
    dump: true,
    header: unixDiagRequest().header,
    bodyText: 'unix_diag_req every state with UDIAG_SHOW_RQLEN and UDIAG_SHOW_MEMINFO',
  },
  xfrm_getsa: xfrm(XFRM_MSG_GETSA, 'XFRM_MSG_GETSA', true),
  xfrm_getpolicy: xfrm(XFRM_MSG_GETPOLICY, 'XFRM_MSG_GETPOLICY', true),
  xfrm_getsadinfo: xfrm(XFRM_MSG_GETSADINFO, 'XFRM_MSG_GETSADINFO', false),
  xfrm_getspdinfo: xfrm(XFRM_MSG_GETSPDINFO, 'XFRM_MSG_GETSPDINFO', false),
};

/** Sends `preset` on `socket` and returns the reply with the request's sidecar text. */
export async function captureRequest(
  socket: NetlinkSocket,
  preset: RequestPreset,
): Promise<Reply & { readonly request: string }> {
  const op = `${preset.dump ? 'dump ' : ''}${preset.typeName}`;
  const reply = preset.dump
    ? await socket.dump(preset.type, preset.header, preset.attrs, { op })
    : await socket.request(preset.type, 0, preset.header, preset.attrs, { op });
  const flags = NLM_F_REQUEST | (preset.dump ? NLM_F_DUMP : 0);
  return {
    ...reply,
    request: `${preset.typeName} flags=0x${flags.toString(16)} ${preset.bodyText}`,
  };
}
