// Error classes of the netlink layer. Each has a stable `code`. Kernel errors also keep the
// errno and its name, the operation, the protocol, the sequence number, and the
// extended-ack text and offset when the kernel sent them.

import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}

/** Returns the symbolic name of a positive errno value (`ENOENT`), or `errno N`. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** Returns the positive errno value of a symbolic name, or undefined. */
export function errnoValue(name: string): number | undefined {
  return (constants.errno as Record<string, number>)[name];
}

/** Stable codes of the netlink layer's errors. */
export type NetlinkErrorCode =
  | 'NLX_ERR_KERNEL'
  | 'NLX_ERR_SOCKET'
  | 'NLX_ERR_DECODE'
  | 'NLX_ERR_PROTOCOL'
  | 'NLX_ERR_DUMP_INTERRUPTED'
  | 'NLX_ERR_ENOBUFS'
  | 'NLX_ERR_OVERRUN'
  | 'NLX_ERR_ABORTED'
  | 'NLX_ERR_CLOSED';

/** Location of an error: operation, protocol or family, and sequence number. */
export interface NetlinkErrorContext {
  /** Operation, for example `dump RTM_GETLINK` or `genl ethtool STATS_GET`. */
  readonly op?: string;
  /** Netlink protocol name (`NETLINK_ROUTE`) or generic netlink family name. */
  readonly protocol?: string;
  readonly seq?: number;
  readonly cause?: unknown;
}

/** Base class of every error the netlink layer throws. */
export class NetlinkError extends Error {
  readonly code: NetlinkErrorCode;
  readonly op: string | undefined;
  readonly protocol: string | undefined;
  readonly seq: number | undefined;
  /** Positive errno value, when the error carries one. */
  readonly errno: number | undefined;
  /** Symbolic errno name (`ENOENT`), when the error carries one. */
  readonly errnoName: string | undefined;

  constructor(
    code: NetlinkErrorCode,
    message: string,
    context: NetlinkErrorContext = {},
    errno?: number,
  ) {
    const where = context.op === undefined ? '' : `${context.op}: `;
    super(where + message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.op = context.op;
    this.protocol = context.protocol;
    this.seq = context.seq;
    this.errno = errno;
    this.errnoName = errno === undefined ? undefined : errnoName(errno);
  }
}

/** Error the kernel returned in NLMSG_ERROR, or as the errno of a dump's NLMSG_DONE. */
export class KernelError extends NetlinkError {
  /** Extended-ack message text (NLMSGERR_ATTR_MSG), when present. */
  readonly extAckMessage: string | undefined;
  /** Byte offset of the rejected attribute in the request (NLMSGERR_ATTR_OFFS), when present. */
  readonly extAckOffset: number | undefined;

  constructor(
    errno: number,
    context: NetlinkErrorContext,
    extAck: { message?: string; offset?: number } = {},
  ) {
    const ack = extAck.message === undefined ? '' : `: ${extAck.message}`;
    const offset = extAck.offset === undefined ? '' : ` (attribute at offset ${extAck.offset})`;
    super('NLX_ERR_KERNEL', `kernel returned ${errnoName(errno)}${ack}${offset}`, context, errno);
    this.extAckMessage = extAck.message;
    this.extAckOffset = extAck.offset;
  }
}

/** A system call on the socket failed (socket, bind, setns, sendto, recv ...). */
export class SocketError extends NetlinkError {
  readonly syscall: string;

  constructor(syscall: string, errno: number, context: NetlinkErrorContext = {}) {
    super('NLX_ERR_SOCKET', `${syscall} failed with ${errnoName(errno)}`, context, errno);
    this.syscall = syscall;
  }
}

/** Bytes from the kernel did not match the expected layout. */
export class DecodeError extends NetlinkError {
  /** Attribute path, for example `RTM_NEWLINK/IFLA_STATS64`. */
  readonly path: string;
  /** Length in bytes that was seen. */
  readonly length: number;

  constructor(path: string, detail: string, length: number, context: NetlinkErrorContext = {}) {
    super('NLX_ERR_DECODE', `invalid ${path}: ${detail} (length ${length})`, context);
    this.path = path;
    this.length = length;
  }
}

/** The reply stream broke the protocol: wrong sequence or port id, or no NLMSG_DONE. */
export class ProtocolError extends NetlinkError {
  constructor(message: string, context: NetlinkErrorContext = {}) {
    super('NLX_ERR_PROTOCOL', message, context);
  }
}

/** Every attempt of a dump was interrupted by concurrent changes (NLM_F_DUMP_INTR). */
export class DumpInterruptedError extends NetlinkError {
  readonly restarts: number;

  constructor(restarts: number, context: NetlinkErrorContext = {}) {
    super(
      'NLX_ERR_DUMP_INTERRUPTED',
      `dump was interrupted by concurrent changes ${restarts + 1} times in a row`,
      context,
    );
    this.restarts = restarts;
  }
}

/** The socket's receive buffer overflowed (ENOBUFS) and messages were lost. */
export class ReceiveOverflowError extends NetlinkError {
  constructor(context: NetlinkErrorContext = {}) {
    super(
      'NLX_ERR_ENOBUFS',
      'receive buffer overflowed and messages were lost (ENOBUFS)',
      context,
      errnoValue('ENOBUFS'),
    );
  }
}

/** The kernel reported NLMSG_OVERRUN: data was lost. */
export class OverrunError extends NetlinkError {
  constructor(context: NetlinkErrorContext = {}) {
    super('NLX_ERR_OVERRUN', 'kernel reported NLMSG_OVERRUN (data lost)', context);
  }
}

/** The caller's AbortSignal fired (for example a scrape deadline); the socket was closed. */
export class AbortedError extends NetlinkError {
  constructor(context: NetlinkErrorContext = {}) {
    super('NLX_ERR_ABORTED', 'request aborted before the reply was complete', context);
  }
}

/** The socket was closed while a request was pending or before it was sent. */
export class ClosedError extends NetlinkError {
  constructor(context: NetlinkErrorContext = {}) {
    super('NLX_ERR_CLOSED', 'socket is closed', context);
  }
}

const UNAVAILABLE = new Set([
  'ENOENT',
  'ENODEV',
  'EOPNOTSUPP',
  'ENOTSUP',
  'EPROTONOSUPPORT',
  'EAFNOSUPPORT',
]);
const FORBIDDEN = new Set(['EPERM', 'EACCES']);

/** Reports whether `err` means the kernel lacks the feature (family, module, device). */
export function isUnavailable(err: unknown): boolean {
  return (
    err instanceof NetlinkError && err.errnoName !== undefined && UNAVAILABLE.has(err.errnoName)
  );
}

/** Reports whether `err` means the kernel rejected the caller's privileges. */
export function isForbidden(err: unknown): boolean {
  return err instanceof NetlinkError && err.errnoName !== undefined && FORBIDDEN.has(err.errnoName);
}
