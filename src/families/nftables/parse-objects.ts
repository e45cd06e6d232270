// Parsers from nf_tables dump messages to readonly snapshots: sets, set element lists,
// stateful objects (counters, quotas, limits) and flowtables. Layouts follow
// <linux/netfilter/nf_tables.h> (checked against Linux 6.18); integer attributes are
// big-endian. No I/O, no logging.

import { AttrCursor } from '../../netlink/attr.js';
import { NFGENMSG_LEN, readNfgenHeader } from '../netfilter/nfnetlink.js';
import {
  NFT_OBJECT_COUNTER,
  NFT_OBJECT_LIMIT,
  NFT_OBJECT_QUOTA,
  NFT_SET_ELEM_CATCHALL,
  NFT_SET_ELEM_INTERVAL_END,
  NFTA_FLOWTABLE_FLAGS,
  NFTA_FLOWTABLE_HANDLE,
  NFTA_FLOWTABLE_HOOK,
  NFTA_FLOWTABLE_HOOK_NUM,
  NFTA_FLOWTABLE_HOOK_PRIORITY,
  NFTA_FLOWTABLE_NAME,
  NFTA_FLOWTABLE_TABLE,
  NFTA_LIMIT_BURST,
  NFTA_LIMIT_FLAGS,
  NFTA_LIMIT_RATE,
  NFTA_LIMIT_TYPE,
  NFTA_LIMIT_UNIT,
  NFTA_LIST_ELEM,
  NFTA_OBJ_DATA,
  NFTA_OBJ_HANDLE,
  NFTA_OBJ_NAME,
  NFTA_OBJ_TABLE,
  NFTA_OBJ_TYPE,
  NFTA_QUOTA_BYTES,
  NFTA_QUOTA_CONSUMED,
  NFTA_QUOTA_FLAGS,
  NFTA_SET_COUNT,
  NFTA_SET_DATA_TYPE,
  NFTA_SET_DESC,
  NFTA_SET_DESC_SIZE,
  NFTA_SET_ELEM_FLAGS,
  NFTA_SET_ELEM_LIST_ELEMENTS,
  NFTA_SET_ELEM_LIST_SET,
  NFTA_SET_ELEM_LIST_TABLE,
  NFTA_SET_FLAGS,
  NFTA_SET_HANDLE,
  NFTA_SET_KEY_TYPE,
  NFTA_SET_NAME,
  NFTA_SET_TABLE,
} from './constants.js';
import { type CounterSnapshot, type HookSnapshot, parseCounterData, parseHook } from './parse.js';

/** One set or map from NFT_MSG_NEWSET. */
export interface SetSnapshot {
  readonly family: number;
  readonly table: string;
  readonly name: string;
  readonly handle: bigint | undefined;
  /** NFT_SET_* flags: anonymous, constant, interval, map, timeout ... */
  readonly flags: number;
  /** nft datatype id of the key (see datatypes.ts). */
  readonly keyType: number;
  /** nft datatype id of a map's values; undefined for a plain set. */
  readonly dataType: number | undefined;
  /** Declared maximum number of elements (NFTA_SET_DESC_SIZE); undefined when none was set. */
  readonly size: number | undefined;
  /**
   * Number of elements (NFTA_SET_COUNT, Linux 6.16 and later): an interval counts once and
   * the catch-all element `*` is not counted.
   */
  readonly count: number | undefined;
}

/** Parses one NFT_MSG_NEWSET message. Throws DecodeError. */
export function parseSet(buf: Buffer, start: number, end: number): SetSnapshot {
  const path = 'NFT_MSG_NEWSET';
  const { family } = readNfgenHeader(buf, start, end, path);
  let table = '';
  let name = '';
  let handle: bigint | undefined;
  let flags = 0;
  let keyType = 0;
  let dataType: number | undefined;
  let size: number | undefined;
  let count: number | undefined;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case NFTA_SET_TABLE:
        table = cursor.str('NFTA_SET_TABLE');
        break;
      case NFTA_SET_NAME:
        name = cursor.str('NFTA_SET_NAME');
        break;
      case NFTA_SET_HANDLE:
        handle = cursor.u64('NFTA_SET_HANDLE');
        break;
      case NFTA_SET_FLAGS:
        flags = cursor.u32('NFTA_SET_FLAGS');
        break;
      case NFTA_SET_KEY_TYPE:
        keyType = cursor.u32('NFTA_SET_KEY_TYPE');
        break;
      case NFTA_SET_DATA_TYPE:
        dataType = cursor.u32('NFTA_SET_DATA_TYPE');
        break;
      case NFTA_SET_DESC: {
        const desc = cursor.nested('NFTA_SET_DESC');
        while (desc.next()) {
          if (desc.type === NFTA_SET_DESC_SIZE) size = desc.u32('NFTA_SET_DESC_SIZE');
        }
        break;
      }
      case NFTA_SET_COUNT:
        count = cursor.u32('NFTA_SET_COUNT');
        break;
    }
  }
  return { family, table, name, handle, flags, keyType, dataType, size, count };
}

