// The validated configuration that every layer reads. `src/config/load.ts` builds it from
// flags, NLX_* environment variables, the TOML file and defaults, in that precedence.

import type { CollectorName } from '../collectors/names.js';
import type { LogFormat, LogLevel } from '../log.js';

/**
 * A host and port to listen on. `host` is an IPv4 or IPv6 literal (without brackets), a host
 * name, or empty for every local address (`:port`).
 */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Interface include/exclude filter shared by every interface-scoped collector. */
export interface InterfaceFilterConfig {
  /** Interfaces whose name does not match are skipped; unset means all. */
  readonly include?: RegExp;
  /** Interfaces whose name matches are skipped; exclude wins over include. */
  readonly exclude?: RegExp;
}

/** Complete, validated exporter configuration. */
export interface Config {
  /** Path of the TOML file that was read, or undefined when none was. */
  readonly configFile?: string;
  readonly listenAddresses: readonly ListenAddress[];
  readonly telemetryPath: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly collectors: Readonly<Record<CollectorName, boolean>>;
  /** Deadline of one collector within one scrape, in milliseconds (TOML `scrape_timeout_ms`). */
  readonly scrapeTimeoutMs: number;
  /** Restarts of an interrupted netlink dump before the collector fails the scrape. */
  readonly netlinkDumpMaxRestarts: number;
  readonly interfaces: InterfaceFilterConfig;
  /** Concurrent /metrics requests served; beyond it the server responds with 503. */
  readonly maxRequests: number;
  /** Seconds between new probes of collectors that were unavailable. */
  readonly reprobeIntervalSeconds: number;
  /** Age in seconds up to which a failed collector's last good result is served; 0 is off. */
  readonly staleSnapshotMaxAgeSeconds: number;
  readonly pathProcfs: string;
  readonly pathSysfs: string;
  readonly wireguardMaxPeers: number;
  readonly trafficControl: {
    /** Per-qdisc and per-class series are exported while the host has at most this many. */
    readonly maxObjects: number;
  };
  readonly conntrack: {
    /** Export per-CPU statistics with a `cpu` label in addition to the sums. */
    readonly perCpu: boolean;
  };
  readonly nftables: {
    readonly tableInclude?: RegExp;
    readonly tableExclude?: RegExp;
    /** Maximum per-rule series in one scrape; the rest are counted as dropped. */
    readonly maxRuleSeries: number;
  };
  readonly sockDiag: {
    /** Split socket counts by address family (inet, inet6) instead of merging them. */
    readonly byFamily: boolean;
  };
  readonly ipvs: {
    readonly maxServices: number;
    readonly maxDestinations: number;
    /** Export only per-service series, no per-destination series. */
    readonly servicesOnly: boolean;
  };
  readonly dropMonitor: {
    /** Also export drops by reason, from packet mode with truncation. */
    readonly byReason: boolean;
  };
  readonly netstat: {
    /** Fields (`Tcp_RetransSegs`, `TcpExt_ListenDrops` ...) exported; matched whole. */
    readonly fieldInclude: RegExp;
  };
  readonly irq: {
    readonly perCpu: boolean;
    readonly nameInclude?: RegExp;
    readonly nameExclude?: RegExp;
  };
}
