// Traffic control constants from <linux/rtnetlink.h> (RTM_*QDISC, RTM_*TCLASS, struct tcmsg,
// TCA_*), <linux/gen_stats.h> (TCA_STATS_*) and <linux/pkt_sched.h> (TC_H_*), checked
// against Linux 6.18 uapi headers.

export const RTM_NEWQDISC = 36;
export const RTM_GETQDISC = 38;
export const RTM_NEWTCLASS = 40;
export const RTM_GETTCLASS = 42;

/** struct tcmsg: family, 3 pad bytes, ifindex, handle, parent, info. */
export const TCMSG_LEN = 20;

/** Top-level attributes of a qdisc or class message. */
export const TCA_KIND = 1;
export const TCA_STATS2 = 7;

/** Attributes nested in TCA_STATS2. */
export const TCA_STATS_BASIC = 1;
export const TCA_STATS_QUEUE = 3;
export const TCA_STATS_APP = 4;
export const TCA_STATS_BASIC_HW = 7;
export const TCA_STATS_PKT64 = 8;

/** struct gnet_stats_basic: u64 bytes, u32 packets (the kernel pads it to 16 bytes). */
export const GNET_STATS_BASIC_MIN = 12;
/** struct gnet_stats_queue: u32 qlen, backlog, drops, requeues, overlimits. */
export const GNET_STATS_QUEUE_MIN = 20;

/** Special handles (TC_H_*). */
export const TC_H_UNSPEC = 0;
export const TC_H_ROOT = 0xffffffff;
export const TC_H_INGRESS = 0xfffffff1;
