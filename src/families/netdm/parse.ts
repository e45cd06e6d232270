// Parsers from NET_DM (drop monitor) messages to readonly snapshots, after
// <linux/net_dropmon.h> (Linux 6.1): summary alerts, packet alerts and the monitor's own
// statistics. Each takes the message body after the nlmsghdr. No I/O, no logging.

import { GENL_HDRLEN } from '../../genl/family.js';
import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  NET_DM_ALERT_MSG_LEN,
  NET_DM_ATTR_ALERT_MSG,
  NET_DM_ATTR_HW_ENTRIES,
  NET_DM_ATTR_HW_ENTRY,
  NET_DM_ATTR_HW_STATS,
  NET_DM_ATTR_HW_TRAP_COUNT,
  NET_DM_ATTR_HW_TRAP_NAME,
  NET_DM_ATTR_ORIGIN,
  NET_DM_ATTR_REASON,
  NET_DM_ATTR_STATS,
  NET_DM_ATTR_STATS_DROPPED,
  NET_DM_DROP_POINT_LEN,
  NET_DM_ORIGIN_SW,
} from './constants.js';

/** Drops of one hardware trap in a summary alert. */
export interface TrapCount {
  readonly trap: string;
  readonly count: number;
}

/** A summary alert (NET_DM_CMD_ALERT): drops counted since the previous alert. */
export interface SummaryAlert {
  /** Software drops, summed over the drop points of the alert. */
  readonly software: number;
  /** Hardware drops by trap name. */
  readonly hardware: readonly TrapCount[];
}

/** A packet alert (NET_DM_CMD_PACKET_ALERT): one dropped packet. */
export interface PacketAlert {
  /** NET_DM_ORIGIN_SW (0) or NET_DM_ORIGIN_HW (1). */
  readonly origin: number;
  /** Drop reason of a software drop (`NO_SOCKET` ...), when the kernel reports one. */
  readonly reason: string | undefined;
  /** Trap of a hardware drop. */
  readonly trap: string | undefined;
}

/** Drops the monitor could not report (NET_DM_CMD_STATS_NEW), per origin. */
export interface MonitorStats {
  readonly software: bigint | undefined;
  readonly hardware: bigint | undefined;
}

function attributes(buf: Buffer, start: number, end: number, what: string): AttrCursor {
  if (end - start < GENL_HDRLEN) {
    throw new DecodeError(
      `${what}/genlmsghdr`,
      `expected at least ${GENL_HDRLEN} bytes`,
      end - start,
    );
  }
  return new AttrCursor(buf, start + GENL_HDRLEN, end, what);
}

/** Sums the drop points of struct net_dm_alert_msg {u32 entries; points[entries]}. */
function sumDropPoints(cursor: AttrCursor): number {
  const at = cursor.struct(NET_DM_ALERT_MSG_LEN, 'net_dm_alert_msg');
  const host = (offset: number): number =>
    cursor.bigEndian ? cursor.buf.readUInt32BE(offset) : cursor.buf.readUInt32LE(offset);
  const entries = host(at);
  if (cursor.length < NET_DM_ALERT_MSG_LEN + entries * NET_DM_DROP_POINT_LEN) {
    throw new DecodeError(
      `${cursor.path}/net_dm_alert_msg`,
      `${entries} entries do not fit`,
      cursor.length,
    );
  }
  let sum = 0;
  for (let i = 0; i < entries; i++) {
    // NB: each point is {u8 pc[8]; u32 count}; the count follows the program counter.
    sum += host(at + NET_DM_ALERT_MSG_LEN + i * NET_DM_DROP_POINT_LEN + 8);
  }
  return sum;
}

function parseHwEntries(list: AttrCursor, out: TrapCount[]): void {
  while (list.next()) {
    if (list.type !== NET_DM_ATTR_HW_ENTRY) continue;
    const entry = list.nested('NET_DM_ATTR_HW_ENTRY');
    let trap = '';
    let count = 0;
    while (entry.next()) {
      switch (entry.type) {
        case NET_DM_ATTR_HW_TRAP_NAME:
          trap = entry.str('NET_DM_ATTR_HW_TRAP_NAME');
          break;
        case NET_DM_ATTR_HW_TRAP_COUNT:
          count = entry.u32('NET_DM_ATTR_HW_TRAP_COUNT');
          break;
      }
    }
    out.push({ trap, count });
  }
}

/** Parses one NET_DM_CMD_ALERT message of summary mode. Throws DecodeError. */
export function parseSummaryAlert(buf: Buffer, start: number, end: number): SummaryAlert {
  const cursor = attributes(buf, start, end, 'NET_DM_CMD_ALERT');
  let software = 0;
  const hardware: TrapCount[] = [];
  while (cursor.next()) {
    switch (cursor.type) {
      case NET_DM_ATTR_ALERT_MSG:
        software += sumDropPoints(cursor);
        break;
      case NET_DM_ATTR_HW_ENTRIES:
        parseHwEntries(cursor.nested('NET_DM_ATTR_HW_ENTRIES'), hardware);
        break;
    }
  }
  return { software, hardware };
}

/** Parses one NET_DM_CMD_PACKET_ALERT message of packet mode. Throws DecodeError. */
export function parsePacketAlert(buf: Buffer, start: number, end: number): PacketAlert {
  const cursor = attributes(buf, start, end, 'NET_DM_CMD_PACKET_ALERT');
  let origin = NET_DM_ORIGIN_SW;
  let reason: string | undefined;
  let trap: string | undefined;
  while (cursor.next()) {
    switch (cursor.type) {
      case NET_DM_ATTR_ORIGIN:
        origin = cursor.u16('NET_DM_ATTR_ORIGIN');
        break;
      case NET_DM_ATTR_REASON:
        reason = cursor.str('NET_DM_ATTR_REASON');
        break;
      case NET_DM_ATTR_HW_TRAP_NAME:
        trap = cursor.str('NET_DM_ATTR_HW_TRAP_NAME');
        break;
    }
  }
  return { origin, reason, trap };
}

function dropped(stats: AttrCursor): bigint | undefined {
  let value: bigint | undefined;
  while (stats.next()) {
    if (stats.type === NET_DM_ATTR_STATS_DROPPED) value = stats.u64('NET_DM_ATTR_STATS_DROPPED');
  }
  return value;
}

/** Parses one NET_DM_CMD_STATS_NEW reply. Throws DecodeError. */
export function parseMonitorStats(buf: Buffer, start: number, end: number): MonitorStats {
  const cursor = attributes(buf, start, end, 'NET_DM_CMD_STATS_NEW');
  let software: bigint | undefined;
  let hardware: bigint | undefined;
  while (cursor.next()) {
    switch (cursor.type) {
      case NET_DM_ATTR_STATS:
        software = dropped(cursor.nested('NET_DM_ATTR_STATS'));
        break;
      case NET_DM_ATTR_HW_STATS:
        hardware = dropped(cursor.nested('NET_DM_ATTR_HW_STATS'));
        break;
    }
  }
  return { software, hardware };
}
