// nf_tables constants from <linux/netfilter/nf_tables.h> and <linux/netfilter.h>, checked
// against the Linux 6.18 uapi headers. NFTA_SET_TYPE and NFTA_SET_COUNT are newer than the
// 6.1 header that Debian 12 ships; they were added in Linux 6.16 ("netfilter: nf_tables:
// export set count and backend name to userspace").

/** enum nf_tables_msg_types (subsystem NFNL_SUBSYS_NFTABLES). */
export const NFT_MSG_NEWTABLE = 0;
export const NFT_MSG_GETTABLE = 1;
export const NFT_MSG_NEWCHAIN = 3;
export const NFT_MSG_GETCHAIN = 4;
export const NFT_MSG_NEWRULE = 6;
export const NFT_MSG_GETRULE = 7;
export const NFT_MSG_NEWSET = 9;
export const NFT_MSG_GETSET = 10;
export const NFT_MSG_NEWSETELEM = 12;
export const NFT_MSG_GETSETELEM = 13;
export const NFT_MSG_NEWGEN = 15;
export const NFT_MSG_GETGEN = 16;
export const NFT_MSG_NEWOBJ = 18;
export const NFT_MSG_GETOBJ = 19;
export const NFT_MSG_NEWFLOWTABLE = 22;
export const NFT_MSG_GETFLOWTABLE = 23;

/** enum nfproto (<linux/netfilter.h>): table families. */
export const NFPROTO_UNSPEC = 0;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_ARP = 3;
export const NFPROTO_NETDEV = 5;
export const NFPROTO_BRIDGE = 7;
export const NFPROTO_IPV6 = 10;

/** enum nft_list_attributes. */
export const NFTA_LIST_ELEM = 1;

/** enum nft_hook_attributes. */
export const NFTA_HOOK_HOOKNUM = 1;
export const NFTA_HOOK_PRIORITY = 2;

/** enum nft_table_attributes. */
export const NFTA_TABLE_NAME = 1;
export const NFTA_TABLE_FLAGS = 2;
export const NFTA_TABLE_USE = 3;
export const NFTA_TABLE_HANDLE = 4;

/** enum nft_chain_attributes. */
export const NFTA_CHAIN_TABLE = 1;
export const NFTA_CHAIN_HANDLE = 2;
export const NFTA_CHAIN_NAME = 3;
export const NFTA_CHAIN_HOOK = 4;
export const NFTA_CHAIN_POLICY = 5;
export const NFTA_CHAIN_TYPE = 7;
export const NFTA_CHAIN_FLAGS = 10;

/** enum nft_chain_flags. */
export const NFT_CHAIN_BASE = 0x1;
export const NFT_CHAIN_BINDING = 0x4;

/** enum nft_rule_attributes. */
export const NFTA_RULE_TABLE = 1;
export const NFTA_RULE_CHAIN = 2;
export const NFTA_RULE_HANDLE = 3;
export const NFTA_RULE_EXPRESSIONS = 4;
export const NFTA_RULE_USERDATA = 7;

/** enum nft_expr_attributes. */
export const NFTA_EXPR_NAME = 1;
export const NFTA_EXPR_DATA = 2;

/** enum nft_counter_attributes (counter expressions and counter objects). */
export const NFTA_COUNTER_BYTES = 1;
export const NFTA_COUNTER_PACKETS = 2;

/** enum nft_set_attributes. */
export const NFTA_SET_TABLE = 1;
export const NFTA_SET_NAME = 2;
export const NFTA_SET_FLAGS = 3;
export const NFTA_SET_KEY_TYPE = 4;
export const NFTA_SET_DATA_TYPE = 6;
export const NFTA_SET_DESC = 9;
export const NFTA_SET_HANDLE = 16;
export const NFTA_SET_COUNT = 20;

/** enum nft_set_desc_attributes. */
export const NFTA_SET_DESC_SIZE = 1;

/** enum nft_set_flags. */
export const NFT_SET_ANONYMOUS = 0x1;
export const NFT_SET_MAP = 0x8;
export const NFT_SET_OBJECT = 0x40;

/** enum nft_set_elem_list_attributes. */
export const NFTA_SET_ELEM_LIST_TABLE = 1;
export const NFTA_SET_ELEM_LIST_SET = 2;
export const NFTA_SET_ELEM_LIST_ELEMENTS = 3;

