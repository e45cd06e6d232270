// Requests of the WireGuard generic netlink family. WG_CMD_GET_DEVICE has no form for all
// devices, so the devices are found in one RTM_GETLINK dump and read one dump each.

import { type GenlFamily, genlHeader } from '../../genl/family.js';
import { AttrBuilder } from '../../netlink/attr.js';
import { KernelError } from '../../netlink/errors.js';
import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket, Reply, RequestOptions } from '../../netlink/socket.js';
import { dumpLinks } from '../rtnetlink/client.js';
import {
  WG_CMD_GET_DEVICE,
  WG_GENL_VERSION,
  WG_LINK_KIND,
  WGDEVICE_A_IFINDEX,
} from './constants.js';
import {
  type DeviceFragment,
  mergeDevice,
  parseDeviceMessage,
  type WireguardDevice,
} from './parse.js';

/** Options of a request: deadline signal and restart limit. */
export type WireguardOptions = Omit<RequestOptions, 'op'>;

/** An interface of kind wireguard from RTM_GETLINK. */
export interface WireguardLink {
  readonly index: number;
  readonly name: string;
}

/**
 * Lists the interfaces of kind `wireguard` with one RTM_GETLINK dump on a NETLINK_ROUTE
 * socket. Rejects with the netlink layer's errors.
 */
export async function listWireguardLinks(
  route: NetlinkSocket,
  opts: WireguardOptions = {},
): Promise<{ links: WireguardLink[]; restarts: number }> {
  const dump = await dumpLinks(route, opts);
  const links = dump.items
    .filter((link) => link.kind === WG_LINK_KIND && link.name !== '')
    .map((link) => ({ index: link.index, name: link.name }));
  return { links, restarts: dump.restarts };
}

/**
 * Reads one device and all its peers with a WG_CMD_GET_DEVICE dump by interface index.
 * Resolves to undefined when the interface is gone or is not a WireGuard device (ENODEV,
 * EOPNOTSUPP); rejects with the netlink layer's other errors.
 */
export async function getDevice(
  socket: NetlinkSocket,
  family: GenlFamily,
  link: WireguardLink,
  opts: WireguardOptions = {},
): Promise<{ device: WireguardDevice | undefined; restarts: number }> {
  const attrs = new AttrBuilder().u32(WGDEVICE_A_IFINDEX, link.index).toBuffer();
  let reply: Reply;
  try {
    reply = await socket.dump(family.id, genlHeader(WG_CMD_GET_DEVICE, WG_GENL_VERSION), attrs, {
      ...opts,
      op: `dump wireguard GET_DEVICE ${link.name}`,
    });
  } catch (err) {
    if (
      err instanceof KernelError &&
      (err.errnoName === 'ENODEV' || err.errnoName === 'EOPNOTSUPP')
    ) {
      return { device: undefined, restarts: 0 };
    }
    throw err;
  }
  const fragments: DeviceFragment[] = [];
  forEachMessage(reply.datagrams, (buf, type, _flags, start, end) => {
    if (type === family.id) fragments.push(parseDeviceMessage(buf, start, end));
  });
  return { device: mergeDevice(fragments), restarts: reply.restarts };
}
