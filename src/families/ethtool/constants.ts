// Constants of the ethtool generic netlink family from <linux/ethtool_netlink.h> and
// <linux/ethtool.h>, checked against the Linux 6.1 uapi headers installed here. The few
// attributes newer than 6.1 carry their origin: the kernel's ethtool_netlink_generated.h,
// which replaced the enums of ethtool_netlink.h in later releases.

/** Generic netlink family name and version (ETHTOOL_GENL_NAME, ETHTOOL_GENL_VERSION). */
export const ETHTOOL_GENL_NAME = 'ethtool';
export const ETHTOOL_GENL_VERSION = 1;

/** Request commands (ETHTOOL_MSG_*_GET) and the commands of their replies. */
export const ETHTOOL_MSG_STRSET_GET = 1;
export const ETHTOOL_MSG_LINKINFO_GET = 2;
export const ETHTOOL_MSG_LINKMODES_GET = 4;
export const ETHTOOL_MSG_LINKSTATE_GET = 6;
export const ETHTOOL_MSG_PAUSE_GET = 21;
export const ETHTOOL_MSG_FEC_GET = 29;
export const ETHTOOL_MSG_STATS_GET = 32;
export const ETHTOOL_MSG_STRSET_GET_REPLY = 1;
export const ETHTOOL_MSG_LINKINFO_GET_REPLY = 2;
export const ETHTOOL_MSG_LINKMODES_GET_REPLY = 4;
export const ETHTOOL_MSG_LINKSTATE_GET_REPLY = 6;
export const ETHTOOL_MSG_PAUSE_GET_REPLY = 22;
export const ETHTOOL_MSG_FEC_GET_REPLY = 30;
export const ETHTOOL_MSG_STATS_GET_REPLY = 33;

/** Request header (ETHTOOL_A_HEADER_*) and its flags (ETHTOOL_FLAG_*). */
export const ETHTOOL_A_HEADER_DEV_INDEX = 1;
export const ETHTOOL_A_HEADER_DEV_NAME = 2;
export const ETHTOOL_A_HEADER_FLAGS = 3;
export const ETHTOOL_FLAG_COMPACT_BITSETS = 1 << 0;
export const ETHTOOL_FLAG_STATS = 1 << 2;

/** Compact bit set (ETHTOOL_A_BITSET_*). */
export const ETHTOOL_A_BITSET_NOMASK = 1;
export const ETHTOOL_A_BITSET_SIZE = 2;
export const ETHTOOL_A_BITSET_VALUE = 4;

/** String sets (ETHTOOL_A_STRSET_*, _STRINGSETS_*, _STRINGSET_*, _STRINGS_*, _STRING_*). */
export const ETHTOOL_A_STRSET_HEADER = 1;
export const ETHTOOL_A_STRSET_STRINGSETS = 2;
export const ETHTOOL_A_STRINGSETS_STRINGSET = 1;
export const ETHTOOL_A_STRINGSET_ID = 1;
export const ETHTOOL_A_STRINGSET_COUNT = 2;
export const ETHTOOL_A_STRINGSET_STRINGS = 3;
export const ETHTOOL_A_STRINGS_STRING = 1;
export const ETHTOOL_A_STRING_INDEX = 1;
export const ETHTOOL_A_STRING_VALUE = 2;

/** String set of the standard statistics groups (enum ethtool_stringset ETH_SS_STATS_STD). */
export const ETH_SS_STATS_STD = 16;

/** LINKINFO reply attributes. */
export const ETHTOOL_A_LINKINFO_HEADER = 1;
export const ETHTOOL_A_LINKINFO_PORT = 2;

/** LINKMODES reply attributes. */
export const ETHTOOL_A_LINKMODES_HEADER = 1;
export const ETHTOOL_A_LINKMODES_AUTONEG = 2;
export const ETHTOOL_A_LINKMODES_SPEED = 5;
export const ETHTOOL_A_LINKMODES_DUPLEX = 6;

