// nfnetlink framing shared by the conntrack and nftables families, from
// <linux/netfilter/nfnetlink.h> (checked against Linux 6.18): the message type is
// `subsystem << 8 | message`, and every message body starts with struct nfgenmsg
// {u8 nfgen_family; u8 version; __be16 res_id}. Attribute payloads are big-endian; attribute
// headers stay in host order.

import { NLM_F_ACK } from '../../netlink/constants.js';
import { DecodeError } from '../../netlink/errors.js';
import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';

export const NFNL_SUBSYS_CTNETLINK = 1;
export const NFNL_SUBSYS_CTNETLINK_EXP = 2;
export const NFNL_SUBSYS_NFTABLES = 10;
export const NFNETLINK_V0 = 0;

/** Length of struct nfgenmsg. */
export const NFGENMSG_LEN = 4;

/** Returns the netlink message type of `message` in nfnetlink subsystem `subsystem`. */
export function nfnlMessageType(subsystem: number, message: number): number {
  return (subsystem << 8) | message;
}

/** Builds a struct nfgenmsg for a request: address family, version 0, resource id. */
export function nfgenHeader(family = 0, resId = 0): Uint8Array {
  return Uint8Array.of(family, NFNETLINK_V0, (resId >> 8) & 0xff, resId & 0xff);
}

/** The struct nfgenmsg of a reply. */
export interface NfgenHeader {
  /** Address family (NFPROTO_*); AF_UNSPEC for family-less messages. */
  readonly family: number;
  /** Resource id in host order: the CPU of per-CPU statistics, the low 16 bits of the nftables generation. */
  readonly resId: number;
}

/** Reads the struct nfgenmsg at `start`. Throws DecodeError naming `path` when it is cut short. */
export function readNfgenHeader(
  buf: Buffer,
  start: number,
  end: number,
  path: string,
): NfgenHeader {
  if (end - start < NFGENMSG_LEN) {
    throw new DecodeError(
      `${path}/nfgenmsg`,
      `expected at least ${NFGENMSG_LEN} bytes`,
      end - start,
    );
  }
  return { family: buf[start]!, resId: buf.readUInt16BE(start + 2) };
}

/** Objects of one dump and the restarts it took (NLM_F_DUMP_INTR). */
export interface NetfilterDumpResult<T> {
  readonly items: readonly T[];
  readonly restarts: number;
}

/** Options of a netfilter dump or request: deadline signal and restart limit. */
export type NetfilterRequestOptions = Omit<RequestOptions, 'op'>;

/** Parser of one reply message body: the nfgenmsg at `start`, then attributes up to `end`. */
export type MessageParser<T> = (buf: Buffer, start: number, end: number) => T;

/**
 * Dumps `request` with `header` and optional attributes, and parses every reply message of
 * type `reply`. Rejects with the netlink layer's errors and DecodeError.
 */
export async function dumpMessages<T>(
  socket: NetlinkSocket,
  request: number,
  reply: number,
  header: Uint8Array,
  attrs: Uint8Array | undefined,
  op: string,
  parse: MessageParser<T>,
  opts: NetfilterRequestOptions,
): Promise<NetfilterDumpResult<T>> {
  return socket.dumpItems(request, header, attrs, { ...opts, op }, reply, parse);
}

/**
 * Sends one non-dump request and parses its reply messages of type `reply`.
 *
 * NB: the request carries NLM_F_ACK because some netfilter replies to plain requests are
 * flagged NLM_F_MULTI without a closing NLMSG_DONE, for example IPCTNL_MSG_CT_GET_STATS on
 * Linux 6.18. The acknowledgement ends the exchange.
 */
export async function requestMessages<T>(
  socket: NetlinkSocket,
  request: number,
  reply: number,
  header: Uint8Array,
  op: string,
  parse: MessageParser<T>,
  opts: NetfilterRequestOptions,
): Promise<T[]> {
  const result = await socket.request(request, NLM_F_ACK, header, undefined, { ...opts, op });
  const items: T[] = [];
  forEachMessage(result.datagrams, (buf, type, _flags, payload, end) => {
    if (type === reply) items.push(parse(buf, payload, end));
  });
  return items;
}
