// NETLINK_SOCK_DIAG constants from <linux/sock_diag.h>, <linux/inet_diag.h>,
// <linux/unix_diag.h>, <linux/tcp.h> (struct tcp_info), <linux/in.h> and <linux/socket.h>,
// checked against Linux 6.18 uapi headers.

/** Request and reply message type of every sock_diag dump (<linux/sock_diag.h>). */
export const SOCK_DIAG_BY_FAMILY = 20;

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
/** Matches raw sockets of every protocol in a dump (`sdiag_raw_protocol`). */
export const IPPROTO_RAW = 255;
/** Does not fit the u8 `sdiag_protocol`, so requests carry it in INET_DIAG_REQ_PROTOCOL. */
export const IPPROTO_MPTCP = 262;

/** Size of struct inet_diag_req_v2 (request) and struct inet_diag_msg (reply). */
export const INET_DIAG_REQ_V2_LEN = 56;
export const INET_DIAG_MSG_LEN = 72;
/** Offsets in struct inet_diag_msg. */
export const INET_DIAG_MSG_FAMILY = 0;
export const INET_DIAG_MSG_STATE = 1;
export const INET_DIAG_MSG_RQUEUE = 56;
export const INET_DIAG_MSG_WQUEUE = 60;

/** Request attribute: the protocol as a u32, for protocols above 255 (MPTCP). */
export const INET_DIAG_REQ_PROTOCOL = 3;

/** Reply attributes of inet_diag_msg. */
export const INET_DIAG_INFO = 2;
export const INET_DIAG_SKMEMINFO = 7;

/** `idiag_ext` bits: attribute type N is requested with bit N - 1. */
export const INET_DIAG_EXT_INFO = 1 << (INET_DIAG_INFO - 1);
export const INET_DIAG_EXT_SKMEMINFO = 1 << (INET_DIAG_SKMEMINFO - 1);

/** Size of struct unix_diag_req (request) and struct unix_diag_msg (reply). */
export const UNIX_DIAG_REQ_LEN = 24;
export const UNIX_DIAG_MSG_LEN = 16;
/** Offsets in struct unix_diag_msg. */
export const UNIX_DIAG_MSG_TYPE = 1;
export const UNIX_DIAG_MSG_STATE = 2;
/** `udiag_show` bits. */
export const UDIAG_SHOW_RQLEN = 0x10;
export const UDIAG_SHOW_MEMINFO = 0x20;
/** Reply attributes of unix_diag_msg. */
export const UNIX_DIAG_RQLEN = 4;
export const UNIX_DIAG_MEMINFO = 5;
/** Size of struct unix_diag_rqlen: {u32 udiag_rqueue, u32 udiag_wqueue}. */
export const UNIX_DIAG_RQLEN_LEN = 8;

/** UNIX socket types (<linux/net.h> enum sock_type). */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;

/** Offset of SK_MEMINFO_DROPS in the u32 array of INET_DIAG_SKMEMINFO and UNIX_DIAG_MEMINFO. */
export const SK_MEMINFO_DROPS_OFFSET = 8 * 4;
/** The meminfo array up to and including SK_MEMINFO_DROPS (Linux 3.5). */
export const SK_MEMINFO_MIN = 9 * 4;

/** Offset of tcpi_total_retrans in struct tcp_info, and the length that includes it. */
export const TCPI_TOTAL_RETRANS_OFFSET = 100;
export const TCP_INFO_MIN = 104;

/**
 * Socket states: the numbers of enum BPF_TCP_* in <linux/bpf.h>, which mirror the kernel's
 * TCP_* states in net/tcp_states.h. UDP, RAW and UNIX sockets use the same numbers.
 */
export const ALL_STATES = 0xffffffff;
export const TCP_ESTABLISHED = 1;
export const TCP_CLOSE = 7;
export const TCP_LISTEN = 10;
/**
 * Label values of the states, by state number. TCP_BOUND_INACTIVE (13) is not in the uapi
 * header: net/tcp_states.h added it in Linux 6.6 for bound sockets that never listened.
 */
export const STATE_NAMES: readonly string[] = [
  'unknown',
  'established',
  'syn_sent',
  'syn_recv',
  'fin_wait1',
  'fin_wait2',
  'time_wait',
  'close',
  'close_wait',
  'last_ack',
  'listen',
  'closing',
  'new_syn_recv',
  'bound_inactive',
];
