// NETLINK_XFRM constants and struct layouts from <linux/xfrm.h> and <linux/in.h>, checked
// against Linux 6.18 uapi headers (offsets as x86_64 and arm64 lay the structs out).

export const XFRM_MSG_NEWSA = 0x10;
export const XFRM_MSG_GETSA = 0x12;
export const XFRM_MSG_NEWPOLICY = 0x13;
export const XFRM_MSG_GETPOLICY = 0x15;
export const XFRM_MSG_NEWSADINFO = 0x22;
export const XFRM_MSG_GETSADINFO = 0x23;
export const XFRM_MSG_NEWSPDINFO = 0x24;
export const XFRM_MSG_GETSPDINFO = 0x25;

/** Body of GETSADINFO and GETSPDINFO requests and replies: a u32 of flags. */
export const XFRM_INFO_FLAGS_LEN = 4;

/**
 * struct xfrm_usersa_info is 224 bytes on 64-bit hosts (220 on i386, where u64 aligns to 4).
 * The parser reads fields up to `flags` at offset 216.
 */
export const XFRM_USERSA_INFO_MIN = 217;
/** Offsets in struct xfrm_usersa_info. */
export const SA_ID_PROTO = 76;
export const SA_LFT = 96;
export const SA_CURLFT = 160;
export const SA_STATS = 192;
export const SA_FAMILY = 212;
export const SA_MODE = 214;

/** struct xfrm_userpolicy_info; the parser reads fields up to `share` at offset 163. */
export const XFRM_USERPOLICY_INFO_MIN = 164;
export const POLICY_DIR = 160;
export const POLICY_ACTION = 161;

/** SADINFO and SPDINFO attributes. */
export const XFRMA_SAD_CNT = 1;
export const XFRMA_SAD_HINFO = 2;
export const XFRMA_SPD_INFO = 1;
export const XFRMA_SPD_HINFO = 2;
/** Sizes of struct xfrmu_sadhinfo, xfrmu_spdhinfo and xfrmu_spdinfo. */
export const XFRMU_HINFO_LEN = 8;
export const XFRMU_SPDINFO_LEN = 24;

/** Value of a byte or packet limit that is not set. */
export const XFRM_INF = 0xffffffffffffffffn;

/** SA protocols (`xfrm_id.proto`, IPPROTO_* of <linux/in.h> and <linux/in6.h>). */
export const IPPROTO_IPIP = 4;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_COMP = 108;

/** Label values of SA protocols, as `ip xfrm` names them. */
export const PROTO_NAMES: Readonly<Record<number, string>> = {
  [IPPROTO_ESP]: 'esp',
  [IPPROTO_AH]: 'ah',
  [IPPROTO_COMP]: 'comp',
  [IPPROTO_ROUTING]: 'route2',
  [IPPROTO_DSTOPTS]: 'hao',
  [IPPROTO_IPIP]: 'ipip',
  [IPPROTO_IPV6]: 'ipv6',
};

/** Label values of XFRM_MODE_*, as `ip xfrm` names them. */
export const MODE_NAMES: readonly string[] = ['transport', 'tunnel', 'ro', 'in_trigger', 'beet'];

/**
 * Policy directions at or above XFRM_POLICY_MAX are per-socket policies (setsockopt
 * IP_XFRM_POLICY), stored at XFRM_POLICY_MAX + their direction.
 */
export const XFRM_POLICY_MAX = 3;

/** Label values of XFRM_POLICY_IN, _OUT and _FWD. */
export const DIR_NAMES: readonly string[] = ['in', 'out', 'fwd'];

/** Label values of XFRM_POLICY_ALLOW and XFRM_POLICY_BLOCK. */
export const ACTION_NAMES: readonly string[] = ['allow', 'block'];
