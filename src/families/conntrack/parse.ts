// Parsers from ctnetlink replies to readonly snapshots. Layouts follow
// <linux/netfilter/nfnetlink.h> (struct nfgenmsg) and <linux/netfilter/nfnetlink_conntrack.h>,
// checked against Linux 6.18. Every integer attribute is big-endian. No I/O, no logging.

import { AttrCursor } from '../../netlink/attr.js';
import { NFGENMSG_LEN, readNfgenHeader } from '../netfilter/nfnetlink.js';
import {
  CTA_EXPECT_HELP_NAME,
  CTA_EXPECT_TUPLE,
  CTA_PROTO_NUM,
  CTA_STATS_CHAIN_TOOLONG,
  CTA_STATS_CLASH_RESOLVE,
  CTA_STATS_DROP,
  CTA_STATS_EARLY_DROP,
  CTA_STATS_ERROR,
  CTA_STATS_EXP_CREATE,
  CTA_STATS_EXP_DELETE,
  CTA_STATS_EXP_NEW,
  CTA_STATS_FOUND,
  CTA_STATS_GLOBAL_ENTRIES,
  CTA_STATS_GLOBAL_MAX_ENTRIES,
  CTA_STATS_INSERT,
  CTA_STATS_INSERT_FAILED,
  CTA_STATS_INVALID,
  CTA_STATS_SEARCH_RESTART,
  CTA_TUPLE_PROTO,
} from './constants.js';

/** Per-CPU conntrack counters, named as `conntrack -S` prints them. */
export const CT_STATS_FIELDS = [
  'found',
  'invalid',
  'insert',
  'insert_failed',
  'drop',
  'early_drop',
  'error',
  'search_restart',
  'clash_resolve',
  'chaintoolong',
] as const;

/** Name of one per-CPU conntrack counter. */
export type CtStatsField = (typeof CT_STATS_FIELDS)[number];

/** Counters of one CPU; a field the kernel did not send (older kernels) is undefined. */
export type CtStats = Readonly<Record<CtStatsField, number | undefined>>;

/** Attribute type of each counter in enum ctattr_stats_cpu. */
const CT_STATS_ATTRS: Readonly<Record<number, CtStatsField>> = {
  [CTA_STATS_FOUND]: 'found',
  [CTA_STATS_INVALID]: 'invalid',
  [CTA_STATS_INSERT]: 'insert',
  [CTA_STATS_INSERT_FAILED]: 'insert_failed',
  [CTA_STATS_DROP]: 'drop',
  [CTA_STATS_EARLY_DROP]: 'early_drop',
  [CTA_STATS_ERROR]: 'error',
  [CTA_STATS_SEARCH_RESTART]: 'search_restart',
  [CTA_STATS_CLASH_RESOLVE]: 'clash_resolve',
  [CTA_STATS_CHAIN_TOOLONG]: 'chaintoolong',
};

/** One CPU's conntrack statistics from IPCTNL_MSG_CT_GET_STATS_CPU. */
export interface CtCpuStatsSnapshot {
  /** CPU number, from nfgenmsg.res_id. */
  readonly cpu: number;
  readonly stats: CtStats;
}

/** Parses one IPCTNL_MSG_CT_GET_STATS_CPU reply. Throws DecodeError. */
export function parseCtCpuStats(buf: Buffer, start: number, end: number): CtCpuStatsSnapshot {
  const path = 'IPCTNL_MSG_CT_GET_STATS_CPU';
  const { resId } = readNfgenHeader(buf, start, end, path);
  const stats: Record<CtStatsField, number | undefined> = {
    found: undefined,
    invalid: undefined,
    insert: undefined,
    insert_failed: undefined,
    drop: undefined,
    early_drop: undefined,
    error: undefined,
    search_restart: undefined,
    clash_resolve: undefined,
    chaintoolong: undefined,
  };
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    const field = CT_STATS_ATTRS[cursor.type];
    if (field !== undefined) stats[field] = cursor.u32(`CTA_STATS ${field}`);
  }
  return { cpu: resId, stats };
}

