// Requests of the IPVS generic netlink family: one GET_SERVICE dump, then one GET_DEST dump
// per service, because the kernel lists destinations only for a named service.

import { type GenlFamily, genlHeader } from '../../genl/family.js';
import { AttrBuilder } from '../../netlink/attr.js';
import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import {
  IPVS_CMD_ATTR_SERVICE,
  IPVS_CMD_GET_DEST,
  IPVS_CMD_GET_SERVICE,
  IPVS_CMD_NEW_DEST,
  IPVS_CMD_NEW_SERVICE,
  IPVS_GENL_VERSION,
  IPVS_SVC_ATTR_ADDR,
  IPVS_SVC_ATTR_AF,
  IPVS_SVC_ATTR_FWMARK,
  IPVS_SVC_ATTR_PORT,
  IPVS_SVC_ATTR_PROTOCOL,
} from './constants.js';
import { type IpvsDestination, type IpvsService, parseDestination, parseService } from './parse.js';

/** Options of a dump: deadline signal and restart limit. */
export type IpvsOptions = Omit<RequestOptions, 'op'>;

/** Objects of one dump and the restarts it took (NLM_F_DUMP_INTR). */
export interface IpvsDump<T> {
  readonly items: readonly T[];
  readonly restarts: number;
}

/** Dumps every virtual service (IPVS_CMD_GET_SERVICE). Rejects with the netlink layer's errors. */
export async function dumpServices(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: IpvsOptions = {},
): Promise<IpvsDump<IpvsService>> {
  const reply = await socket.dump(
    family.id,
    genlHeader(IPVS_CMD_GET_SERVICE, IPVS_GENL_VERSION),
    undefined,
    {
      ...opts,
      op: 'dump IPVS GET_SERVICE',
    },
  );
  const items: IpvsService[] = [];
  forEachMessage(reply.datagrams, (buf, type, _flags, start, end) => {
    if (type === family.id && end > start && buf[start] === IPVS_CMD_NEW_SERVICE) {
      items.push(parseService(buf, start, end));
    }
  });
  return { items, restarts: reply.restarts };
}

/** Builds the IPVS_CMD_ATTR_SERVICE nest that names `service` in a GET_DEST request. */
export function serviceSelector(service: IpvsService): Buffer {
  return new AttrBuilder()
    .nested(IPVS_CMD_ATTR_SERVICE, (svc) => {
      svc.u16(IPVS_SVC_ATTR_AF, service.family);
      if (service.fwmark !== 0) {
        svc.u32(IPVS_SVC_ATTR_FWMARK, service.fwmark);
        return;
      }
      const port = Buffer.alloc(2);
      port.writeUInt16BE(service.port);
      svc.u16(IPVS_SVC_ATTR_PROTOCOL, service.protocol);
      svc.bytes(IPVS_SVC_ATTR_ADDR, service.addressBytes ?? Buffer.alloc(16));
      svc.bytes(IPVS_SVC_ATTR_PORT, port);
    })
    .toBuffer();
}

/**
 * Dumps the destinations of `service` (IPVS_CMD_GET_DEST). Rejects with the netlink layer's
 * errors; a service deleted since the service dump rejects with ESRCH.
 */
export async function dumpDestinations(
  socket: NetlinkSocket,
  family: GenlFamily,
  service: IpvsService,
  opts: IpvsOptions = {},
): Promise<IpvsDump<IpvsDestination>> {
  const reply = await socket.dump(
    family.id,
    genlHeader(IPVS_CMD_GET_DEST, IPVS_GENL_VERSION),
    serviceSelector(service),
    { ...opts, op: 'dump IPVS GET_DEST' },
  );
  const items: IpvsDestination[] = [];
  forEachMessage(reply.datagrams, (buf, type, _flags, start, end) => {
    if (type === family.id && end > start && buf[start] === IPVS_CMD_NEW_DEST) {
      items.push(parseDestination(buf, start, end, service.family));
    }
  });
  return { items, restarts: reply.restarts };
}
