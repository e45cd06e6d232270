// Parsers from ethtool generic netlink replies to readonly snapshots. Each takes the message
// body after the nlmsghdr: the 4-byte genlmsghdr, then the attributes of
// <linux/ethtool_netlink.h>, checked against Linux 6.1 and 6.18. No I/O, no logging.

import { GENL_HDRLEN } from '../../genl/family.js';
import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  ETHTOOL_A_FEC_HEADER,
  ETHTOOL_A_FEC_STAT_CORR_BITS,
  ETHTOOL_A_FEC_STAT_CORRECTED,
  ETHTOOL_A_FEC_STAT_UNCORR,
  ETHTOOL_A_FEC_STATS,
  ETHTOOL_A_HEADER_DEV_INDEX,
  ETHTOOL_A_HEADER_DEV_NAME,
  ETHTOOL_A_LINKINFO_HEADER,
  ETHTOOL_A_LINKINFO_PORT,
  ETHTOOL_A_LINKMODES_AUTONEG,
  ETHTOOL_A_LINKMODES_DUPLEX,
  ETHTOOL_A_LINKMODES_HEADER,
  ETHTOOL_A_LINKMODES_SPEED,
  ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT,
  ETHTOOL_A_LINKSTATE_EXT_STATE,
  ETHTOOL_A_LINKSTATE_EXT_SUBSTATE,
  ETHTOOL_A_LINKSTATE_HEADER,
  ETHTOOL_A_LINKSTATE_LINK,
  ETHTOOL_A_PAUSE_HEADER,
  ETHTOOL_A_PAUSE_STAT_RX_FRAMES,
  ETHTOOL_A_PAUSE_STAT_TX_FRAMES,
  ETHTOOL_A_PAUSE_STATS,
  ETHTOOL_A_STATS_GRP,
  ETHTOOL_A_STATS_GRP_ID,
  ETHTOOL_A_STATS_GRP_SS_ID,
  ETHTOOL_A_STATS_GRP_STAT,
  ETHTOOL_A_STATS_HEADER,
  ETHTOOL_A_STRING_INDEX,
  ETHTOOL_A_STRING_VALUE,
  ETHTOOL_A_STRINGS_STRING,
  ETHTOOL_A_STRINGSET_COUNT,
  ETHTOOL_A_STRINGSET_ID,
  ETHTOOL_A_STRINGSET_STRINGS,
  ETHTOOL_A_STRINGSETS_STRINGSET,
  ETHTOOL_A_STRSET_STRINGSETS,
  ETHTOOL_STAT_NOT_SET,
} from './constants.js';

/** The device a reply is about, from its ETHTOOL_A_*_HEADER nest. */
export interface DeviceHeader {
  readonly index: number;
  /** Interface name; empty when the kernel sent none. */
  readonly name: string;
}

/** One string set from ETHTOOL_MSG_STRSET_GET_REPLY: strings by index. */
export interface StringSet {
  readonly id: number;
  /** Strings in index order; an index the kernel did not send is an empty string. */
  readonly strings: readonly string[];
}

/** One statistic of a standard group: its index within the group and its value. */
export interface StatValue {
  readonly index: number;
  readonly value: bigint;
}

/** One standard statistics group (ETHTOOL_A_STATS_GRP) of a device. */
export interface StatsGroup {
  /** Group id (ETHTOOL_STATS_*), the bit of the group in the request. */
  readonly id: number;
  /** String set that names the group's statistics (ETHTOOL_A_STATS_GRP_SS_ID). */
  readonly stringSet: number | undefined;
  /** Statistics the driver filled in; ETHTOOL_STAT_NOT_SET values are left out. */
  readonly stats: readonly StatValue[];
}

/** A device's standard statistics from ETHTOOL_MSG_STATS_GET_REPLY. */
export interface StatsSnapshot {
  readonly device: DeviceHeader;
  readonly groups: readonly StatsGroup[];
}

/** A device's connector from ETHTOOL_MSG_LINKINFO_GET_REPLY. */
export interface LinkInfoSnapshot {
  readonly device: DeviceHeader;
  /** Connector type (PORT_*). */
  readonly port: number | undefined;
}

/** A device's link settings from ETHTOOL_MSG_LINKMODES_GET_REPLY. */
export interface LinkModesSnapshot {
  readonly device: DeviceHeader;
  /** AUTONEG_DISABLE (0) or AUTONEG_ENABLE (1). */
  readonly autoneg: number | undefined;
  /** Speed in Mb/s; SPEED_UNKNOWN (0xffffffff) when the link has none. */
  readonly speed: number | undefined;
  /** DUPLEX_HALF (0), DUPLEX_FULL (1) or DUPLEX_UNKNOWN (255). */
  readonly duplex: number | undefined;
}

