// Requests for NETLINK_ROUTE dumps: links, addresses, routes and neighbours. Each dump is
// one request whose messages are decoded into snapshots as its datagrams arrive.

import { AttrBuilder } from '../../netlink/attr.js';
import { forEachMessage, type MessageSink } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import { keepShape } from '../../shape.js';
import {
  AF_BRIDGE,
  AF_UNSPEC,
  FIB_RULE_HDR_LEN,
  IF_STATS_MSG_LEN,
  IFADDRMSG_LEN,
  IFINFOMSG_LEN,
  IFLA_EXT_MASK,
  NDMSG_LEN,
  NHMSG_LEN,
  RTEXT_FILTER_SKIP_STATS,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETNEIGH,
  RTM_GETNEXTHOP,
  RTM_GETROUTE,
  RTM_GETRULE,
  RTM_GETSTATS,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWNEIGH,
  RTM_NEWNEXTHOP,
  RTM_NEWROUTE,
  RTM_NEWRULE,
  RTM_NEWSTATS,
  RTMSG_LEN,
} from './constants.js';
import {
  type AddressSnapshot,
  type LinkSnapshot,
  type NeighbourSnapshot,
  parseAddress,
  parseLink,
  parseNeighbour,
  RouteTable,
} from './parse.js';
import {
  type FdbEntrySnapshot,
  type LinkStatsSnapshot,
  type NexthopSnapshot,
  parseFdbEntry,
  parseNexthop,
  parseRule,
  parseStats,
  type RuleSnapshot,
} from './stats.js';

/** Objects of one dump and the restarts it took (NLM_F_DUMP_INTR). */
export interface DumpResult<T> {
  readonly items: readonly T[];
  readonly restarts: number;
}

/** Options of a dump: deadline signal and restart limit. */
export type DumpOptions = Omit<RequestOptions, 'op'>;

async function dumpAll<T>(
  socket: NetlinkSocket,
  request: number,
  reply: number,
  header: Uint8Array,
  op: string,
  parse: (buf: Buffer, start: number, end: number) => T,
  opts: DumpOptions,
  attrs?: Uint8Array,
): Promise<DumpResult<T>> {
  return socket.dumpItems(request, header, attrs, { ...opts, op }, reply, parse);
}

