// Request and dump engine over one netlink socket. Requests on a socket run one at a time;
// every reply is checked for the socket's port id and the request's sequence number.

import diagnostics from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { keepLatest } from '../shape.js';
import {
  align4,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  protocolName,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SOL_NETLINK,
  SOL_SOCKET,
} from './constants.js';
import {
  AbortedError,
  ClosedError,
  DumpInterruptedError,
  errnoValue,
  KernelError,
  type NetlinkError,
  type NetlinkErrorContext,
  OverrunError,
  ProtocolError,
  ReceiveOverflowError,
  SocketError,
} from './errors.js';
import {
  decodeErrorPayload,
  decodeExtAck,
  encodeRequest,
  type MessageSink,
  ParsedMessages,
} from './message.js';
import { addon, isNativeError, type NativeError, type NativeSocket } from './native.js';

/** diagnostics_channel name; each event is `{ event, protocol, type, flags, seq, length }`. */
export const DIAGNOSTICS_CHANNEL = 'netlink-exporter:netlink';
const channel = diagnostics.channel(DIAGNOSTICS_CHANNEL);
const debug = debuglog('netlink');

/** Default restarts of an interrupted dump before it fails. */
export const DEFAULT_MAX_RESTARTS = 8;
/** Default receive buffer: large enough for a dump burst of a big host. */
export const DEFAULT_RECEIVE_BUFFER = 4 * 1024 * 1024;

/** Options of NetlinkSocket.open. */
export interface OpenOptions {
  /** Network namespace path (`/run/netns/NAME`, `/proc/PID/ns/net`); the socket is made there. */
  readonly netns?: string;
  /** SO_RCVBUF in bytes; SO_RCVBUFFORCE is tried first so root can exceed rmem_max. */
  readonly receiveBufferBytes?: number;
}

/** Options of one request or dump. */
export interface RequestOptions {
  /** Operation for errors and diagnostics, for example `dump RTM_GETLINK`. */
  readonly op: string;
  /** Aborting closes the socket and rejects with AbortedError. */
  readonly signal?: AbortSignal;
  /** Restarts of an interrupted dump (NLM_F_DUMP_INTR) before DumpInterruptedError. */
  readonly maxRestarts?: number;
}

/** Number of data messages of a reply, and how often an interrupted dump was restarted. */
export interface ReplySummary {
  readonly messages: number;
  readonly restarts: number;
}

/** Reply of a request or dump: the received datagrams (walk them with forEachMessage). */
export interface Reply extends ReplySummary {
  readonly datagrams: readonly Buffer[];
}

interface Pending {
  readonly type: number;
  readonly flags: number;
  readonly header: Uint8Array;
  readonly attrs: Uint8Array | undefined;
  readonly opts: RequestOptions;
  readonly isDump: boolean;
  readonly wantsAck: boolean;
  /** Takes the data messages instead of `datagrams`. */
  readonly sink: MessageSink | undefined;
  seq: number;
  datagrams: Buffer[];
  messages: number;
  restarts: number;
  interrupted: boolean;
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

let nextSeq = (Date.now() & 0x7fffffff) >>> 0;

/**
 * NetlinkSocket wraps one AF_NETLINK socket of the addon. Open it, issue requests and dumps
 * (they queue), and close it. Closing rejects pending requests with ClosedError.
 */
export class NetlinkSocket {
  readonly protocol: number;
  readonly portId: number;
  private readonly native: NativeSocket;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private receiving = false;
  private closed = false;
  private multicast: ((datagram: Buffer) => void) | undefined;

  private constructor(protocol: number, native: NativeSocket) {
    this.protocol = protocol;
    this.native = native;
    this.portId = native.portId;
  }

