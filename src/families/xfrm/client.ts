// Requests for NETLINK_XFRM: dumps of the SAs and policies, and the SAD and SPD summaries.

import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import {
  XFRM_INFO_FLAGS_LEN,
  XFRM_MSG_GETPOLICY,
  XFRM_MSG_GETSA,
  XFRM_MSG_GETSADINFO,
  XFRM_MSG_GETSPDINFO,
  XFRM_MSG_NEWPOLICY,
  XFRM_MSG_NEWSA,
  XFRM_MSG_NEWSADINFO,
  XFRM_MSG_NEWSPDINFO,
} from './constants.js';
import {
  type PolicySnapshot,
  parsePolicy,
  parseSa,
  parseSadInfo,
  parseSpdInfo,
  type SadInfo,
  type SaSnapshot,
  type SpdInfo,
} from './parse.js';

/** Objects of one dump and the restarts it took (NLM_F_DUMP_INTR). */
export interface DumpResult<T> {
  readonly items: readonly T[];
  readonly restarts: number;
}

/** Options of a request: deadline signal and restart limit. */
export type DumpOptions = Omit<RequestOptions, 'op'>;

/** The empty body of a dump: GETSA and GETPOLICY dumps take no fixed header. */
const EMPTY = new Uint8Array(0);

async function dumpAll<T>(
  socket: NetlinkSocket,
  request: number,
  reply: number,
  op: string,
  parse: (buf: Buffer, start: number, end: number) => T,
  opts: DumpOptions,
): Promise<DumpResult<T>> {
  const result = await socket.dump(request, EMPTY, undefined, { ...opts, op });
  const items: T[] = [];
  forEachMessage(result.datagrams, (buf, type, _flags, start, end) => {
    if (type === reply) items.push(parse(buf, start, end));
  });
  return { items, restarts: result.restarts };
}

/** Dumps every SA (XFRM_MSG_GETSA). Rejects with the netlink layer's errors. */
export function dumpSas(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<DumpResult<SaSnapshot>> {
  return dumpAll(socket, XFRM_MSG_GETSA, XFRM_MSG_NEWSA, 'dump XFRM_MSG_GETSA', parseSa, opts);
}

/** Dumps every policy (XFRM_MSG_GETPOLICY), per-socket policies included. */
export function dumpPolicies(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<DumpResult<PolicySnapshot>> {
  return dumpAll(
    socket,
    XFRM_MSG_GETPOLICY,
    XFRM_MSG_NEWPOLICY,
    'dump XFRM_MSG_GETPOLICY',
    parsePolicy,
    opts,
  );
}

/** Builds the body of GETSADINFO and GETSPDINFO: a u32 of flags, copied to the reply. */
export function infoRequestBody(): Uint8Array {
  const body = Buffer.alloc(XFRM_INFO_FLAGS_LEN);
  body.writeUInt32LE(0xffffffff, 0);
  return body;
}

async function getInfo<T>(
  socket: NetlinkSocket,
  request: number,
  reply: number,
  op: string,
  parse: (buf: Buffer, start: number, end: number) => T,
  opts: DumpOptions,
): Promise<T | undefined> {
  const result = await socket.request(request, 0, infoRequestBody(), undefined, { ...opts, op });
  let info: T | undefined;
  forEachMessage(result.datagrams, (buf, type, _flags, start, end) => {
    if (type === reply) info = parse(buf, start, end);
  });
  return info;
}

/**
 * Reads the SAD summary (XFRM_MSG_GETSADINFO). Resolves undefined when the reply lacks an
 * XFRM_MSG_NEWSADINFO message. Rejects with the netlink layer's errors.
 */
export function getSadInfo(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<SadInfo | undefined> {
  return getInfo(
    socket,
    XFRM_MSG_GETSADINFO,
    XFRM_MSG_NEWSADINFO,
    'XFRM_MSG_GETSADINFO',
    parseSadInfo,
    opts,
  );
}

/**
 * Reads the SPD summary (XFRM_MSG_GETSPDINFO). Resolves undefined when the reply lacks an
 * XFRM_MSG_NEWSPDINFO message. Rejects with the netlink layer's errors.
 */
export function getSpdInfo(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<SpdInfo | undefined> {
  return getInfo(
    socket,
    XFRM_MSG_GETSPDINFO,
    XFRM_MSG_NEWSPDINFO,
    'XFRM_MSG_GETSPDINFO',
    parseSpdInfo,
    opts,
  );
}
