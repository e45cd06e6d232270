// Requests to ctnetlink over NETLINK_NETFILTER: per-CPU and table-wide conntrack statistics,
// the expectation table and per-CPU expectation counters. None of them walks the connection
// table, so their cost does not grow with the number of tracked connections.

import type { NetlinkSocket } from '../../netlink/socket.js';
import {
  dumpMessages,
  type NetfilterDumpResult,
  type NetfilterRequestOptions,
  NFNL_SUBSYS_CTNETLINK,
  NFNL_SUBSYS_CTNETLINK_EXP,
  nfgenHeader,
  nfnlMessageType,
  requestMessages,
} from '../netfilter/nfnetlink.js';
import {
  IPCTNL_MSG_CT_GET_STATS,
  IPCTNL_MSG_CT_GET_STATS_CPU,
  IPCTNL_MSG_EXP_GET,
  IPCTNL_MSG_EXP_GET_STATS_CPU,
  IPCTNL_MSG_EXP_NEW,
} from './constants.js';
import {
  type CtCpuStatsSnapshot,
  type CtGlobalStatsSnapshot,
  type ExpCpuStatsSnapshot,
  type ExpectationSnapshot,
  parseCtCpuStats,
  parseCtGlobalStats,
  parseExpCpuStats,
  parseExpectation,
} from './parse.js';

const CT_GET_STATS_CPU = nfnlMessageType(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET_STATS_CPU);
const CT_GET_STATS = nfnlMessageType(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET_STATS);
const EXP_GET = nfnlMessageType(NFNL_SUBSYS_CTNETLINK_EXP, IPCTNL_MSG_EXP_GET);
const EXP_NEW = nfnlMessageType(NFNL_SUBSYS_CTNETLINK_EXP, IPCTNL_MSG_EXP_NEW);
const EXP_GET_STATS_CPU = nfnlMessageType(NFNL_SUBSYS_CTNETLINK_EXP, IPCTNL_MSG_EXP_GET_STATS_CPU);
/**
 * Reply type of IPCTNL_MSG_EXP_GET_STATS_CPU. NB: the kernel labels these replies with the
 * conntrack subsystem, not the expectation subsystem (ctnetlink_exp_stat_fill_info in
 * net/netfilter/nf_conntrack_netlink.c, unchanged up to Linux 6.18).
 */
export const EXP_STATS_CPU_REPLY = nfnlMessageType(
  NFNL_SUBSYS_CTNETLINK,
  IPCTNL_MSG_EXP_GET_STATS_CPU,
);

/**
 * Dumps the conntrack statistics of every possible CPU (IPCTNL_MSG_CT_GET_STATS_CPU). Rejects
 * with the netlink layer's errors: KernelError EPERM without CAP_NET_ADMIN, and ENOENT or
 * EOPNOTSUPP when the kernel has no ctnetlink.
 */
export function dumpCtCpuStats(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<CtCpuStatsSnapshot>> {
  return dumpMessages(
    socket,
    CT_GET_STATS_CPU,
    CT_GET_STATS_CPU,
    nfgenHeader(),
    undefined,
    'dump IPCTNL_MSG_CT_GET_STATS_CPU',
    parseCtCpuStats,
    opts,
  );
}

/**
 * Reads the table-wide entry count and limit (IPCTNL_MSG_CT_GET_STATS). Resolves with both
 * undefined when the reply contains no statistics message. Rejects like dumpCtCpuStats.
 */
export async function requestCtGlobalStats(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<CtGlobalStatsSnapshot> {
  const replies = await requestMessages(
    socket,
    CT_GET_STATS,
    CT_GET_STATS,
    nfgenHeader(),
    'request IPCTNL_MSG_CT_GET_STATS',
    parseCtGlobalStats,
    opts,
  );
  return replies[0] ?? { entries: undefined, maxEntries: undefined };
}

/**
 * Dumps every expectation of every layer-3 family (IPCTNL_MSG_EXP_GET). Rejects like
 * dumpCtCpuStats.
 */
export function dumpExpectations(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<ExpectationSnapshot>> {
  return dumpMessages(
    socket,
    EXP_GET,
    EXP_NEW,
    nfgenHeader(),
    undefined,
    'dump IPCTNL_MSG_EXP_GET',
    parseExpectation,
    opts,
  );
}

/**
 * Dumps the expectation counters of every possible CPU (IPCTNL_MSG_EXP_GET_STATS_CPU). Rejects
 * like dumpCtCpuStats.
 */
export function dumpExpCpuStats(
  socket: NetlinkSocket,
  opts: NetfilterRequestOptions = {},
): Promise<NetfilterDumpResult<ExpCpuStatsSnapshot>> {
  return dumpMessages(
    socket,
    EXP_GET_STATS_CPU,
    EXP_STATS_CPU_REPLY,
    nfgenHeader(),
    undefined,
    'dump IPCTNL_MSG_EXP_GET_STATS_CPU',
    parseExpCpuStats,
    opts,
  );
}
