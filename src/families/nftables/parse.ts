// Parsers from nf_tables dump messages to readonly snapshots: tables, chains, rules and the
// ruleset generation. Sets, objects and flowtables are in parse-objects.ts. Layouts follow
// <linux/netfilter/nf_tables.h> (checked against Linux 6.18); every message body starts with
// struct nfgenmsg, and integer attributes are big-endian. No I/O, no logging.

import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import { NFGENMSG_LEN, readNfgenHeader } from '../netfilter/nfnetlink.js';
import {
  NFTA_CHAIN_FLAGS,
  NFTA_CHAIN_HANDLE,
  NFTA_CHAIN_HOOK,
  NFTA_CHAIN_NAME,
  NFTA_CHAIN_POLICY,
  NFTA_CHAIN_TABLE,
  NFTA_CHAIN_TYPE,
  NFTA_COUNTER_BYTES,
  NFTA_COUNTER_PACKETS,
  NFTA_EXPR_DATA,
  NFTA_EXPR_NAME,
  NFTA_GEN_ID,
  NFTA_HOOK_HOOKNUM,
  NFTA_HOOK_PRIORITY,
  NFTA_LIST_ELEM,
  NFTA_RULE_CHAIN,
  NFTA_RULE_EXPRESSIONS,
  NFTA_RULE_HANDLE,
  NFTA_RULE_TABLE,
  NFTA_RULE_USERDATA,
  NFTA_TABLE_FLAGS,
  NFTA_TABLE_HANDLE,
  NFTA_TABLE_NAME,
} from './constants.js';

/** One table from NFT_MSG_NEWTABLE. */
export interface TableSnapshot {
  /** NFPROTO_* family, from nfgenmsg. */
  readonly family: number;
  readonly name: string;
  /** NFT_TABLE_F_* flags (dormant, owner). */
  readonly flags: number;
  readonly handle: bigint | undefined;
}

/** Parses one NFT_MSG_NEWTABLE message. Throws DecodeError. */
export function parseTable(buf: Buffer, start: number, end: number): TableSnapshot {
  const path = 'NFT_MSG_NEWTABLE';
  const { family } = readNfgenHeader(buf, start, end, path);
  let name = '';
  let flags = 0;
  let handle: bigint | undefined;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case NFTA_TABLE_NAME:
        name = cursor.str('NFTA_TABLE_NAME');
        break;
      case NFTA_TABLE_FLAGS:
        flags = cursor.u32('NFTA_TABLE_FLAGS');
        break;
      case NFTA_TABLE_HANDLE:
        handle = cursor.u64('NFTA_TABLE_HANDLE');
        break;
    }
  }
  return { family, name, flags, handle };
}

/** Hook of a base chain or flowtable: hook number (per family) and priority. */
export interface HookSnapshot {
  readonly hook: number;
  readonly priority: number;
}

/** One chain from NFT_MSG_NEWCHAIN. */
export interface ChainSnapshot {
  readonly family: number;
  readonly table: string;
  readonly name: string;
  readonly handle: bigint | undefined;
  /** NFT_CHAIN_* flags: base chain, hardware offload, binding (an anonymous chain of a rule). */
  readonly flags: number;
  /** Hook of a base chain; undefined for a regular chain. */
  readonly hook: HookSnapshot | undefined;
  /** Base chain policy (NF_ACCEPT, NF_DROP); undefined for a regular chain. */
  readonly policy: number | undefined;
  /** Base chain type (`filter`, `nat`, `route`); undefined for a regular chain. */
  readonly type: string | undefined;
}