/** A device's link state from ETHTOOL_MSG_LINKSTATE_GET_REPLY. */
export interface LinkStateSnapshot {
  readonly device: DeviceHeader;
  /** 1 when a link is detected; undefined when the driver cannot tell. */
  readonly link: number | undefined;
  /** Extended state (enum ethtool_link_ext_state) when the driver reports why a link is down. */
  readonly extState: number | undefined;
  readonly extSubstate: number | undefined;
  /** Link-down events counted by the driver or PHY; only newer kernels report them. */
  readonly downEvents: number | undefined;
}

/** A device's pause frame counters from ETHTOOL_MSG_PAUSE_GET_REPLY with ETHTOOL_FLAG_STATS. */
export interface PauseSnapshot {
  readonly device: DeviceHeader;
  readonly txFrames: bigint | undefined;
  readonly rxFrames: bigint | undefined;
}

/** A device's FEC counters from ETHTOOL_MSG_FEC_GET_REPLY with ETHTOOL_FLAG_STATS. */
export interface FecSnapshot {
  readonly device: DeviceHeader;
  /** Blocks corrected, summed over lanes (the first element of the per-lane array). */
  readonly corrected: bigint | undefined;
  readonly uncorrectable: bigint | undefined;
  readonly correctedBits: bigint | undefined;
}

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

function parseHeader(header: AttrCursor): DeviceHeader {
  let index = 0;
  let name = '';
  while (header.next()) {
    switch (header.type) {
      case ETHTOOL_A_HEADER_DEV_INDEX:
        index = header.u32('ETHTOOL_A_HEADER_DEV_INDEX');
        break;
      case ETHTOOL_A_HEADER_DEV_NAME:
        name = header.str('ETHTOOL_A_HEADER_DEV_NAME');
        break;
    }
  }
  return { index, name };
}

const NO_DEVICE: DeviceHeader = { index: 0, name: '' };

/** Reads a u64 counter and maps ETHTOOL_STAT_NOT_SET to undefined. */
function counter(cursor: AttrCursor, name: string): bigint | undefined {
  const value = cursor.u64(name);
  return value === ETHTOOL_STAT_NOT_SET ? undefined : value;
}

/**
 * Reads the total (first element) of a per-lane u64 array such as ETHTOOL_A_FEC_STAT_*.
 * NB: the kernel sends an empty array for a counter the driver did not fill in.
 */
function arrayTotal(cursor: AttrCursor, name: string): bigint | undefined {
  if (cursor.length === 0) return undefined;
  if (cursor.length % 8 !== 0) {
    throw new DecodeError(`${cursor.path}/${name}`, 'expected an array of u64', cursor.length);
  }
  const value = cursor.bigEndian
    ? cursor.buf.readBigUInt64BE(cursor.offset)
    : cursor.buf.readBigUInt64LE(cursor.offset);
  return value === ETHTOOL_STAT_NOT_SET ? undefined : value;
}

/** Parses one ETHTOOL_MSG_STRSET_GET_REPLY into its string sets. Throws DecodeError. */
export function parseStringSets(buf: Buffer, start: number, end: number): StringSet[] {
  const cursor = attributes(buf, start, end, 'ETHTOOL_MSG_STRSET_GET_REPLY');
  const sets: StringSet[] = [];
  while (cursor.next()) {
    if (cursor.type !== ETHTOOL_A_STRSET_STRINGSETS) continue;
    const list = cursor.nested('ETHTOOL_A_STRSET_STRINGSETS');
    while (list.next()) {
      if (list.type === ETHTOOL_A_STRINGSETS_STRINGSET) {
        sets.push(parseStringSet(list.nested('ETHTOOL_A_STRINGSETS_STRINGSET')));
      }
    }
  }
  return sets;
}

function parseStringSet(set: AttrCursor): StringSet {
  let id = 0;
  let count = 0;
  const strings: string[] = [];
  while (set.next()) {
    switch (set.type) {
      case ETHTOOL_A_STRINGSET_ID:
        id = set.u32('ETHTOOL_A_STRINGSET_ID');
        break;
      case ETHTOOL_A_STRINGSET_COUNT:
        count = set.u32('ETHTOOL_A_STRINGSET_COUNT');
        break;
      case ETHTOOL_A_STRINGSET_STRINGS:
        parseStrings(set.nested('ETHTOOL_A_STRINGSET_STRINGS'), strings);
        break;
    }
  }
  // NB: a string set contains at most a few hundred strings; a larger count is a bad message,
  // and trusting it would allocate without bound.
  if (count > 0xffff) {
    throw new DecodeError(
      `${set.path}/ETHTOOL_A_STRINGSET_COUNT`,
      `count ${count} is implausible`,
      4,
    );
  }
  while (strings.length < count) strings.push('');
  for (let i = 0; i < strings.length; i++) strings[i] ??= '';
  return { id, strings };
}

