// Requests for NETLINK_ROUTE dumps: links, addresses, routes and neighbours. Each dump is
// one request whose whole reply is decoded into snapshots.

import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import {
  IFADDRMSG_LEN,
  IFINFOMSG_LEN,
  NDMSG_LEN,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETNEIGH,
  RTM_GETROUTE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWNEIGH,
  RTM_NEWROUTE,
  RTMSG_LEN,
} from './constants.js';
import {
  type AddressSnapshot,
  type LinkSnapshot,
  type NeighbourSnapshot,
  parseAddress,
  parseLink,
  parseNeighbour,
  parseRoute,
  type RouteSnapshot,
} from './parse.js';

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
): Promise<DumpResult<T>> {
  const result = await socket.dump(request, header, undefined, { ...opts, op });
  const items: T[] = [];
  forEachMessage(result.datagrams, (buf, type, _flags, payload, end) => {
    if (type === reply) items.push(parse(buf, payload, end));
  });
  return { items, restarts: result.restarts };
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

/** Dumps every route of `family` (AF_UNSPEC for all) in every table with RTM_GETROUTE. */
export function dumpRoutes(
  socket: NetlinkSocket,
  family = 0,
  opts: DumpOptions = {},
): Promise<DumpResult<RouteSnapshot>> {
  const header = new Uint8Array(RTMSG_LEN);
  header[0] = family;
  return dumpAll(socket, RTM_GETROUTE, RTM_NEWROUTE, header, 'dump RTM_GETROUTE', parseRoute, opts);
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
