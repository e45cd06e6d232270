// Requests of the NET_DM (drop monitor) generic netlink family: configure and start or stop
// the monitor, read its statistics, and decode the multicast alerts of the events group.

import { type GenlFamily, genlHeader } from '../../genl/family.js';
import { AttrBuilder } from '../../netlink/attr.js';
import { NLM_F_ACK } from '../../netlink/constants.js';
import { KernelError } from '../../netlink/errors.js';
import { forEachMessage } from '../../netlink/message.js';
import type { NetlinkSocket, RequestOptions } from '../../netlink/socket.js';
import {
  NET_DM_ALERT_MODE_PACKET,
  NET_DM_ALERT_MODE_SUMMARY,
  NET_DM_ATTR_ALERT_MODE,
  NET_DM_ATTR_HW_DROPS,
  NET_DM_ATTR_SW_DROPS,
  NET_DM_ATTR_TRUNC_LEN,
  NET_DM_CMD_ALERT,
  NET_DM_CMD_CONFIG,
  NET_DM_CMD_PACKET_ALERT,
  NET_DM_CMD_START,
  NET_DM_CMD_STATS_GET,
  NET_DM_CMD_STATS_NEW,
  NET_DM_CMD_STOP,
  NET_DM_GENL_VERSION,
} from './constants.js';
import {
  type MonitorStats,
  type PacketAlert,
  parseMonitorStats,
  parsePacketAlert,
  parseSummaryAlert,
  type SummaryAlert,
} from './parse.js';

/** Options of a request: deadline signal. */
export type NetDmOptions = Omit<RequestOptions, 'op'>;

/** Alert mode of the monitor: drop counts summed per second, or one message per packet. */
export type AlertMode = 'summary' | 'packet';

/** Bytes of each dropped packet copied into a packet alert; the exporter reads none. */
export const PACKET_TRUNC_LEN = 1;

/** Errno names with which the kernel rejects CONFIG or START while monitoring is on. */
const ALREADY_RUNNING = new Set(['EBUSY', 'EAGAIN', 'EALREADY']);

/** Outcome of startMonitoring: started by this call, or already running under another owner. */
export type StartOutcome =
  | { readonly started: true }
  | { readonly started: false; readonly errno: string; readonly message: string };

function ack(
  socket: NetlinkSocket,
  family: GenlFamily,
  cmd: number,
  attrs: Buffer | undefined,
  op: string,
  opts: NetDmOptions,
): Promise<unknown> {
  return socket.request(family.id, NLM_F_ACK, genlHeader(cmd, NET_DM_GENL_VERSION), attrs, {
    ...opts,
    op,
  });
}

function dropsFlags(): Buffer {
  return new AttrBuilder().flag(NET_DM_ATTR_SW_DROPS).flag(NET_DM_ATTR_HW_DROPS).toBuffer();
}

/**
 * Sets the alert mode (packet mode truncates packets to PACKET_TRUNC_LEN bytes) and starts
 * monitoring of software and hardware drops. When monitoring is already on, the kernel
 * rejects both with EBUSY or EAGAIN; that is returned as `started: false`. Rejects with the
 * netlink layer's other errors (EPERM without CAP_NET_ADMIN).
 */
export async function startMonitoring(
  socket: NetlinkSocket,
  family: GenlFamily,
  mode: AlertMode,
  opts: NetDmOptions = {},
): Promise<StartOutcome> {
  const config = new AttrBuilder().u8(
    NET_DM_ATTR_ALERT_MODE,
    mode === 'packet' ? NET_DM_ALERT_MODE_PACKET : NET_DM_ALERT_MODE_SUMMARY,
  );
  if (mode === 'packet') config.u32(NET_DM_ATTR_TRUNC_LEN, PACKET_TRUNC_LEN);
  try {
    await ack(socket, family, NET_DM_CMD_CONFIG, config.toBuffer(), 'NET_DM CONFIG', opts);
    await ack(socket, family, NET_DM_CMD_START, dropsFlags(), 'NET_DM START', opts);
    return { started: true };
  } catch (err) {
    if (
      err instanceof KernelError &&
      err.errnoName !== undefined &&
      ALREADY_RUNNING.has(err.errnoName)
    ) {
      return { started: false, errno: err.errnoName, message: err.message };
    }
    throw err;
  }
}

/** Stops monitoring of software and hardware drops. Rejects with the netlink layer's errors. */
export async function stopMonitoring(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: NetDmOptions = {},
): Promise<void> {
  await ack(socket, family, NET_DM_CMD_STOP, dropsFlags(), 'NET_DM STOP', opts);
}

/** Reads the drops the monitor could not report (NET_DM_CMD_STATS_GET). */
export async function readMonitorStats(
  socket: NetlinkSocket,
  family: GenlFamily,
  opts: NetDmOptions = {},
): Promise<MonitorStats> {
  const reply = await socket.request(
    family.id,
    0,
    genlHeader(NET_DM_CMD_STATS_GET, NET_DM_GENL_VERSION),
    undefined,
    {
      ...opts,
      op: 'NET_DM STATS_GET',
    },
  );
  let stats: MonitorStats = { software: undefined, hardware: undefined };
  forEachMessage(reply.datagrams, (buf, type, _flags, start, end) => {
    if (type === family.id && end > start && buf[start] === NET_DM_CMD_STATS_NEW) {
      stats = parseMonitorStats(buf, start, end);
    }
  });
  return stats;
}

/** One decoded multicast message of the events group. */
export type Alert =
  | { readonly kind: 'summary'; readonly alert: SummaryAlert }
  | { readonly kind: 'packet'; readonly alert: PacketAlert };

/**
 * Decodes the NET_DM messages of one multicast datagram; other messages are skipped. Throws
 * DecodeError for a malformed message.
 */
export function decodeAlerts(family: GenlFamily, datagram: Buffer): Alert[] {
  const alerts: Alert[] = [];
  forEachMessage([datagram], (buf, type, _flags, start, end) => {
    if (type !== family.id || end <= start) return;
    if (buf[start] === NET_DM_CMD_ALERT)
      alerts.push({ kind: 'summary', alert: parseSummaryAlert(buf, start, end) });
    else if (buf[start] === NET_DM_CMD_PACKET_ALERT)
      alerts.push({ kind: 'packet', alert: parsePacketAlert(buf, start, end) });
  });
  return alerts;
}
