// Constants of the NET_DM (drop monitor) generic netlink family from <linux/net_dropmon.h>,
// checked against the Linux 6.1 uapi header.

/** Generic netlink family name, version and multicast group of the alerts. */
export const NET_DM_GENL_NAME = 'NET_DM';
export const NET_DM_GENL_VERSION = 2;
export const NET_DM_GROUP_EVENTS = 'events';

/** Commands. */
export const NET_DM_CMD_ALERT = 1;
export const NET_DM_CMD_CONFIG = 2;
export const NET_DM_CMD_START = 3;
export const NET_DM_CMD_STOP = 4;
export const NET_DM_CMD_PACKET_ALERT = 5;
export const NET_DM_CMD_STATS_GET = 8;
export const NET_DM_CMD_STATS_NEW = 9;

/** Attributes (enum net_dm_attr). Type 0 of an ALERT contains struct net_dm_alert_msg. */
export const NET_DM_ATTR_ALERT_MSG = 0;
export const NET_DM_ATTR_ALERT_MODE = 1;
export const NET_DM_ATTR_TRUNC_LEN = 9;
export const NET_DM_ATTR_STATS = 12;
export const NET_DM_ATTR_HW_STATS = 13;
export const NET_DM_ATTR_ORIGIN = 14;
export const NET_DM_ATTR_HW_TRAP_NAME = 16;
export const NET_DM_ATTR_HW_ENTRIES = 17;
export const NET_DM_ATTR_HW_ENTRY = 18;
export const NET_DM_ATTR_HW_TRAP_COUNT = 19;
export const NET_DM_ATTR_SW_DROPS = 20;
export const NET_DM_ATTR_HW_DROPS = 21;
export const NET_DM_ATTR_REASON = 23;
/** Attribute inside NET_DM_ATTR_STATS and NET_DM_ATTR_HW_STATS. */
export const NET_DM_ATTR_STATS_DROPPED = 0;

/** Alert modes (enum net_dm_alert_mode) and drop origins (enum net_dm_origin). */
export const NET_DM_ALERT_MODE_SUMMARY = 0;
export const NET_DM_ALERT_MODE_PACKET = 1;
export const NET_DM_ORIGIN_SW = 0;
export const NET_DM_ORIGIN_HW = 1;

/** Lengths of struct net_dm_alert_msg {u32 entries} and net_dm_drop_point {u8 pc[8]; u32 count}. */
export const NET_DM_ALERT_MSG_LEN = 4;
export const NET_DM_DROP_POINT_LEN = 12;