function parseStrings(list: AttrCursor, strings: string[]): void {
  while (list.next()) {
    if (list.type !== ETHTOOL_A_STRINGS_STRING) continue;
    const entry = list.nested('ETHTOOL_A_STRINGS_STRING');
    let index: number | undefined;
    let value = '';
    while (entry.next()) {
      switch (entry.type) {
        case ETHTOOL_A_STRING_INDEX:
          index = entry.u32('ETHTOOL_A_STRING_INDEX');
          break;
        // NB: the kernel sends an empty string as a single NUL byte.
        case ETHTOOL_A_STRING_VALUE:
          value = entry.length <= 1 ? '' : entry.str('ETHTOOL_A_STRING_VALUE');
          break;
      }
    }
    if (index === undefined || index > 0xffff) {
      throw new DecodeError(`${entry.path}`, `string index ${index} is missing or implausible`, 0);
    }
    strings[index] = value;
  }
}

/** Parses one ETHTOOL_MSG_STATS_GET_REPLY. Throws DecodeError. */
export function parseStats(buf: Buffer, start: number, end: number): StatsSnapshot {
  const cursor = attributes(buf, start, end, 'ETHTOOL_MSG_STATS_GET_REPLY');
  let device = NO_DEVICE;
  const groups: StatsGroup[] = [];
  while (cursor.next()) {
    switch (cursor.type) {
      case ETHTOOL_A_STATS_HEADER:
        device = parseHeader(cursor.nested('ETHTOOL_A_STATS_HEADER'));
        break;
      case ETHTOOL_A_STATS_GRP:
        groups.push(parseGroup(cursor.nested('ETHTOOL_A_STATS_GRP')));
        break;
    }
  }
  return { device, groups };
}

function parseGroup(group: AttrCursor): StatsGroup {
  let id = -1;
  let stringSet: number | undefined;
  const stats: StatValue[] = [];
  while (group.next()) {
    switch (group.type) {
      case ETHTOOL_A_STATS_GRP_ID:
        id = group.u32('ETHTOOL_A_STATS_GRP_ID');
        break;
      case ETHTOOL_A_STATS_GRP_SS_ID:
        stringSet = group.u32('ETHTOOL_A_STATS_GRP_SS_ID');
        break;
      case ETHTOOL_A_STATS_GRP_STAT:
        parseStat(group.nested('ETHTOOL_A_STATS_GRP_STAT'), stats);
        break;
    }
  }
  if (id < 0) throw new DecodeError(`${group.path}/ETHTOOL_A_STATS_GRP_ID`, 'missing', 0);
  return { id, stringSet, stats };
}

/** NB: the nest contains one attribute whose type is the statistic's index in its group. */
function parseStat(stat: AttrCursor, stats: StatValue[]): void {
  while (stat.next()) {
    const value = counter(stat, `statistic ${stat.type}`);
    if (value !== undefined) stats.push({ index: stat.type, value });
  }
}

/** Parses one ETHTOOL_MSG_LINKINFO_GET_REPLY. Throws DecodeError. */
export function parseLinkInfo(buf: Buffer, start: number, end: number): LinkInfoSnapshot {
  const cursor = attributes(buf, start, end, 'ETHTOOL_MSG_LINKINFO_GET_REPLY');
  let device = NO_DEVICE;
  let port: number | undefined;
  while (cursor.next()) {
    switch (cursor.type) {
      case ETHTOOL_A_LINKINFO_HEADER:
        device = parseHeader(cursor.nested('ETHTOOL_A_LINKINFO_HEADER'));
        break;
      case ETHTOOL_A_LINKINFO_PORT:
        port = cursor.u8('ETHTOOL_A_LINKINFO_PORT');
        break;
    }
  }
  return { device, port };
}

/** Parses one ETHTOOL_MSG_LINKMODES_GET_REPLY (the bit sets of link modes are skipped). */
export function parseLinkModes(buf: Buffer, start: number, end: number): LinkModesSnapshot {
  const cursor = attributes(buf, start, end, 'ETHTOOL_MSG_LINKMODES_GET_REPLY');
  let device = NO_DEVICE;
  let autoneg: number | undefined;
  let speed: number | undefined;
  let duplex: number | undefined;
  while (cursor.next()) {
    switch (cursor.type) {
      case ETHTOOL_A_LINKMODES_HEADER:
        device = parseHeader(cursor.nested('ETHTOOL_A_LINKMODES_HEADER'));
        break;
      case ETHTOOL_A_LINKMODES_AUTONEG:
        autoneg = cursor.u8('ETHTOOL_A_LINKMODES_AUTONEG');
        break;
      case ETHTOOL_A_LINKMODES_SPEED:
        speed = cursor.u32('ETHTOOL_A_LINKMODES_SPEED');
        break;
      case ETHTOOL_A_LINKMODES_DUPLEX:
        duplex = cursor.u8('ETHTOOL_A_LINKMODES_DUPLEX');
        break;
    }
  }
  return { device, autoneg, speed, duplex };
}

