// drop_monitor collector: kernel packet drops counted from the NET_DM multicast alerts since
// the exporter started, and the monitor's own count of drops it could not report. The probe
// starts the monitor and joins the events group; close() stops the monitor again unless
// another tool had started it.

import {
  type Alert,
  type AlertMode,
  decodeAlerts,
  readMonitorStats,
  startMonitoring,
  stopMonitoring,
} from '../families/netdm/client.js';
import {
  NET_DM_GENL_NAME,
  NET_DM_GROUP_EVENTS,
  NET_DM_ORIGIN_HW,
} from '../families/netdm/constants.js';
import type { MonitorStats } from '../families/netdm/parse.js';
import { type GenlFamily, resolveFamily } from '../genl/family.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_GENERIC } from '../netlink/constants.js';
import { DecodeError, isForbidden, type NetlinkError } from '../netlink/errors.js';
import { NetlinkSocket } from '../netlink/socket.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import type { CollectContext, Collector, ProbeResult } from './types.js';
import { registerCollector } from './types.js';

/** Capability that joining the admin-only events group needs. */
const NEEDS_SYS_ADMIN = 'CAP_SYS_ADMIN';

const D = {
  drops: {
    name: 'nft_drop_packets_total',
    type: 'counter',
    help: 'Packets the kernel dropped since the exporter started, by origin (sw, hw), from the NET_DM alerts; reason is always "total".',
    labels: ['origin', 'reason'],
    source: 'NET_DM events group: NET_DM_CMD_ALERT and NET_DM_CMD_PACKET_ALERT',
  },
  dropsByReason: {
    name: 'nft_drop_packets_by_reason_total',
    type: 'counter',
    help: 'Packets the kernel dropped since the exporter started, by origin and drop reason (software) or trap (hardware), from NET_DM packet alerts.',
    labels: ['origin', 'reason'],
    source: 'NET_DM_CMD_PACKET_ALERT NET_DM_ATTR_REASON, NET_DM_ATTR_HW_TRAP_NAME',
  },
  unreported: {
    name: 'nft_drop_monitor_unreported_total',
    type: 'counter',
    help: 'Drops the kernel drop monitor could not report because its per-CPU queue was full, by origin; a health signal, not a drop total.',
    labels: ['origin'],
    source: 'NET_DM_CMD_STATS_GET NET_DM_ATTR_STATS.NET_DM_ATTR_STATS_DROPPED',
  },
  info: {
    name: 'nft_drop_monitor_info',
    type: 'gauge',
    help: 'Drop monitor state as labels, value 1: alert mode the exporter asked for (summary, packet) and owner (exporter when it started the monitor, other when another tool had).',
    labels: ['mode', 'owner'],
    source: 'NET_DM_CMD_CONFIG and NET_DM_CMD_START replies',
  },
  listenerResets: {
    name: 'nft_drop_monitor_listener_resets_total',
    type: 'counter',
    help: 'Times the exporter reopened its NET_DM events socket after it failed (for example on receive buffer overflow, ENOBUFS), losing the alerts in between.',
    labels: [],
    source: 'NET_DM events group socket',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Totals the listener accumulated since it started. */
export interface DropTotals {
  readonly software: bigint;
  readonly hardware: bigint;
  /** Drops by `origin\0reason`, from packet alerts. */
  readonly byReason: ReadonlyMap<string, bigint>;
}

/** Everything one scrape reports. */
export interface DropMonitorSnapshot {
  readonly totals: DropTotals;
  readonly stats: MonitorStats | undefined;
  readonly mode: AlertMode;
  readonly ownedByExporter: boolean;
  readonly listenerResets: number;
}

/** Builds the families of one scrape; `byReason` adds the per-reason family. */
export function dropMonitorFamilies(snap: DropMonitorSnapshot, byReason: boolean): MetricFamily[] {
  const drops = family(D.drops);
  addSample(drops, snap.totals.software, 'sw', 'total');
  addSample(drops, snap.totals.hardware, 'hw', 'total');
  const out = [drops];
  if (byReason) {
    const reasons = family(D.dropsByReason);
    for (const [key, count] of snap.totals.byReason) {
      const [origin = '', reason = ''] = key.split('\0');
      addSample(reasons, count, origin, reason);
    }
    out.push(reasons);
  }
  const unreported = family(D.unreported);
  if (snap.stats?.software !== undefined) addSample(unreported, snap.stats.software, 'sw');
  if (snap.stats?.hardware !== undefined) addSample(unreported, snap.stats.hardware, 'hw');
  const info = family(D.info);
  addSample(info, 1, snap.mode, snap.ownedByExporter ? 'exporter' : 'other');
  const resets = family(D.listenerResets);
  addSample(resets, snap.listenerResets);
  out.push(unreported, info, resets);
  return out;
}

/** Adds the drops of decoded alerts to mutable totals. */
export function accumulate(
  totals: { software: bigint; hardware: bigint; byReason: Map<string, bigint> },
  alerts: readonly Alert[],
): void {
  for (const alert of alerts) {
    if (alert.kind === 'summary') {
      totals.software += BigInt(alert.alert.software);
      for (const trap of alert.alert.hardware) totals.hardware += BigInt(trap.count);
      continue;
    }
    const hw = alert.alert.origin === NET_DM_ORIGIN_HW;
    if (hw) totals.hardware += 1n;
    else totals.software += 1n;
    const reason = (hw ? alert.alert.trap : alert.alert.reason) ?? 'unknown';
    const key = `${hw ? 'hw' : 'sw'}\0${reason}`;
    totals.byReason.set(key, (totals.byReason.get(key) ?? 0n) + 1n);
  }
}

/**
 * The drop monitor's long-lived state: the events socket, the totals since start, and
 * whether the exporter owns the monitor. One exists per collector.
 */
class DropMonitor {
  private socket: NetlinkSocket | undefined;
  private genl: GenlFamily | undefined;
  private owned = false;
  private mode: AlertMode = 'summary';
  private resets = 0;
  private malformed = 0;
  private readonly totals = { software: 0n, hardware: 0n, byReason: new Map<string, bigint>() };

  /** Starts monitoring and listening unless the listener runs; see the file comment. */
  async probe(ctx: CollectContext): Promise<ProbeResult> {
    if (this.socket !== undefined && !this.socket.isClosed) return { kind: 'available' };
    try {
      return await this.open(ctx);
    } catch (err) {
      this.closeSocket();
      return probeFailure(err, 'starting the NET_DM drop monitor');
    }
  }

  private async open(ctx: CollectContext): Promise<ProbeResult> {
    const socket = NetlinkSocket.open(
      NETLINK_GENERIC,
      ctx.netns === undefined ? {} : { netns: ctx.netns },
    );
    this.socket = socket;
    const opts = dumpOptions(ctx);
    const resolved = await resolveFamily(socket, NET_DM_GENL_NAME, ctx.netns ?? '', opts);
    if (resolved.kind === 'unavailable') {
      this.closeSocket();
      return { kind: 'unavailable', reason: resolved.reason };
    }
    const genl = resolved.family;
    const group = genl.groups.get(NET_DM_GROUP_EVENTS);
    if (group === undefined) {
      this.closeSocket();
      return { kind: 'unavailable', reason: 'the NET_DM family has no events multicast group' };
    }
    this.genl = genl;
    // NB: after a listener reset the monitor is still running under the exporter, and a
    // second start would fail with EBUSY and look like another owner.
    if (!this.owned) {
      this.mode = ctx.config.dropMonitor.byReason ? 'packet' : 'summary';
      const outcome = await startMonitoring(socket, genl, this.mode, opts);
      this.owned = outcome.started;
      if (!outcome.started) {
        ctx.log.info(
          'drop monitor already running under another tool; it is left running at exit',
          {
            errno: outcome.errno,
          },
        );
      }
    }
    try {
      socket.joinGroup(group, (datagram) => this.onDatagram(datagram));
    } catch (err) {
      if (this.owned) await stopMonitoring(socket, genl, opts).catch(() => undefined);
      this.owned = false;
      this.closeSocket();
      if (isForbidden(err)) {
        const errno = (err as NetlinkError).errnoName;
        return {
          kind: 'forbidden',
          reason: `joining the NET_DM events multicast group was rejected (${errno}); grant ${NEEDS_SYS_ADMIN}`,
        };
      }
      throw err;
    }
    return { kind: 'available' };
  }

  private onDatagram(datagram: Buffer): void {
    if (this.genl === undefined) return;
    try {
      accumulate(this.totals, decodeAlerts(this.genl, datagram));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.malformed++;
    }
  }

  /** Reports the totals; reopens the events socket first if it failed since the last scrape. */
  async collect(ctx: CollectContext): Promise<MetricFamily[]> {
    if (this.socket === undefined || this.socket.isClosed) {
      this.resets++;
      const reopened = await this.probe(ctx);
      if (reopened.kind !== 'available')
        throw new Error(`reopening the NET_DM listener failed: ${reopened.reason}`);
    }
    ctx.stats.addSkipped(this.malformed);
    this.malformed = 0;
    const genl = this.genl;
    const stats =
      genl === undefined
        ? undefined
        : await withSocket(ctx, NETLINK_GENERIC, (socket) =>
            readMonitorStats(socket, genl, dumpOptions(ctx)),
          ).catch((err: unknown) => {
            ctx.log.debug('NET_DM statistics unavailable', { err });
            return undefined;
          });
    const snap: DropMonitorSnapshot = {
      totals: this.totals,
      stats,
      mode: this.mode,
      ownedByExporter: this.owned,
      listenerResets: this.resets,
    };
    return dropMonitorFamilies(snap, ctx.config.dropMonitor.byReason);
  }

  /** Stops the monitor if the exporter started it, and closes the events socket. */
  async close(): Promise<void> {
    const socket = this.socket;
    const genl = this.genl;
    if (socket !== undefined && !socket.isClosed && genl !== undefined && this.owned) {
      await stopMonitoring(socket, genl);
    }
    this.owned = false;
    this.closeSocket();
  }

  private closeSocket(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}

/** Creates a drop_monitor collector with its own monitor state (tests make their own). */
export function createDropMonitorCollector(): Collector {
  const monitor = new DropMonitor();
  return {
    name: 'drop_monitor',
    descriptors: Object.values(D),
    interfaceScoped: false,
    probe: (ctx) => monitor.probe(ctx),
    collect: (ctx) => monitor.collect(ctx),
    close: () => monitor.close(),
  };
}

/** The drop_monitor collector. */
export const dropMonitorCollector = registerCollector(createDropMonitorCollector());
