// Parsers from RTM_NEWQDISC and RTM_NEWTCLASS messages to readonly snapshots. Layouts follow
// <linux/rtnetlink.h> (struct tcmsg, TCA_*) and <linux/gen_stats.h> (TCA_STATS_*, struct
// gnet_stats_basic, struct gnet_stats_queue), checked against the Linux 6.1 uapi headers.
// No I/O, no logging.

import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  GNET_STATS_BASIC_MIN,
  GNET_STATS_QUEUE_MIN,
  TCA_KIND,
  TCA_STATS_APP,
  TCA_STATS_BASIC,
  TCA_STATS_PKT64,
  TCA_STATS_QUEUE,
  TCA_STATS2,
  TCMSG_LEN,
} from './constants.js';
import { decodeXstats, type Xstats } from './xstats.js';

/**
 * Statistics of a qdisc or class from TCA_STATS2. `packets` is TCA_STATS_PKT64 when the
 * kernel sent it (it does once the count no longer fits the u32 in gnet_stats_basic), else
 * that u32. The queue fields are undefined when TCA_STATS_QUEUE is absent.
 */
export interface TcStats {
  readonly bytes: bigint;
  readonly packets: bigint;
  /** Packets queued (gnet_stats_queue.qlen); `tc -s` prints it as backlog `Np`. */
  readonly qlen: number | undefined;
  /** Bytes queued. */
  readonly backlog: number | undefined;
  readonly drops: number | undefined;
  readonly requeues: number | undefined;
  readonly overlimits: number | undefined;
}

/** One qdisc (RTM_NEWQDISC) or class (RTM_NEWTCLASS). */
export interface TcObjectSnapshot {
  /** Interface index (tcm_ifindex). */
  readonly index: number;
  /** Qdisc handle or class id (tcm_handle). */
  readonly handle: number;
  /** Parent handle (tcm_parent): TC_H_ROOT for a root qdisc, TC_H_INGRESS for ingress. */
  readonly parent: number;
  /** Qdisc kind (TCA_KIND); for a class, the kind of the qdisc that owns it. Empty when absent. */
  readonly kind: string;
  /** Undefined when the message has no TCA_STATS2 with TCA_STATS_BASIC. */
  readonly stats: TcStats | undefined;
  /** Kind-specific statistics (TCA_STATS_APP) for the kinds that xstats.ts decodes. */
  readonly xstats: Xstats | undefined;
}

/** Parses one RTM_NEWQDISC body (tcmsg and attributes). Throws DecodeError. */
export function parseQdisc(buf: Buffer, start: number, end: number): TcObjectSnapshot {
  return parseTcObject(buf, start, end, false, 'RTM_NEWQDISC');
}

/** Parses one RTM_NEWTCLASS body (tcmsg and attributes). Throws DecodeError. */
export function parseClass(buf: Buffer, start: number, end: number): TcObjectSnapshot {
  return parseTcObject(buf, start, end, true, 'RTM_NEWTCLASS');
}

function parseTcObject(
  buf: Buffer,
  start: number,
  end: number,
  isClass: boolean,
  path: string,
): TcObjectSnapshot {
  if (end - start < TCMSG_LEN) {
    throw new DecodeError(`${path}/tcmsg`, `expected at least ${TCMSG_LEN} bytes`, end - start);
  }
  let kind = '';
  let stats2: AttrCursor | undefined;
  const cursor = new AttrCursor(buf, start + TCMSG_LEN, end, path);
  while (cursor.next()) {
    switch (cursor.type) {
      case TCA_KIND:
        kind = cursor.str('TCA_KIND');
        break;
      case TCA_STATS2:
        stats2 = cursor.nested('TCA_STATS2');
        break;
    }
  }
  // NB: TCA_KIND may follow TCA_STATS2, and the xstats layout depends on the kind, so the
  // statistics are decoded after the walk.
  const decoded = stats2 === undefined ? undefined : parseStats2(stats2, kind, isClass);
  return {
    index: buf.readInt32LE(start + 4),
    handle: buf.readUInt32LE(start + 8),
    parent: buf.readUInt32LE(start + 12),
    kind,
    stats: decoded?.stats,
    xstats: decoded?.xstats,
  };
}

function parseStats2(
  cursor: AttrCursor,
  kind: string,
  isClass: boolean,
): { stats: TcStats | undefined; xstats: Xstats | undefined } {
  const buf = cursor.buf;
  let bytes: bigint | undefined;
  let packets32 = 0;
  let packets64: bigint | undefined;
  let queue: number | undefined;
  let xstats: Xstats | undefined;
  while (cursor.next()) {
    switch (cursor.type) {
      case TCA_STATS_BASIC: {
        const at = cursor.struct(GNET_STATS_BASIC_MIN, 'TCA_STATS_BASIC');
        bytes = buf.readBigUInt64LE(at);
        packets32 = buf.readUInt32LE(at + 8);
        break;
      }
      case TCA_STATS_PKT64:
        packets64 = cursor.u64('TCA_STATS_PKT64');
        break;
      case TCA_STATS_QUEUE:
        queue = cursor.struct(GNET_STATS_QUEUE_MIN, 'TCA_STATS_QUEUE');
        break;
      case TCA_STATS_APP:
        xstats = decodeXstats(
          kind,
          isClass,
          buf,
          cursor.offset,
          cursor.length,
          `${cursor.path}/TCA_STATS_APP`,
        );
        break;
    }
  }
  if (bytes === undefined) return { stats: undefined, xstats };
  return {
    stats: {
      bytes,
      packets: packets64 ?? BigInt(packets32),
      qlen: queue === undefined ? undefined : buf.readUInt32LE(queue),
      backlog: queue === undefined ? undefined : buf.readUInt32LE(queue + 4),
      drops: queue === undefined ? undefined : buf.readUInt32LE(queue + 8),
      requeues: queue === undefined ? undefined : buf.readUInt32LE(queue + 12),
      overlimits: queue === undefined ? undefined : buf.readUInt32LE(queue + 16),
    },
    xstats,
  };
}
