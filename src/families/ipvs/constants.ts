// Constants of the IPVS generic netlink family from <linux/ip_vs.h>, checked against the
// Linux 6.1 uapi header.

/** Generic netlink family name and version (IPVS_GENL_NAME, IPVS_GENL_VERSION). */
export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

/** Commands: the GET requests and the NEW commands of their replies. */
export const IPVS_CMD_NEW_SERVICE = 1;
export const IPVS_CMD_GET_SERVICE = 4;
export const IPVS_CMD_NEW_DEST = 5;
export const IPVS_CMD_GET_DEST = 8;

/** First-level attributes. */
export const IPVS_CMD_ATTR_SERVICE = 1;
export const IPVS_CMD_ATTR_DEST = 2;

/** Service attributes (IPVS_SVC_ATTR_*). */
export const IPVS_SVC_ATTR_AF = 1;
export const IPVS_SVC_ATTR_PROTOCOL = 2;
export const IPVS_SVC_ATTR_ADDR = 3;
/** NB: service and destination ports are big-endian u16. */
export const IPVS_SVC_ATTR_PORT = 4;
export const IPVS_SVC_ATTR_FWMARK = 5;
export const IPVS_SVC_ATTR_SCHED_NAME = 6;
export const IPVS_SVC_ATTR_STATS = 10;
export const IPVS_SVC_ATTR_STATS64 = 12;

/** Destination attributes (IPVS_DEST_ATTR_*). */
export const IPVS_DEST_ATTR_ADDR = 1;
export const IPVS_DEST_ATTR_PORT = 2;
export const IPVS_DEST_ATTR_FWD_METHOD = 3;
export const IPVS_DEST_ATTR_WEIGHT = 4;
export const IPVS_DEST_ATTR_ACTIVE_CONNS = 7;
export const IPVS_DEST_ATTR_INACT_CONNS = 8;
export const IPVS_DEST_ATTR_PERSIST_CONNS = 9;
export const IPVS_DEST_ATTR_STATS = 10;
export const IPVS_DEST_ATTR_ADDR_FAMILY = 11;
export const IPVS_DEST_ATTR_STATS64 = 12;

/** Statistics attributes (IPVS_STATS_ATTR_*), nested in the STATS and STATS64 attributes. */
export const IPVS_STATS_ATTR_CONNS = 1;
export const IPVS_STATS_ATTR_INPKTS = 2;
export const IPVS_STATS_ATTR_OUTPKTS = 3;
export const IPVS_STATS_ATTR_INBYTES = 4;
export const IPVS_STATS_ATTR_OUTBYTES = 5;
export const IPVS_STATS_ATTR_CPS = 6;
export const IPVS_STATS_ATTR_INPPS = 7;
export const IPVS_STATS_ATTR_OUTPPS = 8;
export const IPVS_STATS_ATTR_INBPS = 9;
export const IPVS_STATS_ATTR_OUTBPS = 10;

export const AF_INET = 2;
export const AF_INET6 = 10;

/** Protocol label values of IP protocol numbers; fwmark services have no protocol. */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  6: 'tcp',
  17: 'udp',
  132: 'sctp',
};

/** Forwarding methods (IP_VS_CONN_F_FWD_MASK bits of IPVS_DEST_ATTR_FWD_METHOD). */
export const FORWARD_NAMES: Readonly<Record<number, string>> = {
  0: 'masq',
  1: 'local',
  2: 'tunnel',
  3: 'route',
  4: 'bypass',
};
export const IP_VS_CONN_F_FWD_MASK = 0x7;
