// ctnetlink constants from <linux/netfilter/nfnetlink_conntrack.h>, checked against the Linux
// 6.18 uapi header. Message types are relative to their nfnetlink subsystem.

/** enum cntl_msg_types (subsystem NFNL_SUBSYS_CTNETLINK). */
export const IPCTNL_MSG_CT_GET_STATS_CPU = 4;
export const IPCTNL_MSG_CT_GET_STATS = 5;

/** enum ctnl_exp_msg_types (subsystem NFNL_SUBSYS_CTNETLINK_EXP). */
export const IPCTNL_MSG_EXP_NEW = 0;
export const IPCTNL_MSG_EXP_GET = 1;
export const IPCTNL_MSG_EXP_GET_STATS_CPU = 3;

/** enum ctattr_stats_cpu: per-CPU counters of IPCTNL_MSG_CT_GET_STATS_CPU, each a be32. */
export const CTA_STATS_FOUND = 2;
export const CTA_STATS_INVALID = 4;
export const CTA_STATS_INSERT = 8;
export const CTA_STATS_INSERT_FAILED = 9;
export const CTA_STATS_DROP = 10;
export const CTA_STATS_EARLY_DROP = 11;
export const CTA_STATS_ERROR = 12;
export const CTA_STATS_SEARCH_RESTART = 13;
export const CTA_STATS_CLASH_RESOLVE = 14;
export const CTA_STATS_CHAIN_TOOLONG = 15;

/** enum ctattr_stats_global: IPCTNL_MSG_CT_GET_STATS, each a be32. */
export const CTA_STATS_GLOBAL_ENTRIES = 1;
export const CTA_STATS_GLOBAL_MAX_ENTRIES = 2;

/** enum ctattr_expect_stats: IPCTNL_MSG_EXP_GET_STATS_CPU, each a be32. */
export const CTA_STATS_EXP_NEW = 1;
export const CTA_STATS_EXP_CREATE = 2;
export const CTA_STATS_EXP_DELETE = 3;

/** enum ctattr_expect. */
export const CTA_EXPECT_TUPLE = 2;
export const CTA_EXPECT_HELP_NAME = 6;

/** enum ctattr_tuple and enum ctattr_l4proto. */
export const CTA_TUPLE_PROTO = 2;
export const CTA_PROTO_NUM = 1;
