// Constants of the devlink generic netlink family from <linux/devlink.h>, checked against the
// Linux 6.1 uapi header.

/** Generic netlink family name and version (DEVLINK_GENL_NAME, DEVLINK_GENL_VERSION). */
export const DEVLINK_GENL_NAME = 'devlink';
export const DEVLINK_GENL_VERSION = 1;

/** Commands (enum devlink_command). GET replies carry NEW; INFO and HEALTH replies their own. */
export const DEVLINK_CMD_GET = 1;
export const DEVLINK_CMD_NEW = 3;
export const DEVLINK_CMD_PORT_GET = 5;
export const DEVLINK_CMD_PORT_NEW = 7;
export const DEVLINK_CMD_INFO_GET = 51;
export const DEVLINK_CMD_HEALTH_REPORTER_GET = 52;

/** Attributes (enum devlink_attr). */
export const DEVLINK_ATTR_BUS_NAME = 1;
export const DEVLINK_ATTR_DEV_NAME = 2;
export const DEVLINK_ATTR_PORT_INDEX = 3;
export const DEVLINK_ATTR_PORT_TYPE = 4;
export const DEVLINK_ATTR_PORT_NETDEV_NAME = 7;
export const DEVLINK_ATTR_PORT_FLAVOUR = 77;
export const DEVLINK_ATTR_PORT_NUMBER = 78;
export const DEVLINK_ATTR_INFO_DRIVER_NAME = 98;
export const DEVLINK_ATTR_INFO_SERIAL_NUMBER = 99;
export const DEVLINK_ATTR_INFO_VERSION_FIXED = 100;
export const DEVLINK_ATTR_INFO_VERSION_RUNNING = 101;
export const DEVLINK_ATTR_INFO_VERSION_STORED = 102;
export const DEVLINK_ATTR_INFO_VERSION_NAME = 103;
export const DEVLINK_ATTR_INFO_VERSION_VALUE = 104;
export const DEVLINK_ATTR_HEALTH_REPORTER = 114;
export const DEVLINK_ATTR_HEALTH_REPORTER_NAME = 115;
export const DEVLINK_ATTR_HEALTH_REPORTER_STATE = 116;
export const DEVLINK_ATTR_HEALTH_REPORTER_ERR_COUNT = 117;
export const DEVLINK_ATTR_HEALTH_REPORTER_RECOVER_COUNT = 118;
export const DEVLINK_ATTR_HEALTH_REPORTER_DUMP_TS_NS = 137;
export const DEVLINK_ATTR_INFO_BOARD_SERIAL_NUMBER = 146;

/** Port types (enum devlink_port_type). */
export const PORT_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'notset',
  1: 'auto',
  2: 'eth',
  3: 'ib',
};

/** Port flavours (enum devlink_port_flavour), named as `devlink port show` prints them. */
export const PORT_FLAVOUR_NAMES: Readonly<Record<number, string>> = {
  0: 'physical',
  1: 'cpu',
  2: 'dsa',
  3: 'pcipf',
  4: 'pcivf',
  5: 'virtual',
  6: 'unused',
  7: 'pcisf',
};

/** Health reporter states (DEVLINK_HEALTH_REPORTER_STATE_* in include/net/devlink.h). */
export const REPORTER_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'healthy',
  1: 'error',
};
