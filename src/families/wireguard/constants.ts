// Constants of the WireGuard generic netlink family from <linux/wireguard.h>, checked against
// the Linux 6.1 uapi header.

/** Generic netlink family name and version (WG_GENL_NAME, WG_GENL_VERSION). */
export const WG_GENL_NAME = 'wireguard';
export const WG_GENL_VERSION = 1;

/** Command of the request and of its replies (enum wg_cmd). */
export const WG_CMD_GET_DEVICE = 0;

/** Device attributes (enum wgdevice_attribute). */
export const WGDEVICE_A_IFINDEX = 1;
export const WGDEVICE_A_IFNAME = 2;
export const WGDEVICE_A_LISTEN_PORT = 6;
export const WGDEVICE_A_FWMARK = 7;
export const WGDEVICE_A_PEERS = 8;

/** Peer attributes (enum wgpeer_attribute). */
export const WGPEER_A_PUBLIC_KEY = 1;
export const WGPEER_A_ENDPOINT = 4;
export const WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL = 5;
export const WGPEER_A_LAST_HANDSHAKE_TIME = 6;
export const WGPEER_A_RX_BYTES = 7;
export const WGPEER_A_TX_BYTES = 8;
export const WGPEER_A_ALLOWEDIPS = 9;

/** Length of a Curve25519 key (WG_KEY_LEN). */
export const WG_KEY_LEN = 32;
/** Length of struct __kernel_timespec {s64 tv_sec; s64 tv_nsec}. */
export const KERNEL_TIMESPEC_LEN = 16;

/** Link kind of WireGuard interfaces in IFLA_INFO_KIND. */
export const WG_LINK_KIND = 'wireguard';
