// Reads the nftables ruleset over NETLINK_NETFILTER: one dump per object kind (tables,
// chains, rules, sets, objects, flowtables) between two generation reads, so a ruleset that
// changed in between is read again. Set element counts come from NFTA_SET_COUNT (Linux 6.16
// and later) and otherwise from one NFT_MSG_GETSETELEM dump per named set.

import { AttrBuilder } from '../../netlink/attr.js';
import { DumpInterruptedError, KernelError } from '../../netlink/errors.js';
import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket } from '../../netlink/socket.js';
import {
  dumpMessages,
  type MessageParser,
  type NetfilterDumpResult,
  type NetfilterRequestOptions,
  NFNL_SUBSYS_NFTABLES,
  nfgenHeader,
  nfnlMessageType,
  requestMessages,
} from '../netfilter/nfnetlink.js';
import {
  NFPROTO_UNSPEC,
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETFLOWTABLE,
  NFT_MSG_GETGEN,
  NFT_MSG_GETOBJ,
  NFT_MSG_GETRULE,
  NFT_MSG_GETSET,
  NFT_MSG_GETSETELEM,
  NFT_MSG_GETTABLE,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_NEWFLOWTABLE,
  NFT_MSG_NEWGEN,
  NFT_MSG_NEWOBJ,
  NFT_MSG_NEWRULE,
  NFT_MSG_NEWSET,
  NFT_MSG_NEWSETELEM,
  NFT_MSG_NEWTABLE,
  NFT_SET_ANONYMOUS,
  NFTA_SET_ELEM_LIST_SET,
  NFTA_SET_ELEM_LIST_TABLE,
} from './constants.js';
import {
  type ChainSnapshot,
  type GenerationSnapshot,
  parseChain,
  parseGeneration,
  parseTable,
  type RuleSnapshot,
  ruleParser,
  type TableSnapshot,
} from './parse.js';
import {
  type FlowtableSnapshot,
  type ObjectSnapshot,
  parseFlowtable,
  parseObject,
  parseSet,
  parseSetElements,
  type SetSnapshot,
} from './parse-objects.js';

function nftType(message: number): number {
  return nfnlMessageType(NFNL_SUBSYS_NFTABLES, message);
}