/** Parses one NFT_MSG_NEWCHAIN message. Throws DecodeError. */
export function parseChain(buf: Buffer, start: number, end: number): ChainSnapshot {
  const path = 'NFT_MSG_NEWCHAIN';
  const { family } = readNfgenHeader(buf, start, end, path);
  let table = '';
  let name = '';
  let handle: bigint | undefined;
  let flags = 0;
  let hook: HookSnapshot | undefined;
  let policy: number | undefined;
  let type: string | undefined;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case NFTA_CHAIN_TABLE:
        table = cursor.str('NFTA_CHAIN_TABLE');
        break;
      case NFTA_CHAIN_NAME:
        name = cursor.str('NFTA_CHAIN_NAME');
        break;
      case NFTA_CHAIN_HANDLE:
        handle = cursor.u64('NFTA_CHAIN_HANDLE');
        break;
      case NFTA_CHAIN_FLAGS:
        flags = cursor.u32('NFTA_CHAIN_FLAGS');
        break;
      case NFTA_CHAIN_HOOK:
        hook = parseHook(cursor.nested('NFTA_CHAIN_HOOK'), NFTA_HOOK_HOOKNUM, NFTA_HOOK_PRIORITY);
        break;
      case NFTA_CHAIN_POLICY:
        policy = cursor.u32('NFTA_CHAIN_POLICY');
        break;
      case NFTA_CHAIN_TYPE:
        type = cursor.str('NFTA_CHAIN_TYPE');
        break;
    }
  }
  return { family, table, name, handle, flags, hook, policy, type };
}

/**
 * Reads a hook nest whose number and priority attributes are `numAttr` and `priorityAttr`
 * (NFTA_HOOK_* for chains, NFTA_FLOWTABLE_HOOK_* for flowtables). The priority is a be32
 * that the kernel fills from a signed int. Throws DecodeError when the number is missing.
 */
export function parseHook(nest: AttrCursor, numAttr: number, priorityAttr: number): HookSnapshot {
  let hook: number | undefined;
  let priority = 0;
  while (nest.next()) {
    if (nest.type === numAttr) hook = nest.u32('hook number');
    else if (nest.type === priorityAttr) priority = nest.s32('hook priority');
  }
  if (hook === undefined) throw new DecodeError(nest.path, 'hook number is missing', 0);
  return { hook, priority };
}

/** Byte and packet count of a counter expression or counter object. */
export interface CounterSnapshot {
  readonly bytes: bigint;
  readonly packets: bigint;
}

/** One rule from NFT_MSG_NEWRULE: where it is, its comment and its first counter. */
export interface RuleSnapshot {
  readonly family: number;
  readonly table: string;
  readonly chain: string;
  readonly handle: bigint | undefined;
  /** Comment from the rule's user data; undefined when it has none or an empty one. */
  readonly comment: string | undefined;
  /** Values of the rule's first `counter` expression; undefined when it has none. */
  readonly counter: CounterSnapshot | undefined;
}

/** Parses one NFT_MSG_NEWRULE message with its comment and counter. Throws DecodeError. */
export function parseRule(buf: Buffer, start: number, end: number): RuleSnapshot {
  return readRule(buf, start, end, allTables);
}

/**
 * Parses one NFT_MSG_NEWRULE message without walking its expressions, for rules whose
 * counters are not exported: comment and counter are undefined. Throws DecodeError.
 */
export function parseRuleLocation(buf: Buffer, start: number, end: number): RuleSnapshot {
  return readRule(buf, start, end, noTables);
}

/**
 * Returns a parser of NFT_MSG_NEWRULE messages that reads comment and counter only for rules
 * of tables that `detailed` accepts, like parseRule for those and parseRuleLocation for the
 * others. Throws DecodeError.
 */
export function ruleParser(
  detailed: (table: string) => boolean,
): (buf: Buffer, start: number, end: number) => RuleSnapshot {
  return (buf, start, end) => readRule(buf, start, end, detailed);
}

const allTables = (): boolean => true;
const noTables = (): boolean => false;

function readRule(
  buf: Buffer,
  start: number,
  end: number,
  detailed: (table: string) => boolean,
): RuleSnapshot {
  const path = 'NFT_MSG_NEWRULE';
  const { family } = readNfgenHeader(buf, start, end, path);
  let table = '';
  let chain = '';
  let handle: bigint | undefined;
  let comment: string | undefined;
  let counter: CounterSnapshot | undefined;
  // NB: the kernel puts NFTA_RULE_TABLE first, so the decision is made once per rule.
  let full: boolean | undefined;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    switch (cursor.type) {
      case NFTA_RULE_TABLE:
        table = cursor.str('NFTA_RULE_TABLE');
        break;
      case NFTA_RULE_CHAIN:
        chain = cursor.str('NFTA_RULE_CHAIN');
        break;
      case NFTA_RULE_HANDLE:
        handle = cursor.u64('NFTA_RULE_HANDLE');
        break;
      case NFTA_RULE_EXPRESSIONS:
        full ??= detailed(table);
        if (full) counter = readFirstCounter(cursor.nested('NFTA_RULE_EXPRESSIONS'));
        break;
      case NFTA_RULE_USERDATA:
        full ??= detailed(table);
        if (full) comment = readComment(buf, cursor.offset, cursor.offset + cursor.length);
        break;
    }
  }
  return { family, table, chain, handle, comment, counter };
}