/** Elements of one NFT_MSG_NEWSETELEM message of a GETSETELEM dump. */
export interface SetElementsSnapshot {
  readonly family: number;
  readonly table: string;
  readonly set: string;
  /**
   * Elements as NFTA_SET_COUNT counts them: every element except the closing element of an
   * interval (NFT_SET_ELEM_INTERVAL_END), which the kernel stores separately for interval
   * sets, and except the catch-all element `*` (NFT_SET_ELEM_CATCHALL).
   */
  readonly elements: number;
}

/** Parses one NFT_MSG_NEWSETELEM message and counts its elements. Throws DecodeError. */
export function parseSetElements(buf: Buffer, start: number, end: number): SetElementsSnapshot {
  const path = 'NFT_MSG_NEWSETELEM';
  const { family } = readNfgenHeader(buf, start, end, path);
  let table = '';
  let set = '';
  let elements = 0;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case NFTA_SET_ELEM_LIST_TABLE:
        table = cursor.str('NFTA_SET_ELEM_LIST_TABLE');
        break;
      case NFTA_SET_ELEM_LIST_SET:
        set = cursor.str('NFTA_SET_ELEM_LIST_SET');
        break;
      case NFTA_SET_ELEM_LIST_ELEMENTS:
        elements += countElements(cursor.nested('NFTA_SET_ELEM_LIST_ELEMENTS'));
        break;
    }
  }
  return { family, table, set, elements };
}

function countElements(list: AttrCursor): number {
  let count = 0;
  while (list.next()) {
    if (list.type !== NFTA_LIST_ELEM) continue;
    const element = list.nested('NFTA_LIST_ELEM');
    let flags = 0;
    while (element.next()) {
      if (element.type === NFTA_SET_ELEM_FLAGS) flags = element.u32('NFTA_SET_ELEM_FLAGS');
    }
    if ((flags & (NFT_SET_ELEM_INTERVAL_END | NFT_SET_ELEM_CATCHALL)) === 0) count++;
  }
  return count;
}

/** Values of a quota object. */
export interface QuotaSnapshot {
  /** Quota in bytes. */
  readonly bytes: bigint;
  /** Bytes consumed so far. */
  readonly consumed: bigint;
  /** NFT_QUOTA_F_* flags: inverted (`over`), depleted. */
  readonly flags: number;
}

/** Values of a limit object. */
export interface LimitSnapshot {
  /** Tokens (packets or bytes) per `unit`. */
  readonly rate: bigint;
  /** Length of the rate's period in seconds. */
  readonly unit: bigint;
  /** Burst in packets or bytes. */
  readonly burst: number;
  /** NFT_LIMIT_PKTS or NFT_LIMIT_PKT_BYTES. */
  readonly type: number;
  /** NFT_LIMIT_F_* flags: inverted (`over`). */
  readonly flags: number;
}

/** Data of a stateful object, by object type; other types are not read. */
export type ObjectData =
  | { readonly kind: 'counter'; readonly counter: CounterSnapshot }
  | { readonly kind: 'quota'; readonly quota: QuotaSnapshot }
  | { readonly kind: 'limit'; readonly limit: LimitSnapshot }
  | { readonly kind: 'other' };

/** One named stateful object from NFT_MSG_NEWOBJ. */
export interface ObjectSnapshot {
  readonly family: number;
  readonly table: string;
  readonly name: string;
  readonly handle: bigint | undefined;
  /** NFT_OBJECT_* type. */
  readonly type: number;
  readonly data: ObjectData;
}

