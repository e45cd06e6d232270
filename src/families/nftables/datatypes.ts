// Names of nftables set key and data types. The kernel stores NFTA_SET_KEY_TYPE and
// NFTA_SET_DATA_TYPE without interpreting them. The numbers are nft(8)'s own datatype ids
// (enum datatypes in nftables' include/datatype.h), and the names are the `name` fields of
// its datatype definitions, checked against nftables git commit de904e22 (February 2026). A
// concatenation packs one 6-bit id per field (TYPE_BITS), first field highest.

/** Datatype id → name, indexed by id. */
const DATATYPE_NAMES: readonly string[] = [
  'invalid', // 0 TYPE_INVALID
  'verdict',
  'nf_proto',
  'bitmask',
  'integer',
  'string', // 5
  'll_addr',
  'ipv4_addr',
  'ipv6_addr',
  'ether_addr',
  'ether_type', // 10
  'arp_op',
  'inet_proto',
  'inet_service',
  'icmp_type',
  'tcp_flag', // 15
  'dccp_pkttype',
  'mh_type',
  'time',
  'mark',
  'iface_index', // 20
  'iface_type',
  'realm',
  'classid',
  'uid',
  'gid', // 25
  'ct_state',
  'ct_dir',
  'ct_status',
  'icmpv6_type',
  'ct_label', // 30
  'pkt_type',
  'icmp_code',
  'icmpv6_code',
  'icmpx_code',
  'devgroup', // 35
  'dscp',
  'ecn',
  'fib_addrtype',
  'boolean',
  'ct_event', // 40
  'ifname',
  'igmp_type',
  'time', // TYPE_TIME_DATE; nft names it "time" like TYPE_TIME
  'hour',
  'day', // 45
  'cgroupsv2', // 46 TYPE_CGROUPV2
];

const TYPE_BITS = 6;
const TYPE_MASK = (1 << TYPE_BITS) - 1;

/** Data type of a verdict map (NFT_DATA_VERDICT in <linux/netfilter/nf_tables.h>). */
export const NFT_DATA_VERDICT = 0xffffff00;

/**
 * Returns the nft(8) name of set key or data type `type`: `ipv4_addr`, or for a
 * concatenation the field names joined by ` . ` (`ipv4_addr . inet_service`), as nft list
 * prints them. A field id that nftables does not define is written `unknown`.
 */
export function datatypeName(type: number): string {
  if (type === NFT_DATA_VERDICT) return 'verdict';
  if (type <= TYPE_MASK) return DATATYPE_NAMES[type] ?? 'unknown';
  const fields: string[] = [];
  // Field ids are read from the most significant 6 bits down; unsigned shifts keep ids of
  // five fields (30 bits) and more intact.
  for (let rest = type >>> 0; rest !== 0; rest = Math.floor(rest / (1 << TYPE_BITS))) {
    fields.unshift(DATATYPE_NAMES[rest & TYPE_MASK] ?? 'unknown');
  }
  return fields.join(' . ');
}
