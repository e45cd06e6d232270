// Requests for NETLINK_SOCK_DIAG dumps: inet sockets of one address family and protocol, and
// UNIX sockets. Each reply is added to tallies while its messages are walked.

import { AttrBuilder } from '../../netlink/attr.js';
import type { MessageSink } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import {
  AF_INET,
  AF_UNIX,
  ALL_STATES,
  INET_DIAG_EXT_INFO,
  INET_DIAG_EXT_SKMEMINFO,
  INET_DIAG_REQ_PROTOCOL,
  INET_DIAG_REQ_V2_LEN,
  IPPROTO_MPTCP,
  IPPROTO_RAW,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DIAG_BY_FAMILY,
  UDIAG_SHOW_MEMINFO,
  UDIAG_SHOW_RQLEN,
  UNIX_DIAG_REQ_LEN,
} from './constants.js';
import { type SocketTally, tallyInetMessage, tallyUnixMessage, type UnixTallies } from './parse.js';

/** Options of a dump: deadline signal and restart limit. */
export type DumpOptions = Omit<RequestOptions, 'op'>;

/** The body of a request: the fixed header and the attributes. */
export interface DiagRequest {
  readonly header: Uint8Array;
  readonly attrs: Uint8Array | undefined;
}

/**
 * Builds a struct inet_diag_req_v2 dump request for the sockets of `family` and `protocol`
 * whose state bit is set in `states` (all by default). Every protocol requests the memory
 * info, and TCP requests struct tcp_info too.
 *
 * A protocol above 255 (MPTCP) goes into INET_DIAG_REQ_PROTOCOL with `sdiag_protocol` 0. A
 * kernel that predates the attribute ignores it and rejects protocol 0 with ENOENT, so it
 * cannot answer with the TCP sockets that the low byte 6 would select.
 */
export function inetDiagRequest(
  family: number,
  protocol: number,
  states = ALL_STATES,
): DiagRequest {
  const header = Buffer.alloc(INET_DIAG_REQ_V2_LEN);
  header[0] = family;
  header[1] = protocol > 0xff ? 0 : protocol;
  header[2] = INET_DIAG_EXT_SKMEMINFO | (protocol === IPPROTO_TCP ? INET_DIAG_EXT_INFO : 0);
  // sdiag_raw_protocol: IPPROTO_RAW matches raw sockets of every protocol.
  header[3] = protocol === IPPROTO_RAW ? IPPROTO_RAW : 0;
  header.writeUInt32LE(states, 4);
  const attrs =
    protocol > 0xff
      ? new AttrBuilder().u32(INET_DIAG_REQ_PROTOCOL, protocol).toBuffer()
      : undefined;
  return { header, attrs };
}

/** Builds a struct unix_diag_req dump request for every UNIX socket with queues and memory info. */
export function unixDiagRequest(): DiagRequest {
  const header = Buffer.alloc(UNIX_DIAG_REQ_LEN);
  header[0] = AF_UNIX;
  header.writeUInt32LE(ALL_STATES, 4);
  header.writeUInt32LE(UDIAG_SHOW_RQLEN | UDIAG_SHOW_MEMINFO, 12);
  return { header, attrs: undefined };
}

// NB: the sinks are classes rather than object literals with arrow functions. Optimized code
// inlines the sink it was compiled for, and once a per-dump closure was collected, V8
// deoptimized the whole decoding path and compiled it again on every scrape.

/** MessageSink that adds every inet socket to one tally. */
class InetTallySink implements MessageSink {
  constructor(
    private readonly tally: SocketTally,
    private readonly tcpInfo: boolean,
  ) {}

  message(buf: Buffer, type: number, _flags: number, start: number, end: number): void {
    if (type === SOCK_DIAG_BY_FAMILY) tallyInetMessage(this.tally, buf, start, end, this.tcpInfo);
  }

  restart(): void {
    this.tally.reset();
  }
}

/** MessageSink that adds every UNIX socket to the tally of its type; a restart resets them. */
class UnixTallySink implements MessageSink {
  private readonly touched = new Set<SocketTally>();
  private readonly tallyOf: UnixTallies;

  constructor(tallyOf: UnixTallies) {
    this.tallyOf = (type) => {
      const tally = tallyOf(type);
      this.touched.add(tally);
      return tally;
    };
  }

  message(buf: Buffer, type: number, _flags: number, start: number, end: number): void {
    if (type === SOCK_DIAG_BY_FAMILY) tallyUnixMessage(this.tallyOf, buf, start, end);
  }

  restart(): void {
    for (const tally of this.touched) tally.reset();
  }
}

/**
 * Dumps the sockets of `family` and `protocol` whose state bit is in `states` and adds each
 * to `tally` as its datagram arrives. A restarted dump resets `tally` first. Returns the
 * restarts the dump took (NLM_F_DUMP_INTR). Rejects with the netlink layer's errors: KernelError with ENOENT when the kernel lacks the protocol's diag module
 * (raw_diag, mptcp_diag).
 */
export async function dumpInetSockets(
  socket: NetlinkSocket,
  family: number,
  protocol: number,
  tally: SocketTally,
  opts: DumpOptions = {},
  states = ALL_STATES,
): Promise<number> {
  const request = inetDiagRequest(family, protocol, states);
  const tcpInfo = protocol === IPPROTO_TCP;
  const { restarts } = await socket.dumpInto(
    SOCK_DIAG_BY_FAMILY,
    request.header,
    request.attrs,
    {
      ...opts,
      op: `dump SOCK_DIAG_BY_FAMILY ${family === AF_INET ? 'AF_INET' : 'AF_INET6'} ${protocolOp(protocol)}`,
    },
    new InetTallySink(tally, tcpInfo),
  );
  return restarts;
}

/**
 * Dumps every UNIX socket and adds each to the tally that `tallyOf` returns for its type,
 * resetting those tallies when the dump restarts.
 * Returns the restarts the dump took. Rejects with the netlink layer's errors.
 */
export async function dumpUnixSockets(
  socket: NetlinkSocket,
  tallyOf: UnixTallies,
  opts: DumpOptions = {},
): Promise<number> {
  const request = unixDiagRequest();
  const { restarts } = await socket.dumpInto(
    SOCK_DIAG_BY_FAMILY,
    request.header,
    request.attrs,
    { ...opts, op: 'dump SOCK_DIAG_BY_FAMILY AF_UNIX' },
    new UnixTallySink(tallyOf),
  );
  return restarts;
}

const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  [IPPROTO_TCP]: 'IPPROTO_TCP',
  [IPPROTO_UDP]: 'IPPROTO_UDP',
  [IPPROTO_RAW]: 'IPPROTO_RAW',
  [IPPROTO_MPTCP]: 'IPPROTO_MPTCP',
};

function protocolOp(protocol: number): string {
  return PROTOCOL_NAMES[protocol] ?? `protocol ${protocol}`;
}
