// Generic netlink family resolution through the nlctrl family (<linux/genetlink.h>):
// CTRL_CMD_GETFAMILY by name returns the family id, version, header size and multicast
// groups. Results are cached per network namespace; a family the kernel does not have is
// an "unavailable" result, not an exception.

import { AttrBuilder, AttrCursor } from '../netlink/attr.js';
import { NLMSG_MIN_TYPE } from '../netlink/constants.js';
import { DecodeError, KernelError } from '../netlink/errors.js';
import { forEachMessage } from '../netlink/message.js';
import type { NetlinkSocket, Reply, RequestOptions } from '../netlink/socket.js';

/** Family id of nlctrl itself (GENL_ID_CTRL). */
export const GENL_ID_CTRL = NLMSG_MIN_TYPE;
/** Length of struct genlmsghdr {u8 cmd; u8 version; u16 reserved}. */
export const GENL_HDRLEN = 4;

const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
/**
 * Remedy for each family that a collector reads, appended to the reason of an unavailable
 * family. ip_vs, wireguard and drop_monitor are the kernel's module names (CONFIG_IP_VS,
 * CONFIG_WIREGUARD, CONFIG_NET_DROP_MONITOR). devlink and ethtool netlink cannot be modules.
 */
const MISSING_HINTS: Readonly<Record<string, string>> = {
  IPVS: '; load the ip_vs module (modprobe ip_vs) or build the kernel with CONFIG_IP_VS',
  wireguard:
    '; load the wireguard module (modprobe wireguard) or build the kernel with CONFIG_WIREGUARD',
  NET_DM:
    '; load the drop_monitor module (modprobe drop_monitor) or build the kernel with CONFIG_NET_DROP_MONITOR',
  devlink: '; the kernel was built without CONFIG_NET_DEVLINK',
  ethtool: '; the kernel was built without CONFIG_ETHTOOL_NETLINK (Linux 5.6 or newer)',
};

const CTRL_ATTR_FAMILY_NAME = 2;
const CTRL_ATTR_VERSION = 3;
const CTRL_ATTR_HDRSIZE = 4;
const CTRL_ATTR_MAXATTR = 5;
const CTRL_ATTR_MCAST_GROUPS = 7;
const CTRL_ATTR_MCAST_GRP_NAME = 1;
const CTRL_ATTR_MCAST_GRP_ID = 2;

/** A resolved generic netlink family. */
export interface GenlFamily {
  readonly name: string;
  readonly id: number;
  readonly version: number;
  readonly headerSize: number;
  readonly maxAttr: number;
  /** Multicast group name → group id. */
  readonly groups: ReadonlyMap<string, number>;
}

/** Result of a resolution: the family, or the reason it is unavailable. */
export type FamilyResult =
  | { readonly kind: 'ok'; readonly family: GenlFamily }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Builds the 4-byte generic netlink header. */
export function genlHeader(cmd: number, version: number): Uint8Array {
  return Uint8Array.of(cmd, version, 0, 0);
}

/** Parses a CTRL_CMD_NEWFAMILY reply body (after the genl header) into a family. */
export function parseFamily(buf: Buffer, start: number, end: number): GenlFamily {
  const cursor = new AttrCursor(buf, start, end, 'CTRL_CMD_NEWFAMILY');
  let name = '';
  let id = -1;
  let version = 0;
  let headerSize = 0;
  let maxAttr = 0;
  const groups = new Map<string, number>();
  while (cursor.next()) {
    switch (cursor.type) {
      case CTRL_ATTR_FAMILY_ID:
        id = cursor.u16('CTRL_ATTR_FAMILY_ID');
        break;
      case CTRL_ATTR_FAMILY_NAME:
        name = cursor.str('CTRL_ATTR_FAMILY_NAME');
        break;
      case CTRL_ATTR_VERSION:
        version = cursor.u32('CTRL_ATTR_VERSION');
        break;
      case CTRL_ATTR_HDRSIZE:
        headerSize = cursor.u32('CTRL_ATTR_HDRSIZE');
        break;
      case CTRL_ATTR_MAXATTR:
        maxAttr = cursor.u32('CTRL_ATTR_MAXATTR');
        break;
      case CTRL_ATTR_MCAST_GROUPS:
        parseGroups(cursor.nested('CTRL_ATTR_MCAST_GROUPS'), groups);
        break;
    }
  }
  if (id < NLMSG_MIN_TYPE || id > 0xffff) {
    throw new DecodeError(
      'CTRL_CMD_NEWFAMILY/CTRL_ATTR_FAMILY_ID',
      `family id ${id} is missing or reserved`,
      end - start,
    );
  }
  return { name, id, version, headerSize, maxAttr, groups };
}

function parseGroups(list: AttrCursor, groups: Map<string, number>): void {
  while (list.next()) {
    const group = list.nested('group');
    let name: string | undefined;
    let id: number | undefined;
    while (group.next()) {
      if (group.type === CTRL_ATTR_MCAST_GRP_NAME) name = group.str('CTRL_ATTR_MCAST_GRP_NAME');
      else if (group.type === CTRL_ATTR_MCAST_GRP_ID) id = group.u32('CTRL_ATTR_MCAST_GRP_ID');
    }
    if (name !== undefined && id !== undefined && id > 0) groups.set(name, id);
  }
}

const cache = new Map<string, Map<string, GenlFamily>>();

/**
 * Resolves family `name` with a NETLINK_GENERIC socket, using the cache of namespace
 * `netnsKey` (the namespace path, or '' for the process's own). ENOENT from the kernel
 * means the family is not registered and yields `unavailable`; other failures throw the
 * netlink layer's errors.
 */
export async function resolveFamily(
  socket: NetlinkSocket,
  name: string,
  netnsKey: string,
  opts: Omit<RequestOptions, 'op'> = {},
): Promise<FamilyResult> {
  const cached = cache.get(netnsKey)?.get(name);
  if (cached !== undefined) return { kind: 'ok', family: cached };
  const attrs = new AttrBuilder().str(CTRL_ATTR_FAMILY_NAME, name).toBuffer();
  let reply: Reply;
  try {
    reply = await socket.request(GENL_ID_CTRL, 0, genlHeader(CTRL_CMD_GETFAMILY, 1), attrs, {
      ...opts,
      op: `genl nlctrl GETFAMILY ${name}`,
    });
  } catch (err) {
    if (err instanceof KernelError && err.errnoName === 'ENOENT') {
      return {
        kind: 'unavailable',
        reason: `generic netlink family ${name} is not registered in the kernel${MISSING_HINTS[name] ?? ''}`,
      };
    }
    throw err;
  }
  let family: GenlFamily | undefined;
  forEachMessage(reply.datagrams, (buf, type, _flags, payload, end) => {
    if (type === GENL_ID_CTRL && end - payload >= GENL_HDRLEN) {
      family = parseFamily(buf, payload + GENL_HDRLEN, end);
    }
  });
  if (family === undefined) {
    throw new DecodeError('CTRL_CMD_NEWFAMILY', 'reply carried no family', 0);
  }
  let families = cache.get(netnsKey);
  if (families === undefined) {
    families = new Map();
    cache.set(netnsKey, families);
  }
  families.set(name, family);
  return { kind: 'ok', family };
}

/** Drops a cached family, so the next resolution requests it from the kernel again (after ENOENT). */
export function forgetFamily(netnsKey: string, name: string): void {
  cache.get(netnsKey)?.delete(name);
}