/** LINKSTATE reply attributes; EXT_DOWN_CNT is from ethtool_netlink_generated.h. */
export const ETHTOOL_A_LINKSTATE_HEADER = 1;
export const ETHTOOL_A_LINKSTATE_LINK = 2;
export const ETHTOOL_A_LINKSTATE_EXT_STATE = 5;
export const ETHTOOL_A_LINKSTATE_EXT_SUBSTATE = 6;
export const ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT = 7;

/** PAUSE reply attributes and the statistics nested in ETHTOOL_A_PAUSE_STATS. */
export const ETHTOOL_A_PAUSE_HEADER = 1;
export const ETHTOOL_A_PAUSE_STATS = 5;
export const ETHTOOL_A_PAUSE_STAT_TX_FRAMES = 2;
export const ETHTOOL_A_PAUSE_STAT_RX_FRAMES = 3;

/** FEC reply attributes and the statistics nested in ETHTOOL_A_FEC_STATS. */
export const ETHTOOL_A_FEC_HEADER = 1;
export const ETHTOOL_A_FEC_STATS = 5;
export const ETHTOOL_A_FEC_STAT_CORRECTED = 2;
export const ETHTOOL_A_FEC_STAT_UNCORR = 3;
export const ETHTOOL_A_FEC_STAT_CORR_BITS = 4;

/** STATS request and reply attributes and the group nest (ETHTOOL_A_STATS_GRP_*). */
export const ETHTOOL_A_STATS_HEADER = 2;
export const ETHTOOL_A_STATS_GROUPS = 3;
export const ETHTOOL_A_STATS_GRP = 4;
export const ETHTOOL_A_STATS_GRP_ID = 2;
export const ETHTOOL_A_STATS_GRP_SS_ID = 3;
export const ETHTOOL_A_STATS_GRP_STAT = 4;

/** Value of a u64 statistic the driver did not fill in (ETHTOOL_STAT_NOT_SET, all ones). */
export const ETHTOOL_STAT_NOT_SET = 0xffff_ffff_ffff_ffffn;
/** Speed of a link whose speed is unknown (SPEED_UNKNOWN, -1 as u32). */
export const SPEED_UNKNOWN = 0xffff_ffff;

/** Duplex modes (DUPLEX_*). */
export const DUPLEX_NAMES: Readonly<Record<number, string>> = {
  0: 'half',
  1: 'full',
  255: 'unknown',
};

/** Connector types (PORT_*). */
export const PORT_NAMES: Readonly<Record<number, string>> = {
  0: 'tp',
  1: 'aui',
  2: 'mii',
  3: 'fibre',
  4: 'bnc',
  5: 'da',
  239: 'none',
  255: 'other',
};

/** Extended link states (enum ethtool_link_ext_state), in enum order. */
export const LINK_EXT_STATE_NAMES = [
  'autoneg',
  'link_training_failure',
  'link_logical_mismatch',
  'bad_signal_integrity',
  'no_cable',
  'cable_issue',
  'eeprom_issue',
  'calibration_failure',
  'power_budget_exceeded',
  'overheat',
  'module',
] as const;

/**
 * Short statistic names per standard group (ETHTOOL_STATS_*), indexed by the statistic's
 * attribute type in ETHTOOL_A_STATS_GRP_STAT: ETHTOOL_A_STATS_ETH_PHY_*, _ETH_MAC_*,
 * _ETH_CTRL_* and _RMON_*. Statistics of other groups are named from the kernel's string set.
 */
export const STANDARD_STAT_NAMES: Readonly<Record<number, readonly string[]>> = {
  0: ['symbol_err'],
  1: [
    'tx_pkt',
    'single_collision',
    'multiple_collision',
    'rx_pkt',
    'fcs_err',
    'alignment_err',
    'tx_bytes',
    'tx_deferred',
    'late_collision',
    'excessive_collision',
    'tx_internal_err',
    'carrier_sense_err',
    'rx_bytes',
    'rx_internal_err',
    'tx_multicast',
    'tx_broadcast',
    'excessive_deferral',
    'rx_multicast',
    'rx_broadcast',
    'in_range_len_err',
    'out_of_range_len',
    'frame_too_long',
  ],
  2: ['tx_control_frames', 'rx_control_frames', 'rx_unsupported_opcodes'],
  3: ['undersize_pkts', 'oversize_pkts', 'fragments', 'jabbers'],
};
