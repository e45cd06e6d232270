// Requests for traffic control dumps: every qdisc of the namespace in one RTM_GETQDISC dump,
// and the classes of one device per RTM_GETTCLASS dump (the kernel dumps classes only for
// the device named in tcm_ifindex).

import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import {
  RTM_GETQDISC,
  RTM_GETTCLASS,
  RTM_NEWQDISC,
  RTM_NEWTCLASS,
  TCMSG_LEN,
} from './constants.js';
import { parseClass, parseQdisc, type TcObjectSnapshot } from './parse.js';

/** Objects of one dump and the restarts it took (NLM_F_DUMP_INTR). */
export interface TcDumpResult {
  readonly items: readonly TcObjectSnapshot[];
  readonly restarts: number;
}

/** Options of a dump: deadline signal and restart limit. */
export type TcDumpOptions = Omit<RequestOptions, 'op'>;

/** Dumps every qdisc of every device (RTM_GETQDISC). Rejects with the netlink layer's errors. */
export async function dumpQdiscs(
  socket: NetlinkSocket,
  opts: TcDumpOptions = {},
): Promise<TcDumpResult> {
  return socket.dumpItems(
    RTM_GETQDISC,
    new Uint8Array(TCMSG_LEN),
    undefined,
    { ...opts, op: 'dump RTM_GETQDISC' },
    RTM_NEWQDISC,
    parseQdisc,
  );
}

/**
 * Dumps the classes of device `ifindex` (RTM_GETTCLASS). A device that vanished since the
 * qdisc dump yields no classes. Rejects with the netlink layer's errors.
 */
export async function dumpClasses(
  socket: NetlinkSocket,
  ifindex: number,
  opts: TcDumpOptions = {},
): Promise<TcDumpResult> {
  const header = Buffer.alloc(TCMSG_LEN);
  header.writeInt32LE(ifindex, 4);
  return socket.dumpItems(
    RTM_GETTCLASS,
    header,
    undefined,
    { ...opts, op: `dump RTM_GETTCLASS ifindex ${ifindex}` },
    RTM_NEWTCLASS,
    parseClass,
  );
}