  /**
   * Opens a socket of `protocol`, inside `opts.netns` when given, with extended acks and
   * strict checking turned on where the kernel supports them. Throws SocketError (for
   * example errno ENOENT for a namespace path that does not exist, EPROTONOSUPPORT for a
   * protocol the kernel lacks).
   */
  static open(protocol: number, opts: OpenOptions = {}): NetlinkSocket {
    const context = { op: 'open socket', protocol: protocolName(protocol) };
    let native: NativeSocket;
    try {
      native = new addon.Socket(protocol, opts.netns);
    } catch (err) {
      throw toSocketError(err, context);
    }
    const socket = new NetlinkSocket(protocol, native);
    try {
      // Extended acks and strict checking exist since Linux 4.12 and 4.20; older kernels
      // reject the option with ENOPROTOOPT and still work without them.
      socket.trySetOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
      socket.trySetOption(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
      const rcvbuf = opts.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER;
      if (!socket.trySetOption(SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)) {
        socket.setOption(SOL_SOCKET, SO_RCVBUF, rcvbuf);
      }
    } catch (err) {
      native.close();
      throw err;
    }
    return socket;
  }

  /** Sets an integer socket option. Throws SocketError. */
  setOption(level: number, name: number, value: number): void {
    try {
      this.native.setOption(level, name, value);
    } catch (err) {
      throw toSocketError(err, { op: 'setsockopt', protocol: protocolName(this.protocol) });
    }
  }

  /** Reads an integer socket option. Throws SocketError. */
  getOption(level: number, name: number): number {
    try {
      return this.native.getOption(level, name);
    } catch (err) {
      throw toSocketError(err, { op: 'getsockopt', protocol: protocolName(this.protocol) });
    }
  }

  private trySetOption(level: number, name: number, value: number): boolean {
    try {
      this.native.setOption(level, name, value);
      return true;
    } catch {
      return false;
    }
  }

  /** Joins multicast group `group`; `onMessage` receives every multicast datagram. */
  joinGroup(group: number, onMessage: (datagram: Buffer) => void): void {
    this.setOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);
    this.multicast = onMessage;
    this.startReceiving();
  }

  /** Leaves multicast group `group`. */
  leaveGroup(group: number): void {
    this.setOption(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group);
  }

  /**
   * Dumps all objects of a kind: sends `type` with NLM_F_REQUEST | NLM_F_DUMP and the fixed
   * header, collects the multi-part reply up to NLMSG_DONE, and restarts the dump when the
   * kernel marks it interrupted (NLM_F_DUMP_INTR). Rejects with KernelError (NLMSG_ERROR or
   * an errno in NLMSG_DONE), DumpInterruptedError, ReceiveOverflowError, OverrunError,
   * ProtocolError, AbortedError or ClosedError.
   */
  dump(
    type: number,
    header: Uint8Array,
    attrs: Uint8Array | undefined,
    opts: RequestOptions,
  ): Promise<Reply> {
    return this.enqueue(type, NLM_F_REQUEST | NLM_F_DUMP, header, attrs, opts);
  }

  /**
   * Dumps as `dump` does, but hands each data message to `sink` as its datagram arrives. The
   * reply is never held whole, and a datagram can be freed once its messages are decoded.
   * On a restart `sink.restart()` is called before the messages of the new dump.
   * Rejects as `dump` does, and with the sink's own exception, which also closes the socket
   * because the rest of the reply is still on its way.
   */
  async dumpInto(
    type: number,
    header: Uint8Array,
    attrs: Uint8Array | undefined,
    opts: RequestOptions,
    sink: MessageSink,
  ): Promise<ReplySummary> {
    const { messages, restarts } = await this.enqueue(
      type,
      NLM_F_REQUEST | NLM_F_DUMP,
      header,
      attrs,
      opts,
      sink,
    );
    return { messages, restarts };
  }

  /**
   * Dumps with `dumpInto` and decodes every message of type `replyType` with `parse`, as
   * each datagram arrives. Returns the decoded items and the restarts the dump took.
   */
  async dumpItems<T>(
    type: number,
    header: Uint8Array,
    attrs: Uint8Array | undefined,
    opts: RequestOptions,
    replyType: number,
    parse: (buf: Buffer, payload: number, end: number) => T,
  ): Promise<{ items: T[]; restarts: number }> {
    const sink = new ParsedMessages(replyType, parse);
    const { restarts } = await this.dumpInto(type, header, attrs, opts, sink);
    return { items: sink.items, restarts };
  }

  /**
   * Sends one request (NLM_F_REQUEST plus `flags`) and collects its reply: a single message,
   * a multi-part reply up to NLMSG_DONE, and with NLM_F_ACK the acknowledgement. Rejects as
   * `dump` does.
   */
  request(
    type: number,
    flags: number,
    header: Uint8Array,
    attrs: Uint8Array | undefined,
    opts: RequestOptions,
  ): Promise<Reply> {
    return this.enqueue(type, NLM_F_REQUEST | flags, header, attrs, opts);
  }

