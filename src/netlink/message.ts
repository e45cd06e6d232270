// Framing of struct nlmsghdr (<linux/netlink.h>): {u32 len, u16 type, u16 flags, u32 seq,
// u32 pid} in host byte order, and walking the messages of received datagrams.

import { keepShape } from '../shape.js';
import { AttrCursor } from './attr.js';
import {
  align4,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from './constants.js';
import { DecodeError } from './errors.js';

/** Builds a request: header, the family's fixed header zero-filled at full size, attributes. */
export function encodeRequest(
  type: number,
  flags: number,
  seq: number,
  fixedHeader: Uint8Array,
  attrs?: Uint8Array,
): Buffer {
  const body = align4(fixedHeader.length);
  const length = NLMSG_HDRLEN + body + (attrs?.length ?? 0);
  const buf = Buffer.alloc(length);
  buf.writeUInt32LE(length, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(flags, 6);
  buf.writeUInt32LE(seq, 8);
  buf.writeUInt32LE(0, 12);
  buf.set(fixedHeader, NLMSG_HDRLEN);
  if (attrs !== undefined) buf.set(attrs, NLMSG_HDRLEN + body);
  return buf;
}

/** Called once per message: `payload` and `end` delimit the bytes after the nlmsghdr. */
export type MessageVisitor = (
  buf: Buffer,
  type: number,
  flags: number,
  payload: number,
  end: number,
) => void;

/**
 * Calls `visit` for every data message in `datagrams`, in order, skipping control messages
 * (types below NLMSG_MIN_TYPE). Throws DecodeError when a header is shorter than 16 bytes or
 * its length overruns the datagram.
 */
export function forEachMessage(datagrams: readonly Buffer[], visit: MessageVisitor): void {
  for (const buf of datagrams) {
    let pos = 0;
    while (buf.length - pos >= NLMSG_HDRLEN) {
      const len = buf.readUInt32LE(pos);
      if (len < NLMSG_HDRLEN || len > buf.length - pos) {
        throw new DecodeError(
          'nlmsghdr',
          `message length ${len} does not fit the ${buf.length - pos} bytes left`,
          len,
        );
      }
      const type = buf.readUInt16LE(pos + 4);
      if (type >= NLMSG_MIN_TYPE) {
        visit(buf, type, buf.readUInt16LE(pos + 6), pos + NLMSG_HDRLEN, pos + len);
      }
      pos += align4(len);
    }
  }
}

/** Receives the data messages of a dump while it arrives; see NetlinkSocket.dumpInto. */
export interface MessageSink {
  /**
   * Takes one data message: `payload` and `end` delimit the bytes after its nlmsghdr in
   * `buf`, which stays valid after the call. An exception ends the dump with that error.
   */
  message(buf: Buffer, type: number, flags: number, payload: number, end: number): void;
  /** The kernel interrupted the dump and it starts over: forget every message taken so far. */
  restart(): void;
}

/**
 * MessageSink that decodes every message of type `type` with `parse` into `items`, which a
 * restart empties. Feed it recorded datagrams with feedSink.
 */
export class ParsedMessages<T> implements MessageSink {
  items: T[] = [];

  constructor(
    private readonly type: number,
    private readonly parse: (buf: Buffer, payload: number, end: number) => T,
  ) {}

  message(buf: Buffer, type: number, _flags: number, payload: number, end: number): void {
    if (type === this.type) this.items.push(this.parse(buf, payload, end));
  }

  restart(): void {
    this.items = [];
  }
}

keepShape(new ParsedMessages(NLMSG_MIN_TYPE, () => undefined));

/** Hands every data message of recorded `datagrams` to `sink`, as a dump does while they arrive. */
export function feedSink(datagrams: readonly Buffer[], sink: MessageSink): void {
  forEachMessage(datagrams, (buf, type, flags, payload, end) =>
    sink.message(buf, type, flags, payload, end),
  );
}

/** Extended-ack fields of an NLMSG_ERROR or NLMSG_DONE reply. */
export interface ExtAck {
  message?: string;
  offset?: number;
}

/**
 * Reads the extended-ack attributes that follow the errno of NLMSG_ERROR or NLMSG_DONE.
 * `tlvStart` is where they begin; a malformed trailer yields what was read before it.
 */
export function decodeExtAck(buf: Buffer, tlvStart: number, end: number): ExtAck {
  const ack: ExtAck = {};
  const cursor = new AttrCursor(buf, tlvStart, end, 'nlmsgerr');
  try {
    while (cursor.next()) {
      if (cursor.type === NLMSGERR_ATTR_MSG) ack.message = cursor.str('NLMSGERR_ATTR_MSG');
      else if (cursor.type === NLMSGERR_ATTR_OFFS) ack.offset = cursor.u32('NLMSGERR_ATTR_OFFS');
    }
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
  return ack;
}

/**
 * Decodes the payload of an NLMSG_ERROR: a negative errno (0 for an ACK), the original
 * request header (and body unless NLM_F_CAPPED) and, with NLM_F_ACK_TLVS, the extended ack.
 */
export function decodeErrorPayload(
  buf: Buffer,
  flags: number,
  payload: number,
  end: number,
): { errno: number; extAck: ExtAck } {
  if (end - payload < 4)
    throw new DecodeError('nlmsgerr', 'expected at least 4 bytes', end - payload);
  const errno = -buf.readInt32LE(payload) | 0;
  if ((flags & NLM_F_ACK_TLVS) === 0 || end - payload < 4 + NLMSG_HDRLEN)
    return { errno, extAck: {} };
  const original = (flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : buf.readUInt32LE(payload + 4);
  const tlvStart = payload + 4 + align4(original);
  return { errno, extAck: tlvStart < end ? decodeExtAck(buf, tlvStart, end) : {} };
}