/** NFTA_EXPR_NAME of the counter expression, with its terminating NUL. */
const COUNTER_NAME = Buffer.from('counter\0', 'latin1');

/** Reports whether the current attribute of `expr` is the name `counter`, without decoding it. */
function isCounterName(expr: AttrCursor): boolean {
  if (expr.length !== COUNTER_NAME.length) return false;
  for (let i = 0; i < COUNTER_NAME.length; i++) {
    if (expr.buf[expr.offset + i] !== COUNTER_NAME[i]) return false;
  }
  return true;
}

function readFirstCounter(list: AttrCursor): CounterSnapshot | undefined {
  while (list.next()) {
    if (list.type !== NFTA_LIST_ELEM) continue;
    const expr = list.nested('NFTA_LIST_ELEM');
    let isCounter = false;
    let data: AttrCursor | undefined;
    while (expr.next()) {
      if (expr.type === NFTA_EXPR_NAME) isCounter = isCounterName(expr);
      else if (expr.type === NFTA_EXPR_DATA && isCounter) data = expr.nested('NFTA_EXPR_DATA');
    }
    if (isCounter && data !== undefined) return parseCounterData(data);
  }
  return undefined;
}

/** Reads the NFTA_COUNTER_* attributes of a counter; missing values count as 0. */
export function parseCounterData(data: AttrCursor): CounterSnapshot {
  let bytes = 0n;
  let packets = 0n;
  while (data.next()) {
    if (data.type === NFTA_COUNTER_BYTES) bytes = data.u64('NFTA_COUNTER_BYTES');
    else if (data.type === NFTA_COUNTER_PACKETS) packets = data.u64('NFTA_COUNTER_PACKETS');
  }
  return { bytes, packets };
}

/** Type of a rule comment in nft's user data (NFTNL_UDATA_RULE_COMMENT in libnftnl's udata.h). */
const UDATA_RULE_COMMENT = 0;

/**
 * Reads the comment from rule user data: a sequence of {u8 type, u8 length, value} records
 * that nft writes and the kernel stores unread. The value is a NUL-terminated string.
 */
function readComment(buf: Buffer, start: number, end: number): string | undefined {
  let pos = start;
  while (end - pos >= 2) {
    const type = buf[pos]!;
    const length = buf[pos + 1]!;
    const value = pos + 2;
    if (length > end - value) {
      throw new DecodeError(
        'NFT_MSG_NEWRULE/NFTA_RULE_USERDATA',
        `record length ${length} overruns the user data`,
        end - start,
      );
    }
    if (type === UDATA_RULE_COMMENT) {
      let stop = buf.indexOf(0, value);
      if (stop < 0 || stop > value + length) stop = value + length;
      const comment = buf.toString('utf8', value, stop);
      if (comment !== '') return comment;
    }
    pos = value + length;
  }
  return undefined;
}

/** The ruleset generation from NFT_MSG_NEWGEN. */
export interface GenerationSnapshot {
  /** Generation id; it grows by one with every committed ruleset transaction. */
  readonly id: number | undefined;
}

/** Parses one NFT_MSG_NEWGEN message. Throws DecodeError. */
export function parseGeneration(buf: Buffer, start: number, end: number): GenerationSnapshot {
  const path = 'NFT_MSG_NEWGEN';
  readNfgenHeader(buf, start, end, path);
  let id: number | undefined;
  const cursor = new AttrCursor(buf, start + NFGENMSG_LEN, end, path, true);
  while (cursor.next()) {
    if (cursor.type === NFTA_GEN_ID) id = cursor.u32('NFTA_GEN_ID');
  }
  return { id };
}
