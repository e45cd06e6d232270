// Netlink protocol constants from <linux/netlink.h>, <asm-generic/socket.h> and
// <bits/socket.h> (SOL_NETLINK), checked against Linux 6.18 uapi headers.

/** Netlink protocol numbers (socket(2) protocol argument). */
export const NETLINK_ROUTE = 0;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_XFRM = 6;
export const NETLINK_NETFILTER = 12;
export const NETLINK_GENERIC = 16;

/** Control message types below NLMSG_MIN_TYPE. */
export const NLMSG_NOOP = 0x1;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;
export const NLMSG_MIN_TYPE = 0x10;

/** nlmsghdr flags. */
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
/** Flags of an NLMSG_ERROR or NLMSG_DONE reply. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

/** Extended-ack attributes of NLMSG_ERROR and NLMSG_DONE. */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;

/** Length of struct nlmsghdr and of struct nlattr's header. */
export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
/** nla_type flag bits, masked off by the attribute cursor. */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** Socket option levels and names. */
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

const PROTOCOL_NAMES: Record<number, string> = {
  [NETLINK_ROUTE]: 'NETLINK_ROUTE',
  [NETLINK_SOCK_DIAG]: 'NETLINK_SOCK_DIAG',
  [NETLINK_XFRM]: 'NETLINK_XFRM',
  [NETLINK_NETFILTER]: 'NETLINK_NETFILTER',
  [NETLINK_GENERIC]: 'NETLINK_GENERIC',
};

/** Returns the symbolic name of a netlink protocol number, or `protocol N`. */
export function protocolName(protocol: number): string {
  return PROTOCOL_NAMES[protocol] ?? `protocol ${protocol}`;
}

/** Rounds `n` up to the 4-byte netlink alignment. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}