/** Parses one ETHTOOL_MSG_LINKSTATE_GET_REPLY. Throws DecodeError. */
export function parseLinkState(buf: Buffer, start: number, end: number): LinkStateSnapshot {
  const cursor = attributes(buf, start, end, 'ETHTOOL_MSG_LINKSTATE_GET_REPLY');
  let device = NO_DEVICE;
  let link: number | undefined;
  let extState: number | undefined;
  let extSubstate: number | undefined;
  let downEvents: number | undefined;
  while (cursor.next()) {
    switch (cursor.type) {
      case ETHTOOL_A_LINKSTATE_HEADER:
        device = parseHeader(cursor.nested('ETHTOOL_A_LINKSTATE_HEADER'));
        break;
      case ETHTOOL_A_LINKSTATE_LINK:
        link = cursor.u8('ETHTOOL_A_LINKSTATE_LINK');
        break;
      case ETHTOOL_A_LINKSTATE_EXT_STATE:
        extState = cursor.u8('ETHTOOL_A_LINKSTATE_EXT_STATE');
        break;
      case ETHTOOL_A_LINKSTATE_EXT_SUBSTATE:
        extSubstate = cursor.u8('ETHTOOL_A_LINKSTATE_EXT_SUBSTATE');
        break;
      case ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT:
        downEvents = cursor.u32('ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT');
        break;
    }
  }
  return { device, link, extState, extSubstate, downEvents };
}

/** Parses one ETHTOOL_MSG_PAUSE_GET_REPLY (only its statistics). Throws DecodeError. */
export function parsePause(buf: Buffer, start: number, end: number): PauseSnapshot {
  const cursor = attributes(buf, start, end, 'ETHTOOL_MSG_PAUSE_GET_REPLY');
  let device = NO_DEVICE;
  let txFrames: bigint | undefined;
  let rxFrames: bigint | undefined;
  while (cursor.next()) {
    if (cursor.type === ETHTOOL_A_PAUSE_HEADER) {
      device = parseHeader(cursor.nested('ETHTOOL_A_PAUSE_HEADER'));
    } else if (cursor.type === ETHTOOL_A_PAUSE_STATS) {
      const stats = cursor.nested('ETHTOOL_A_PAUSE_STATS');
      while (stats.next()) {
        switch (stats.type) {
          case ETHTOOL_A_PAUSE_STAT_TX_FRAMES:
            txFrames = counter(stats, 'ETHTOOL_A_PAUSE_STAT_TX_FRAMES');
            break;
          case ETHTOOL_A_PAUSE_STAT_RX_FRAMES:
            rxFrames = counter(stats, 'ETHTOOL_A_PAUSE_STAT_RX_FRAMES');
            break;
        }
      }
    }
  }
  return { device, txFrames, rxFrames };
}

/** Parses one ETHTOOL_MSG_FEC_GET_REPLY (only its statistics). Throws DecodeError. */
export function parseFec(buf: Buffer, start: number, end: number): FecSnapshot {
  const cursor = attributes(buf, start, end, 'ETHTOOL_MSG_FEC_GET_REPLY');
  let device = NO_DEVICE;
  let corrected: bigint | undefined;
  let uncorrectable: bigint | undefined;
  let correctedBits: bigint | undefined;
  while (cursor.next()) {
    if (cursor.type === ETHTOOL_A_FEC_HEADER) {
      device = parseHeader(cursor.nested('ETHTOOL_A_FEC_HEADER'));
    } else if (cursor.type === ETHTOOL_A_FEC_STATS) {
      const stats = cursor.nested('ETHTOOL_A_FEC_STATS');
      while (stats.next()) {
        switch (stats.type) {
          case ETHTOOL_A_FEC_STAT_CORRECTED:
            corrected = arrayTotal(stats, 'ETHTOOL_A_FEC_STAT_CORRECTED');
            break;
          case ETHTOOL_A_FEC_STAT_UNCORR:
            uncorrectable = arrayTotal(stats, 'ETHTOOL_A_FEC_STAT_UNCORR');
            break;
          case ETHTOOL_A_FEC_STAT_CORR_BITS:
            correctedBits = arrayTotal(stats, 'ETHTOOL_A_FEC_STAT_CORR_BITS');
            break;
        }
      }
    }
  }
  return { device, corrected, uncorrectable, correctedBits };
}