/** Dumps every link (RTM_GETLINK). Rejects with the netlink layer's errors. */
export function dumpLinks(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<DumpResult<LinkSnapshot>> {
  return dumpAll(
    socket,
    RTM_GETLINK,
    RTM_NEWLINK,
    new Uint8Array(IFINFOMSG_LEN),
    'dump RTM_GETLINK',
    parseLink,
    opts,
  );
}

/** Dumps every address of `family` (AF_UNSPEC for all) with RTM_GETADDR. */
export function dumpAddresses(
  socket: NetlinkSocket,
  family = 0,
  opts: DumpOptions = {},
): Promise<DumpResult<AddressSnapshot>> {
  const header = new Uint8Array(IFADDRMSG_LEN);
  header[0] = family;
  return dumpAll(socket, RTM_GETADDR, RTM_NEWADDR, header, 'dump RTM_GETADDR', parseAddress, opts);
}

/** MessageSink that decodes RTM_NEWROUTE messages into a RouteTable. */
export class RouteSink implements MessageSink {
  readonly routes = new RouteTable();

  message(buf: Buffer, type: number, _flags: number, payload: number, end: number): void {
    if (type === RTM_NEWROUTE) this.routes.append(buf, payload, end);
  }

  restart(): void {
    this.routes.clear();
  }
}

keepShape(new RouteSink());

/** Dumps every route of `family` (AF_UNSPEC for all) in every table with RTM_GETROUTE. */
export async function dumpRoutes(
  socket: NetlinkSocket,
  family = 0,
  opts: DumpOptions = {},
): Promise<{ readonly routes: RouteTable; readonly restarts: number }> {
  const header = new Uint8Array(RTMSG_LEN);
  header[0] = family;
  const sink = new RouteSink();
  const { restarts } = await socket.dumpInto(
    RTM_GETROUTE,
    header,
    undefined,
    { ...opts, op: 'dump RTM_GETROUTE' },
    sink,
  );
  return { routes: sink.routes, restarts };
}

/** Dumps every neighbour of `family` (AF_UNSPEC for all) with RTM_GETNEIGH. */
export function dumpNeighbours(
  socket: NetlinkSocket,
  family = 0,
  opts: DumpOptions = {},
): Promise<DumpResult<NeighbourSnapshot>> {
  const header = new Uint8Array(NDMSG_LEN);
  header[0] = family;
  return dumpAll(
    socket,
    RTM_GETNEIGH,
    RTM_NEWNEIGH,
    header,
    'dump RTM_GETNEIGH',
    parseNeighbour,
    opts,
  );
}

/**
 * Dumps every link with IFLA_EXT_MASK set to RTEXT_FILTER_SKIP_STATS, for callers that need
 * names, kinds and masters. The kernel then leaves out the IPv6 and VF counters, which made
 * the reply about a quarter smaller on Linux 6.18; IFLA_STATS64 is still sent.
 */
export function dumpLinksSkipStats(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<DumpResult<LinkSnapshot>> {
  const attrs = new AttrBuilder().u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS).toBuffer();
  return dumpAll(
    socket,
    RTM_GETLINK,
    RTM_NEWLINK,
    new Uint8Array(IFINFOMSG_LEN),
    'dump RTM_GETLINK RTEXT_FILTER_SKIP_STATS',
    parseLink,
    opts,
    attrs,
  );
}

function statsHeader(ifindex: number, filterMask: number): Buffer {
  const header = Buffer.alloc(IF_STATS_MSG_LEN);
  header.writeUInt32LE(ifindex, 4);
  header.writeUInt32LE(filterMask, 8);
  return header;
}

/**
 * Dumps the statistics of every link (RTM_GETSTATS) that `filterMask` selects, one bit per
 * IFLA_STATS_* attribute (statsFilterBit). Rejects with the netlink layer's errors, and with
 * a KernelError on kernels before Linux 4.7, which lack RTM_GETSTATS.
 */
export function dumpStats(
  socket: NetlinkSocket,
  filterMask: number,
  opts: DumpOptions = {},
): Promise<DumpResult<LinkStatsSnapshot>> {
  return dumpAll(
    socket,
    RTM_GETSTATS,
    RTM_NEWSTATS,
    statsHeader(0, filterMask),
    'dump RTM_GETSTATS',
    parseStats,
    opts,
  );
}

/** Requests the statistics of link `ifindex` (RTM_GETSTATS without NLM_F_DUMP). */
export async function getStats(
  socket: NetlinkSocket,
  ifindex: number,
  filterMask: number,
  opts: DumpOptions = {},
): Promise<LinkStatsSnapshot | undefined> {
  const reply = await socket.request(RTM_GETSTATS, 0, statsHeader(ifindex, filterMask), undefined, {
    ...opts,
    op: `get RTM_GETSTATS ifindex ${ifindex}`,
  });
  let stats: LinkStatsSnapshot | undefined;
  forEachMessage(reply.datagrams, (buf, type, _flags, payload, end) => {
    if (type === RTM_NEWSTATS) stats = parseStats(buf, payload, end);
  });
  return stats;
}

/**
 * Dumps the bridge forwarding databases (RTM_GETNEIGH of family AF_BRIDGE). The reply also
 * contains the unicast and multicast address lists of devices outside bridges, which have no
 * NDA_MASTER.
 */
export function dumpBridgeFdb(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<DumpResult<FdbEntrySnapshot>> {
  const header = new Uint8Array(NDMSG_LEN);
  header[0] = AF_BRIDGE;
  return dumpAll(
    socket,
    RTM_GETNEIGH,
    RTM_NEWNEIGH,
    header,
    'dump RTM_GETNEIGH AF_BRIDGE',
    parseFdbEntry,
    opts,
  );
}

/**
 * Dumps the FIB rules of every family that has them (RTM_GETRULE with AF_UNSPEC). Rejects
 * with a KernelError on kernels built without policy routing.
 */
export function dumpRules(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<DumpResult<RuleSnapshot>> {
  const header = new Uint8Array(FIB_RULE_HDR_LEN);
  header[0] = AF_UNSPEC;
  return dumpAll(socket, RTM_GETRULE, RTM_NEWRULE, header, 'dump RTM_GETRULE', parseRule, opts);
}

/** Dumps every nexthop object (RTM_GETNEXTHOP). Kernels before Linux 5.3 reject it. */
export function dumpNexthops(
  socket: NetlinkSocket,
  opts: DumpOptions = {},
): Promise<DumpResult<NexthopSnapshot>> {
  return dumpAll(
    socket,
    RTM_GETNEXTHOP,
    RTM_NEWNEXTHOP,
    new Uint8Array(NHMSG_LEN),
    'dump RTM_GETNEXTHOP',
    parseNexthop,
    opts,
  );
}