/** Parses one NFT_MSG_NEWOBJ message. Throws DecodeError. */
export function parseObject(buf: Buffer, start: number, end: number): ObjectSnapshot {
  const path = 'NFT_MSG_NEWOBJ';
  const { family } = readNfgenHeader(buf, start, end, path);
  let table = '';
  let name = '';
  let handle: bigint | undefined;
  let type = 0;
  let data: AttrCursor | undefined;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case NFTA_OBJ_TABLE:
        table = cursor.str('NFTA_OBJ_TABLE');
        break;
      case NFTA_OBJ_NAME:
        name = cursor.str('NFTA_OBJ_NAME');
        break;
      case NFTA_OBJ_HANDLE:
        handle = cursor.u64('NFTA_OBJ_HANDLE');
        break;
      case NFTA_OBJ_TYPE:
        type = cursor.u32('NFTA_OBJ_TYPE');
        break;
      case NFTA_OBJ_DATA:
        data = cursor.nested('NFTA_OBJ_DATA');
        break;
    }
  }
  return { family, table, name, handle, type, data: readObjectData(type, data) };
}

function readObjectData(type: number, data: AttrCursor | undefined): ObjectData {
  if (data === undefined) return { kind: 'other' };
  switch (type) {
    case NFT_OBJECT_COUNTER:
      return { kind: 'counter', counter: parseCounterData(data) };
    case NFT_OBJECT_QUOTA:
      return { kind: 'quota', quota: readQuota(data) };
    case NFT_OBJECT_LIMIT:
      return { kind: 'limit', limit: readLimit(data) };
    default:
      return { kind: 'other' };
  }
}

function readQuota(data: AttrCursor): QuotaSnapshot {
  let bytes = 0n;
  let consumed = 0n;
  let flags = 0;
  while (data.next()) {
    if (data.type === NFTA_QUOTA_BYTES) bytes = data.u64('NFTA_QUOTA_BYTES');
    else if (data.type === NFTA_QUOTA_CONSUMED) consumed = data.u64('NFTA_QUOTA_CONSUMED');
    else if (data.type === NFTA_QUOTA_FLAGS) flags = data.u32('NFTA_QUOTA_FLAGS');
  }
  return { bytes, consumed, flags };
}

function readLimit(data: AttrCursor): LimitSnapshot {
  let rate = 0n;
  let unit = 0n;
  let burst = 0;
  let type = 0;
  let flags = 0;
  while (data.next()) {
    switch (data.type) {
      case NFTA_LIMIT_RATE:
        rate = data.u64('NFTA_LIMIT_RATE');
        break;
      case NFTA_LIMIT_UNIT:
        unit = data.u64('NFTA_LIMIT_UNIT');
        break;
      case NFTA_LIMIT_BURST:
        burst = data.u32('NFTA_LIMIT_BURST');
        break;
      case NFTA_LIMIT_TYPE:
        type = data.u32('NFTA_LIMIT_TYPE');
        break;
      case NFTA_LIMIT_FLAGS:
        flags = data.u32('NFTA_LIMIT_FLAGS');
        break;
    }
  }
  return { rate, unit, burst, type, flags };
}

/** One flowtable from NFT_MSG_NEWFLOWTABLE. */
export interface FlowtableSnapshot {
  readonly family: number;
  readonly table: string;
  readonly name: string;
  readonly handle: bigint | undefined;
  /** Hook (always the netdev ingress hook) and priority; undefined when the kernel sent none. */
  readonly hook: HookSnapshot | undefined;
  /** NFT_FLOWTABLE_* flags: hardware offload, counter. */
  readonly flags: number;
}

/** Parses one NFT_MSG_NEWFLOWTABLE message. Throws DecodeError. */
export function parseFlowtable(buf: Buffer, start: number, end: number): FlowtableSnapshot {
  const path = 'NFT_MSG_NEWFLOWTABLE';
  const { family } = readNfgenHeader(buf, start, end, path);
  let table = '';
  let name = '';
  let handle: bigint | undefined;
  let hook: HookSnapshot | undefined;
  let flags = 0;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case NFTA_FLOWTABLE_TABLE:
        table = cursor.str('NFTA_FLOWTABLE_TABLE');
        break;
      case NFTA_FLOWTABLE_NAME:
        name = cursor.str('NFTA_FLOWTABLE_NAME');
        break;
      case NFTA_FLOWTABLE_HANDLE:
        handle = cursor.u64('NFTA_FLOWTABLE_HANDLE');
        break;
      case NFTA_FLOWTABLE_HOOK:
        hook = parseHook(
          cursor.nested('NFTA_FLOWTABLE_HOOK'),
          NFTA_FLOWTABLE_HOOK_NUM,
          NFTA_FLOWTABLE_HOOK_PRIORITY,
        );
        break;
      case NFTA_FLOWTABLE_FLAGS:
        flags = cursor.u32('NFTA_FLOWTABLE_FLAGS');
        break;
    }
  }
  return { family, table, name, handle, hook, flags };
}
