// Parsers from IPVS generic netlink replies (IPVS_CMD_NEW_SERVICE and IPVS_CMD_NEW_DEST
// messages of the GET dumps) to readonly snapshots, after <linux/ip_vs.h> (Linux 6.1).
// Ports are big-endian; every other integer is in host order. No I/O, no logging.

import { GENL_HDRLEN } from '../../genl/family.js';
import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  AF_INET,
  AF_INET6,
  IPVS_CMD_ATTR_DEST,
  IPVS_CMD_ATTR_SERVICE,
  IPVS_DEST_ATTR_ACTIVE_CONNS,
  IPVS_DEST_ATTR_ADDR,
  IPVS_DEST_ATTR_ADDR_FAMILY,
  IPVS_DEST_ATTR_FWD_METHOD,
  IPVS_DEST_ATTR_INACT_CONNS,
  IPVS_DEST_ATTR_PERSIST_CONNS,
  IPVS_DEST_ATTR_PORT,
  IPVS_DEST_ATTR_STATS,
  IPVS_DEST_ATTR_STATS64,
  IPVS_DEST_ATTR_WEIGHT,
  IPVS_STATS_ATTR_CONNS,
  IPVS_STATS_ATTR_CPS,
  IPVS_STATS_ATTR_INBPS,
  IPVS_STATS_ATTR_INBYTES,
  IPVS_STATS_ATTR_INPKTS,
  IPVS_STATS_ATTR_INPPS,
  IPVS_STATS_ATTR_OUTBPS,
  IPVS_STATS_ATTR_OUTBYTES,
  IPVS_STATS_ATTR_OUTPKTS,
  IPVS_STATS_ATTR_OUTPPS,
  IPVS_SVC_ATTR_ADDR,
  IPVS_SVC_ATTR_AF,
  IPVS_SVC_ATTR_FWMARK,
  IPVS_SVC_ATTR_PORT,
  IPVS_SVC_ATTR_PROTOCOL,
  IPVS_SVC_ATTR_SCHED_NAME,
  IPVS_SVC_ATTR_STATS,
  IPVS_SVC_ATTR_STATS64,
} from './constants.js';

/** Counters and rate estimates of a service or destination. */
export interface IpvsStats {
  readonly connections: bigint;
  readonly inPackets: bigint;
  readonly outPackets: bigint;
  readonly inBytes: bigint;
  readonly outBytes: bigint;
  /** Rate estimates of the kernel's estimator (about 2 s averages), per second. */
  readonly connectionsPerSecond: number;
  readonly inPacketsPerSecond: number;
  readonly outPacketsPerSecond: number;
  readonly inBytesPerSecond: number;
  readonly outBytesPerSecond: number;
}

/** One IPVS virtual service. */
export interface IpvsService {
  /** AF_INET or AF_INET6. */
  readonly family: number;
  /** IP protocol number; 0 for a fwmark service. */
  readonly protocol: number;
  /** Virtual address as text; empty for a fwmark service. */
  readonly address: string;
  /** IPVS_SVC_ATTR_ADDR as the kernel sent it, to name the service in a GET_DEST request. */
  readonly addressBytes: Buffer | undefined;
  readonly port: number;
  /** Firewall mark; 0 for an address service. */
  readonly fwmark: number;
  readonly scheduler: string;
  readonly stats: IpvsStats;
}

/** One real server of a service. */
export interface IpvsDestination {
  /** Address family of the real server; may differ from the service's with tunnelling. */
  readonly family: number;
  readonly address: string;
  readonly port: number;
  /** Forwarding method (IP_VS_CONN_F_MASQ, _LOCALNODE, _TUNNEL, _DROUTE, _BYPASS). */
  readonly forward: number;
  readonly weight: number;
  readonly activeConnections: number;
  readonly inactiveConnections: number;
  readonly persistentConnections: number;
  readonly stats: IpvsStats;
}

const ZERO_STATS: IpvsStats = {
  connections: 0n,
  inPackets: 0n,
  outPackets: 0n,
  inBytes: 0n,
  outBytes: 0n,
  connectionsPerSecond: 0,
  inPacketsPerSecond: 0,
  outPacketsPerSecond: 0,
  inBytesPerSecond: 0,
  outBytesPerSecond: 0,
};

function attributes(buf: Buffer, start: number, end: number, what: string): AttrCursor {
  if (end - start < GENL_HDRLEN) {
    throw new DecodeError(
      `${what}/genlmsghdr`,
      `expected at least ${GENL_HDRLEN} bytes`,
      end - start,
    );
  }
  return new AttrCursor(buf, start + GENL_HDRLEN, end, what);
}