/** Table-wide conntrack figures from IPCTNL_MSG_CT_GET_STATS. */
export interface CtGlobalStatsSnapshot {
  /** Entries in the table (CTA_STATS_GLOBAL_ENTRIES). */
  readonly entries: number | undefined;
  /** Table size limit, nf_conntrack_max (CTA_STATS_GLOBAL_MAX_ENTRIES, Linux 4.13 and later). */
  readonly maxEntries: number | undefined;
}

/** Parses one IPCTNL_MSG_CT_GET_STATS reply. Throws DecodeError. */
export function parseCtGlobalStats(buf: Buffer, start: number, end: number): CtGlobalStatsSnapshot {
  const path = 'IPCTNL_MSG_CT_GET_STATS';
  readNfgenHeader(buf, start, end, path);
  let entries: number | undefined;
  let maxEntries: number | undefined;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case CTA_STATS_GLOBAL_ENTRIES:
        entries = cursor.u32('CTA_STATS_GLOBAL_ENTRIES');
        break;
      case CTA_STATS_GLOBAL_MAX_ENTRIES:
        maxEntries = cursor.u32('CTA_STATS_GLOBAL_MAX_ENTRIES');
        break;
    }
  }
  return { entries, maxEntries };
}

/** One expectation from an IPCTNL_MSG_EXP_GET dump, reduced to what the metrics group by. */
export interface ExpectationSnapshot {
  /** Layer-3 family (NFPROTO_IPV4, NFPROTO_IPV6), from nfgenmsg. */
  readonly family: number;
  /** Layer-4 protocol number of the expected tuple; undefined when the kernel sent none. */
  readonly l4proto: number | undefined;
  /** Name of the helper that created it; empty for expectations made from userspace without one. */
  readonly helper: string;
}

/** Parses one IPCTNL_MSG_EXP_NEW message of an expectation dump. Throws DecodeError. */
export function parseExpectation(buf: Buffer, start: number, end: number): ExpectationSnapshot {
  const path = 'IPCTNL_MSG_EXP_NEW';
  const { family } = readNfgenHeader(buf, start, end, path);
  let l4proto: number | undefined;
  let helper = '';
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case CTA_EXPECT_TUPLE:
        l4proto = readTupleProtocol(cursor.nested('CTA_EXPECT_TUPLE'));
        break;
      case CTA_EXPECT_HELP_NAME:
        helper = cursor.length === 0 ? '' : cursor.str('CTA_EXPECT_HELP_NAME');
        break;
    }
  }
  return { family, l4proto, helper };
}

function readTupleProtocol(tuple: AttrCursor): number | undefined {
  let l4proto: number | undefined;
  while (tuple.next()) {
    if (tuple.type !== CTA_TUPLE_PROTO) continue;
    const proto = tuple.nested('CTA_TUPLE_PROTO');
    while (proto.next()) {
      if (proto.type === CTA_PROTO_NUM) l4proto = proto.u8('CTA_PROTO_NUM');
    }
  }
  return l4proto;
}

/** One CPU's expectation counters from IPCTNL_MSG_EXP_GET_STATS_CPU. */
export interface ExpCpuStatsSnapshot {
  readonly cpu: number;
  /** Connections created from an expectation (expect_new). */
  readonly new: number | undefined;
  /** Expectations created (expect_create). */
  readonly create: number | undefined;
  /** Expectations removed (expect_delete). */
  readonly delete: number | undefined;
}

/** Parses one IPCTNL_MSG_EXP_GET_STATS_CPU reply. Throws DecodeError. */
export function parseExpCpuStats(buf: Buffer, start: number, end: number): ExpCpuStatsSnapshot {
  const path = 'IPCTNL_MSG_EXP_GET_STATS_CPU';
  const { resId } = readNfgenHeader(buf, start, end, path);
  let created: number | undefined;
  let matched: number | undefined;
  let deleted: number | undefined;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case CTA_STATS_EXP_NEW:
        matched = cursor.u32('CTA_STATS_EXP_NEW');
        break;
      case CTA_STATS_EXP_CREATE:
        created = cursor.u32('CTA_STATS_EXP_CREATE');
        break;
      case CTA_STATS_EXP_DELETE:
        deleted = cursor.u32('CTA_STATS_EXP_DELETE');
        break;
    }
  }
  return { cpu: resId, new: matched, create: created, delete: deleted };
}