  /** Closes the socket and rejects pending requests with ClosedError. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
    this.receiving = false;
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      pending.reject(new ClosedError(this.context(pending)));
    }
  }

  /** Reports whether close() was called or the socket was closed after an error. */
  get isClosed(): boolean {
    return this.closed;
  }

  private enqueue(
    type: number,
    flags: number,
    header: Uint8Array,
    attrs: Uint8Array | undefined,
    opts: RequestOptions,
    sink?: MessageSink,
  ): Promise<Reply> {
    const run = (): Promise<Reply> =>
      new Promise<Reply>((resolve, reject) => {
        const pending: Pending = {
          type,
          flags,
          header,
          attrs,
          opts,
          isDump: (flags & NLM_F_DUMP) === NLM_F_DUMP,
          wantsAck: (flags & NLM_F_ACK) !== 0,
          sink,
          seq: 0,
          datagrams: [],
          messages: 0,
          restarts: 0,
          interrupted: false,
          resolve,
          reject,
        };
        this.begin(pending);
      });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private begin(pending: Pending): void {
    const { signal } = pending.opts;
    if (this.closed) {
      pending.reject(new ClosedError(this.context(pending)));
      return;
    }
    if (signal?.aborted) {
      pending.reject(new AbortedError(this.context(pending)));
      this.close();
      return;
    }
    const onAbort = (): void => {
      if (this.pending !== pending) return;
      this.pending = undefined;
      pending.reject(new AbortedError(this.context(pending)));
      this.close();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const resolve = pending.resolve;
    const reject = pending.reject;
    pending.resolve = (reply) => {
      signal?.removeEventListener('abort', onAbort);
      this.finish();
      resolve(reply);
    };
    pending.reject = (err) => {
      signal?.removeEventListener('abort', onAbort);
      this.finish();
      reject(err);
    };
    this.pending = pending;
    this.send(pending);
  }

  private finish(): void {
    this.pending = undefined;
    if (this.multicast === undefined && this.receiving && !this.closed) {
      this.native.stop();
      this.receiving = false;
    }
  }

  private send(pending: Pending): void {
    pending.seq = nextSeq = (nextSeq + 1) >>> 0 || 1;
    pending.datagrams = [];
    pending.messages = 0;
    pending.interrupted = false;
    const bytes = encodeRequest(
      pending.type,
      pending.flags,
      pending.seq,
      pending.header,
      pending.attrs,
    );
    this.publish('send', pending.type, pending.flags, pending.seq, bytes.length);
    try {
      this.startReceiving();
      this.native.send(bytes);
    } catch (err) {
      this.pending = undefined;
      pending.reject(toSocketError(err, this.context(pending)));
    }
  }

  private startReceiving(): void {
    if (this.receiving || this.closed) return;
    this.native.start((err, datagrams) => this.onData(err, datagrams));
    this.receiving = true;
  }

  private onData(err: NativeError | null, datagrams: Buffer[] | null): void {
    if (err !== null) {
      this.fail(
        err.code === 'ENOBUFS'
          ? new ReceiveOverflowError(this.context(this.pending))
          : toSocketError(err, this.context(this.pending)),
      );
      return;
    }
    for (const datagram of datagrams ?? []) {
      if (this.closed) return;
      // NB: Buffers made by the addon have a hidden class of their own. Keeping one alive
      // keeps that class, and the decoding code compiled against it, through idle collections.
      keepLatest('addon datagram', datagram);
      this.onDatagram(datagram);
    }
  }

  /** Rejects the pending request with `err` and closes the socket, whose state is now unknown. */
  private fail(err: NetlinkError): void {
    const pending = this.pending;
    this.pending = undefined;
    this.close();
    pending?.reject(err);
  }

  /** Rejects the pending request with an error that ended its reply; the socket stays usable. */
  private reject(pending: Pending, err: NetlinkError): void {
    this.pending = undefined;
    pending.reject(err);
  }

  private onDatagram(buf: Buffer): void {
    if (buf.length >= NLMSG_HDRLEN && this.multicast !== undefined) {
      // Multicast notifications carry sequence number 0 and port id 0.
      if (buf.readUInt32LE(8) === 0 && buf.readUInt32LE(12) === 0) {
        this.multicast(buf);
        return;
      }
    }
    const pending = this.pending;
    if (pending === undefined) {
      debug('dropped a datagram of %d bytes that no request was waiting for', buf.length);
      return;
    }
    this.publish('receive', buf.length >= 6 ? buf.readUInt16LE(4) : 0, 0, pending.seq, buf.length);
    let pos = 0;
    let keep = false;
    while (buf.length - pos >= NLMSG_HDRLEN) {
      const len = buf.readUInt32LE(pos);
      const type = buf.readUInt16LE(pos + 4);
      const flags = buf.readUInt16LE(pos + 6);
      const seq = buf.readUInt32LE(pos + 8);
      const portId = buf.readUInt32LE(pos + 12);
      if (len < NLMSG_HDRLEN || len > buf.length - pos) {
        this.fail(
          new ProtocolError(
            `reply message length ${len} does not fit the ${buf.length - pos} bytes left in the datagram`,
            this.context(pending),
          ),
        );
        return;
      }
      if (seq !== pending.seq || portId !== this.portId) {
        this.fail(
          new ProtocolError(
            `reply has sequence ${seq} and port id ${portId}, expected ${pending.seq} and ${this.portId}`,
            this.context(pending),
          ),
        );
        return;
      }
      if ((flags & NLM_F_DUMP_INTR) !== 0) pending.interrupted = true;
      const payload = pos + NLMSG_HDRLEN;
      const end = pos + len;
      pos += align4(len);
      if (type === NLMSG_NOOP) continue;
      if (type === NLMSG_ERROR) {
        const { errno, extAck } = decodeErrorPayload(buf, flags, payload, end);
        if (errno !== 0) {
          this.reject(pending, new KernelError(errno, this.context(pending), extAck));
          return;
        }
        this.complete(pending, keep ? buf : undefined);
        return;
      }
      if (type === NLMSG_DONE) {
        if (end - payload >= 4) {
          const errno = -buf.readInt32LE(payload) | 0;
          if (errno !== 0) {
            const extAck =
              (flags & NLM_F_ACK_TLVS) !== 0 ? decodeExtAck(buf, payload + 4, end) : {};
            this.reject(pending, new KernelError(errno, this.context(pending), extAck));
            return;
          }
        }
        if (pending.wantsAck && !pending.isDump) {
          // A multi-part reply to a request with NLM_F_ACK is followed by the ACK.
          if (keep) pending.datagrams.push(buf);
          continue;
        }
        this.complete(pending, keep ? buf : undefined);
        return;
      }
      if (type === NLMSG_OVERRUN) {
        this.fail(new OverrunError(this.context(pending)));
        return;
      }
      pending.messages++;
      if (pending.sink === undefined) {
        keep = true;
      } else {
        try {
          pending.sink.message(buf, type, flags, payload, end);
        } catch (err) {
          this.pending = undefined;
          this.close();
          pending.reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
      }
      if (!pending.isDump && !pending.wantsAck && (flags & NLM_F_MULTI) === 0) {
        this.complete(pending, keep ? buf : undefined);
        return;
      }
    }
    if (keep) pending.datagrams.push(buf);
  }

  private complete(pending: Pending, last: Buffer | undefined): void {
    if (last !== undefined) pending.datagrams.push(last);
    if (pending.interrupted) {
      const max = pending.opts.maxRestarts ?? DEFAULT_MAX_RESTARTS;
      if (pending.restarts >= max) {
        this.reject(pending, new DumpInterruptedError(pending.restarts, this.context(pending)));
        return;
      }
      pending.restarts++;
      pending.sink?.restart();
      this.send(pending);
      return;
    }
    pending.resolve({
      datagrams: pending.datagrams,
      messages: pending.messages,
      restarts: pending.restarts,
    });
  }

  private context(pending: Pending | undefined): NetlinkErrorContext {
    return {
      op: pending?.opts.op,
      protocol: protocolName(this.protocol),
      seq: pending?.seq,
    };
  }

  private publish(event: string, type: number, flags: number, seq: number, length: number): void {
    if (channel.hasSubscribers) {
      channel.publish({ event, protocol: protocolName(this.protocol), type, flags, seq, length });
    }
    debug(
      '%s %s type=%d flags=0x%s seq=%d length=%d',
      event,
      protocolName(this.protocol),
      type,
      flags.toString(16),
      seq,
      length,
    );
  }
}

function toSocketError(err: unknown, context: NetlinkErrorContext): SocketError {
  if (isNativeError(err)) {
    return new SocketError(err.syscall, errnoValue(err.code) ?? -err.errno, {
      ...context,
      cause: err,
    });
  }
  return new SocketError('unknown', 0, { ...context, cause: err });
}