function be16(cursor: AttrCursor, name: string): number {
  if (cursor.length !== 2)
    throw new DecodeError(`${cursor.path}/${name}`, 'expected 2 bytes', cursor.length);
  return cursor.buf.readUInt16BE(cursor.offset);
}

/**
 * Formats an address of family `af` from `bytes` (IPv4 in the first 4 of 16 bytes). IPv6 is
 * written in the RFC 5952 form: lower case, the longest run of two or more zero groups as ::.
 */
export function formatAddress(af: number, bytes: Buffer, path: string): string {
  if (af === AF_INET && bytes.length >= 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (af !== AF_INET6 || bytes.length < 16) {
    throw new DecodeError(path, `address of family ${af} in ${bytes.length} bytes`, bytes.length);
  }
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(i * 2));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function parseStats(stats: AttrCursor, wide: boolean): IpvsStats {
  const s: Mutable<IpvsStats> = { ...ZERO_STATS };
  // NB: STATS64 contains u64 values only; the older STATS contains u32 values except the byte counters.
  const u = (name: string): bigint => (wide ? stats.u64(name) : BigInt(stats.u32(name)));
  while (stats.next()) {
    switch (stats.type) {
      case IPVS_STATS_ATTR_CONNS:
        s.connections = u('IPVS_STATS_ATTR_CONNS');
        break;
      case IPVS_STATS_ATTR_INPKTS:
        s.inPackets = u('IPVS_STATS_ATTR_INPKTS');
        break;
      case IPVS_STATS_ATTR_OUTPKTS:
        s.outPackets = u('IPVS_STATS_ATTR_OUTPKTS');
        break;
      case IPVS_STATS_ATTR_INBYTES:
        s.inBytes = stats.u64('IPVS_STATS_ATTR_INBYTES');
        break;
      case IPVS_STATS_ATTR_OUTBYTES:
        s.outBytes = stats.u64('IPVS_STATS_ATTR_OUTBYTES');
        break;
      case IPVS_STATS_ATTR_CPS:
        s.connectionsPerSecond = Number(u('IPVS_STATS_ATTR_CPS'));
        break;
      case IPVS_STATS_ATTR_INPPS:
        s.inPacketsPerSecond = Number(u('IPVS_STATS_ATTR_INPPS'));
        break;
      case IPVS_STATS_ATTR_OUTPPS:
        s.outPacketsPerSecond = Number(u('IPVS_STATS_ATTR_OUTPPS'));
        break;
      case IPVS_STATS_ATTR_INBPS:
        s.inBytesPerSecond = Number(u('IPVS_STATS_ATTR_INBPS'));
        break;
      case IPVS_STATS_ATTR_OUTBPS:
        s.outBytesPerSecond = Number(u('IPVS_STATS_ATTR_OUTBPS'));
        break;
    }
  }
  return s;
}

/** Parses one IPVS_CMD_NEW_SERVICE message of a GET_SERVICE dump. Throws DecodeError. */
export function parseService(buf: Buffer, start: number, end: number): IpvsService {
  const cursor = attributes(buf, start, end, 'IPVS_CMD_NEW_SERVICE');
  while (cursor.next()) {
    if (cursor.type === IPVS_CMD_ATTR_SERVICE)
      return parseServiceAttrs(cursor.nested('IPVS_CMD_ATTR_SERVICE'));
  }
  throw new DecodeError('IPVS_CMD_NEW_SERVICE/IPVS_CMD_ATTR_SERVICE', 'missing', end - start);
}

function parseServiceAttrs(svc: AttrCursor): IpvsService {
  let family = 0;
  let protocol = 0;
  let addressBytes: Buffer | undefined;
  let port = 0;
  let fwmark = 0;
  let scheduler = '';
  let stats: IpvsStats | undefined;
  let stats32: IpvsStats | undefined;
  while (svc.next()) {
    switch (svc.type) {
      case IPVS_SVC_ATTR_AF:
        family = svc.u16('IPVS_SVC_ATTR_AF');
        break;
      case IPVS_SVC_ATTR_PROTOCOL:
        protocol = svc.u16('IPVS_SVC_ATTR_PROTOCOL');
        break;
      case IPVS_SVC_ATTR_ADDR:
        addressBytes = Buffer.from(svc.bytes());
        break;
      case IPVS_SVC_ATTR_PORT:
        port = be16(svc, 'IPVS_SVC_ATTR_PORT');
        break;
      case IPVS_SVC_ATTR_FWMARK:
        fwmark = svc.u32('IPVS_SVC_ATTR_FWMARK');
        break;
      case IPVS_SVC_ATTR_SCHED_NAME:
        scheduler = svc.str('IPVS_SVC_ATTR_SCHED_NAME');
        break;
      case IPVS_SVC_ATTR_STATS:
        stats32 = parseStats(svc.nested('IPVS_SVC_ATTR_STATS'), false);
        break;
      case IPVS_SVC_ATTR_STATS64:
        stats = parseStats(svc.nested('IPVS_SVC_ATTR_STATS64'), true);
        break;
    }
  }
  const address =
    fwmark !== 0 || addressBytes === undefined
      ? ''
      : formatAddress(family, addressBytes, `${svc.path}/IPVS_SVC_ATTR_ADDR`);
  return {
    family,
    protocol,
    address,
    addressBytes,
    port,
    fwmark,
    scheduler,
    stats: stats ?? stats32 ?? ZERO_STATS,
  };
}

/**
 * Parses one IPVS_CMD_NEW_DEST message of a GET_DEST dump; `serviceFamily` is the family of
 * the destination when the kernel does not send IPVS_DEST_ATTR_ADDR_FAMILY (before 4.4).
 */
export function parseDestination(
  buf: Buffer,
  start: number,
  end: number,
  serviceFamily = AF_INET,
): IpvsDestination {
  const cursor = attributes(buf, start, end, 'IPVS_CMD_NEW_DEST');
  while (cursor.next()) {
    if (cursor.type === IPVS_CMD_ATTR_DEST) {
      return parseDestinationAttrs(cursor.nested('IPVS_CMD_ATTR_DEST'), serviceFamily);
    }
  }
  throw new DecodeError('IPVS_CMD_NEW_DEST/IPVS_CMD_ATTR_DEST', 'missing', end - start);
}

function parseDestinationAttrs(dest: AttrCursor, serviceFamily: number): IpvsDestination {
  let family = serviceFamily;
  let addressBytes: Buffer | undefined;
  let port = 0;
  let forward = 0;
  let weight = 0;
  let activeConnections = 0;
  let inactiveConnections = 0;
  let persistentConnections = 0;
  let stats: IpvsStats | undefined;
  let stats32: IpvsStats | undefined;
  while (dest.next()) {
    switch (dest.type) {
      case IPVS_DEST_ATTR_ADDR:
        addressBytes = dest.bytes();
        break;
      case IPVS_DEST_ATTR_PORT:
        port = be16(dest, 'IPVS_DEST_ATTR_PORT');
        break;
      case IPVS_DEST_ATTR_FWD_METHOD:
        forward = dest.u32('IPVS_DEST_ATTR_FWD_METHOD');
        break;
      case IPVS_DEST_ATTR_WEIGHT:
        weight = dest.s32('IPVS_DEST_ATTR_WEIGHT');
        break;
      case IPVS_DEST_ATTR_ACTIVE_CONNS:
        activeConnections = dest.u32('IPVS_DEST_ATTR_ACTIVE_CONNS');
        break;
      case IPVS_DEST_ATTR_INACT_CONNS:
        inactiveConnections = dest.u32('IPVS_DEST_ATTR_INACT_CONNS');
        break;
      case IPVS_DEST_ATTR_PERSIST_CONNS:
        persistentConnections = dest.u32('IPVS_DEST_ATTR_PERSIST_CONNS');
        break;
      case IPVS_DEST_ATTR_ADDR_FAMILY:
        family = dest.u16('IPVS_DEST_ATTR_ADDR_FAMILY');
        break;
      case IPVS_DEST_ATTR_STATS:
        stats32 = parseStats(dest.nested('IPVS_DEST_ATTR_STATS'), false);
        break;
      case IPVS_DEST_ATTR_STATS64:
        stats = parseStats(dest.nested('IPVS_DEST_ATTR_STATS64'), true);
        break;
    }
  }
  if (addressBytes === undefined)
    throw new DecodeError(`${dest.path}/IPVS_DEST_ATTR_ADDR`, 'missing', 0);
  return {
    family,
    address: formatAddress(family, addressBytes, `${dest.path}/IPVS_DEST_ATTR_ADDR`),
    port,
    forward,
    weight,
    activeConnections,
    inactiveConnections,
    persistentConnections,
    stats: stats ?? stats32 ?? ZERO_STATS,
  };
}