/** enum nft_set_elem_attributes and enum nft_set_elem_flags. */
export const NFTA_SET_ELEM_FLAGS = 3;
export const NFT_SET_ELEM_INTERVAL_END = 0x1;
export const NFT_SET_ELEM_CATCHALL = 0x2;

/** enum nft_gen_attributes. */
export const NFTA_GEN_ID = 1;

/** NFT_OBJECT_* object types. */
export const NFT_OBJECT_COUNTER = 1;
export const NFT_OBJECT_QUOTA = 2;
export const NFT_OBJECT_LIMIT = 4;

/** enum nft_object_attributes. */
export const NFTA_OBJ_TABLE = 1;
export const NFTA_OBJ_NAME = 2;
export const NFTA_OBJ_TYPE = 3;
export const NFTA_OBJ_DATA = 4;
export const NFTA_OBJ_HANDLE = 6;

/** enum nft_quota_attributes and enum nft_quota_flags. */
export const NFTA_QUOTA_BYTES = 1;
export const NFTA_QUOTA_FLAGS = 2;
export const NFTA_QUOTA_CONSUMED = 4;
export const NFT_QUOTA_F_INV = 0x1;
export const NFT_QUOTA_F_DEPLETED = 0x2;

/** enum nft_limit_attributes, enum nft_limit_type and enum nft_limit_flags. */
export const NFTA_LIMIT_RATE = 1;
export const NFTA_LIMIT_UNIT = 2;
export const NFTA_LIMIT_BURST = 3;
export const NFTA_LIMIT_TYPE = 4;
export const NFTA_LIMIT_FLAGS = 5;
export const NFT_LIMIT_PKTS = 0;
export const NFT_LIMIT_PKT_BYTES = 1;
export const NFT_LIMIT_F_INV = 0x1;

/** enum nft_flowtable_attributes, enum nft_flowtable_hook_attributes and flags. */
export const NFTA_FLOWTABLE_TABLE = 1;
export const NFTA_FLOWTABLE_NAME = 2;
export const NFTA_FLOWTABLE_HOOK = 3;
export const NFTA_FLOWTABLE_HANDLE = 5;
export const NFTA_FLOWTABLE_FLAGS = 7;
export const NFTA_FLOWTABLE_HOOK_NUM = 1;
export const NFTA_FLOWTABLE_HOOK_PRIORITY = 2;
export const NFT_FLOWTABLE_HW_OFFLOAD = 0x1;

/** Netfilter verdicts (<linux/netfilter.h>) as base-chain policies. */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;

/** Family names as nft(8) writes them. */
export const FAMILY_NAMES: Readonly<Record<number, string>> = {
  [NFPROTO_INET]: 'inet',
  [NFPROTO_IPV4]: 'ip',
  [NFPROTO_ARP]: 'arp',
  [NFPROTO_NETDEV]: 'netdev',
  [NFPROTO_BRIDGE]: 'bridge',
  [NFPROTO_IPV6]: 'ip6',
};

/** enum nf_inet_hooks: hooks of the ip, ip6, inet and bridge families. */
const INET_HOOKS: readonly string[] = [
  'prerouting',
  'input',
  'forward',
  'output',
  'postrouting',
  'ingress',
];
/** NF_ARP_IN, NF_ARP_OUT, NF_ARP_FORWARD (<linux/netfilter_arp.h>). */
const ARP_HOOKS: readonly string[] = ['input', 'output', 'forward'];
/** enum nf_dev_hooks: NF_NETDEV_INGRESS, NF_NETDEV_EGRESS. */
const NETDEV_HOOKS: readonly string[] = ['ingress', 'egress'];

/**
 * Returns the name nft(8) gives hook number `hook` in `family`, or the number as a string
 * when the family or hook is unknown. Hook numbers mean different hooks per family.
 */
export function hookName(family: number, hook: number): string {
  let names = INET_HOOKS;
  if (family === NFPROTO_ARP) names = ARP_HOOKS;
  else if (family === NFPROTO_NETDEV) names = NETDEV_HOOKS;
  return names[hook] ?? String(hook);
}