/** Reads the ruleset generation (NFT_MSG_GETGEN). Rejects with the netlink layer's errors. */
export async function requestGeneration(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<GenerationSnapshot> {
  const replies = await requestMessages(
    socket,
    nftType(NFT_MSG_GETGEN),
    nftType(NFT_MSG_NEWGEN),
    nfgenHeader(),
    'request NFT_MSG_GETGEN',
    parseGeneration,
    opts,
  );
  return replies[0] ?? { id: undefined };
}

function dumpKind<T>(
  socket: NetlinkSocket,
  request: number,
  reply: number,
  name: string,
  parse: MessageParser<T>,
  opts: NetfilterRequestOptions,
): Promise<NetfilterDumpResult<T>> {
  return dumpMessages(
    socket,
    nftType(request),
    nftType(reply),
    nfgenHeader(NFPROTO_UNSPEC),
    undefined,
    `dump ${name}`,
    parse,
    opts,
  );
}

/**
 * Dumps the tables of every family (NFT_MSG_GETTABLE). Rejects with the netlink layer's
 * errors: KernelError EPERM without CAP_NET_ADMIN, EPROTONOSUPPORT or ENOENT without nf_tables.
 */
export function dumpTables(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<TableSnapshot>> {
  return dumpKind(socket, NFT_MSG_GETTABLE, NFT_MSG_NEWTABLE, 'NFT_MSG_GETTABLE', parseTable, opts);
}

/** Dumps the chains of every table (NFT_MSG_GETCHAIN). Rejects like dumpTables. */
export function dumpChains(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<ChainSnapshot>> {
  return dumpKind(socket, NFT_MSG_GETCHAIN, NFT_MSG_NEWCHAIN, 'NFT_MSG_GETCHAIN', parseChain, opts);
}

/**
 * Dumps the rules of every chain (NFT_MSG_GETRULE). Rules of tables for which `detailed`
 * returns false are read without their comment and counter, which skips their expressions.
 * Rejects like dumpTables.
 */
export function dumpRules(
  socket: NetlinkSocket,
  detailed: (table: string) => boolean = () => true,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<RuleSnapshot>> {
  const parse = ruleParser(detailed);
  return dumpKind(socket, NFT_MSG_GETRULE, NFT_MSG_NEWRULE, 'NFT_MSG_GETRULE', parse, opts);
}

/** Dumps the sets and maps of every table, anonymous ones included (NFT_MSG_GETSET). */
export function dumpSets(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<SetSnapshot>> {
  return dumpKind(socket, NFT_MSG_GETSET, NFT_MSG_NEWSET, 'NFT_MSG_GETSET', parseSet, opts);
}

/** Dumps the stateful objects of every table and type (NFT_MSG_GETOBJ). */
export function dumpObjects(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<ObjectSnapshot>> {
  return dumpKind(socket, NFT_MSG_GETOBJ, NFT_MSG_NEWOBJ, 'NFT_MSG_GETOBJ', parseObject, opts);
}

/** Dumps the flowtables of every table (NFT_MSG_GETFLOWTABLE). */
export function dumpFlowtables(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<FlowtableSnapshot>> {
  return dumpKind(
    socket,
    NFT_MSG_GETFLOWTABLE,
    NFT_MSG_NEWFLOWTABLE,
    'NFT_MSG_GETFLOWTABLE',
    parseFlowtable,
    opts,
  );
}

/**
 * Counts the elements of one set with an NFT_MSG_GETSETELEM dump, the way NFTA_SET_COUNT
 * counts them (see SetElementsSnapshot). The dump returns every element, so its cost grows
 * with the set.
 * Rejects like dumpTables, and with KernelError ENOENT when the set is gone.
 */
export async function countSetElements(
  socket: NetlinkSocket,
  set: Pick<SetSnapshot, 'family' | 'table' | 'name'>,
  opts: NetfilterRequestOptions = {},
): Promise<{ readonly count: number; readonly restarts: number }> {
  const attrs = new AttrBuilder(true)
    .str(NFTA_SET_ELEM_LIST_TABLE, set.table)
    .str(NFTA_SET_ELEM_LIST_SET, set.name)
    .toBuffer();
  const reply = await socket.dump(nftType(NFT_MSG_GETSETELEM), nfgenHeader(set.family), attrs, {
    ...opts,
    op: 'dump NFT_MSG_GETSETELEM',
  });
  let count = 0;
  forEachMessage(reply.datagrams, (buf, type, _flags, payload, end) => {
    if (type === nftType(NFT_MSG_NEWSETELEM)) count += parseSetElements(buf, payload, end).elements;
  });
  return { count, restarts: reply.restarts };
}

/** Everything the nftables collector reads in one scrape. */
export interface RulesetSnapshot {
  /** Generation the dumps were read at. */
  readonly generation: number | undefined;
  readonly tables: readonly TableSnapshot[];
  readonly chains: readonly ChainSnapshot[];
  readonly rules: readonly RuleSnapshot[];
  /** Named and anonymous sets; `count` is filled for named sets of detailed tables. */
  readonly sets: readonly SetSnapshot[];
  readonly objects: readonly ObjectSnapshot[];
  readonly flowtables: readonly FlowtableSnapshot[];
}

/** Options of readRuleset. */
export interface ReadRulesetOptions extends NetfilterRequestOptions {
  /**
   * Tables read in detail: rule comments and counters, and element counts of their sets. The
   * others are read for counts only. Default: every table.
   */
  readonly detailed?: (table: string) => boolean;
  /** Count set elements with NFT_MSG_GETSETELEM even where the kernel sends NFTA_SET_COUNT. */
  readonly countElementsByDump?: boolean;
}

/** A ruleset and the reads it took beyond the first (changed generation, interrupted dumps). */
export interface RulesetResult {
  readonly ruleset: RulesetSnapshot;
  readonly restarts: number;
}

/**
 * Reads the whole ruleset: the generation, one dump per object kind, element counts where
 * needed, and the generation again. When a transaction committed in between, it reads
 * everything again, up to `opts.maxRestarts` (default 8) times. The result's `restarts`
 * counts these rereads and the restarts of interrupted dumps. Rejects with the errors of
 * the dumps, and with DumpInterruptedError when the ruleset kept changing.
 */
export async function readRuleset(
  socket: NetlinkSocket,
  opts: ReadRulesetOptions = {},
): Promise<RulesetResult> {
  const { detailed = () => true, countElementsByDump = false, ...requestOpts } = opts;
  const maxRereads = requestOpts.maxRestarts ?? 8;
  let restarts = 0;
  let rereads = 0;
  for (;;) {
    const before = await requestGeneration(socket, requestOpts);
    const tables = await dumpTables(socket, requestOpts);
    const chains = await dumpChains(socket, requestOpts);
    const rules = await dumpRules(socket, detailed, requestOpts);
    const sets = await dumpSets(socket, requestOpts);
    const objects = await dumpObjects(socket, requestOpts);
    const flowtables = await dumpFlowtables(socket, requestOpts);
    restarts +=
      tables.restarts +
      chains.restarts +
      rules.restarts +
      sets.restarts +
      objects.restarts +
      flowtables.restarts;
    const counted: SetSnapshot[] = [];
    for (const set of sets.items) {
      const needsDump =
        (countElementsByDump || set.count === undefined) &&
        (set.flags & NFT_SET_ANONYMOUS) === 0 &&
        detailed(set.table);
      if (!needsDump) {
        counted.push(set);
        continue;
      }
      try {
        const elements = await countSetElements(socket, set, requestOpts);
        restarts += elements.restarts;
        counted.push({ ...set, count: elements.count });
      } catch (err) {
        // A set deleted since the set dump; the generation check below reads everything again.
        if (!(err instanceof KernelError && err.errnoName === 'ENOENT')) throw err;
        counted.push(set);
      }
    }
    const after = await requestGeneration(socket, requestOpts);
    if (before.id === after.id) {
      const ruleset: RulesetSnapshot = {
        generation: after.id,
        tables: tables.items,
        chains: chains.items,
        rules: rules.items,
        sets: counted,
        objects: objects.items,
        flowtables: flowtables.items,
      };
      return { ruleset, restarts };
    }
    if (rereads >= maxRereads) {
      throw new DumpInterruptedError(rereads, {
        op: 'read nftables ruleset',
        protocol: 'NETLINK_NETFILTER',
      });
    }
    rereads++;
    restarts++;
  }
}
