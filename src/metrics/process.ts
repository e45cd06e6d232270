// Process and Node.js runtime self-metrics, under the names that Prometheus client libraries
// use (`process_*`, `nodejs_*`). Process figures come from procfs (proc(5)), runtime figures
// from Node's own APIs.

import { readdir, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricDescriptor, MetricFamily } from './model.js';

/** Sampling interval of the event loop delay monitor, in milliseconds. */
const EVENT_LOOP_RESOLUTION_MS = 10;

/** Descriptors of every self-metric that {@link ProcessMetrics.collect} can return. */
export const PROCESS_DESCRIPTORS = {
  cpu: {
    name: 'process_cpu_seconds_total',
    type: 'counter',
    unit: 'seconds',
    help: 'User and system CPU time of the exporter process in seconds, from getrusage(RUSAGE_SELF) via process.cpuUsage().',
    labels: [],
    source: 'getrusage(RUSAGE_SELF)',
  },
  startTime: {
    name: 'process_start_time_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Start time of the exporter process in seconds since the Unix epoch, from starttime in /proc/self/stat and btime in /proc/stat.',
    labels: [],
    source: '/proc/self/stat starttime, /proc/stat btime',
  },
  resident: {
    name: 'process_resident_memory_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Resident set size of the exporter process in bytes, from rss in /proc/self/stat.',
    labels: [],
    source: '/proc/self/stat rss',
  },
  virtual: {
    name: 'process_virtual_memory_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Virtual memory size of the exporter process in bytes, from vsize in /proc/self/stat.',
    labels: [],
    source: '/proc/self/stat vsize',
  },
  openFds: {
    name: 'process_open_fds',
    type: 'gauge',
    help: 'Open file descriptors of the exporter process, counted in /proc/self/fd.',
    labels: [],
    source: '/proc/self/fd',
  },
  maxFds: {
    name: 'process_max_fds',
    type: 'gauge',
    help: 'Soft limit on open file descriptors of the exporter process, from Max open files in /proc/self/limits.',
    labels: [],
    source: '/proc/self/limits',
  },
  heapTotal: {
    name: 'nodejs_heap_size_total_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Size of the V8 heap in bytes, from process.memoryUsage().heapTotal.',
    labels: [],
    source: 'process.memoryUsage().heapTotal',
  },
  heapUsed: {
    name: 'nodejs_heap_size_used_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Used part of the V8 heap in bytes, from process.memoryUsage().heapUsed.',
    labels: [],
    source: 'process.memoryUsage().heapUsed',
  },
  external: {
    name: 'nodejs_external_memory_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Memory of C++ objects bound to JavaScript objects in bytes, from process.memoryUsage().external.',
    labels: [],
    source: 'process.memoryUsage().external',
  },
  eventLoopLag: {
    name: 'nodejs_eventloop_lag_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: `Mean event loop delay beyond the ${EVENT_LOOP_RESOLUTION_MS} ms sampling interval since the previous scrape in seconds, from perf_hooks monitorEventLoopDelay.`,
    labels: [],
    source: 'perf_hooks.monitorEventLoopDelay',
  },
  version: {
    name: 'nodejs_version_info',
    type: 'gauge',
    help: 'Node.js version running the exporter, from process.version; the value is always 1.',
    labels: ['version'],
    source: 'process.version',
  },
} as const satisfies Record<string, MetricDescriptor>;

/** The self-metric descriptors as a list, for docs/metrics.md. */
export const PROCESS_DESCRIPTOR_LIST: readonly MetricDescriptor[] =
  Object.values(PROCESS_DESCRIPTORS);

/** Values from /proc/self/stat that the self-metrics use. */
export interface ProcStat {
  /** Start time in clock ticks after boot (field 22, starttime). */
  readonly startTicks: number;
  /** Virtual memory size in bytes (field 23, vsize). */
  readonly virtualBytes: number;
  /** Resident set size in pages (field 24, rss). */
  readonly residentPages: number;
}

/**
 * Parses /proc/self/stat. Returns undefined when the text is malformed. The command name in
 * field 2 may contain spaces and parentheses, so fields are counted from its last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  // Fields after the command name start at field 3 (state).
  const fields = text
    .slice(end + 2)
    .trim()
    .split(' ');
  const startTicks = Number(fields[22 - 3]);
  const virtualBytes = Number(fields[23 - 3]);
  const residentPages = Number(fields[24 - 3]);
  if (![startTicks, virtualBytes, residentPages].every((n) => Number.isSafeInteger(n) && n >= 0)) {
    return undefined;
  }
  return { startTicks, virtualBytes, residentPages };
}

/** Parses the boot time (`btime`, seconds since the epoch) from /proc/stat. */
export function parseBootTime(text: string): number | undefined {
  const match = /^btime (\d+)$/m.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Parses the soft limit of `Max open files` from /proc/self/limits. `unlimited` becomes
 * Infinity. Returns undefined when the line is missing or malformed.
 */
export function parseMaxOpenFiles(text: string): number | undefined {
  const match = /^Max open files +(\d+|unlimited) /m.exec(text);
  if (match === null) return undefined;
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

/** Clock tick rate and page size from the ELF auxiliary vector. */
export interface AuxvConstants {
  /** AT_CLKTCK: clock ticks per second, the unit of times in /proc/self/stat. */
  readonly clockTicks: number;
  /** AT_PAGESZ: page size in bytes, the unit of rss in /proc/self/stat. */
  readonly pageSize: number;
}

const AT_NULL = 0n;
const AT_PAGESZ = 6n;
const AT_CLKTCK = 17n;

/**
 * Parses /proc/self/auxv, a list of (type, value) pairs of native words that ends with
 * AT_NULL (types from linux/auxvec.h). Returns undefined when AT_CLKTCK or AT_PAGESZ is
 * missing. The libc sysconf values for _SC_CLK_TCK and _SC_PAGESIZE come from the same entries.
 */
export function parseAuxv(
  data: Uint8Array,
  wordSize: 4 | 8,
  littleEndian: boolean,
): AuxvConstants | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const word = (offset: number): bigint =>
    wordSize === 8
      ? view.getBigUint64(offset, littleEndian)
      : BigInt(view.getUint32(offset, littleEndian));
  let clockTicks: number | undefined;
  let pageSize: number | undefined;
  for (let offset = 0; offset + 2 * wordSize <= data.byteLength; offset += 2 * wordSize) {
    const type = word(offset);
    if (type === AT_NULL) break;
    if (type === AT_CLKTCK) clockTicks = Number(word(offset + wordSize));
    else if (type === AT_PAGESZ) pageSize = Number(word(offset + wordSize));
  }
  if (clockTicks === undefined || pageSize === undefined || clockTicks === 0) return undefined;
  return { clockTicks, pageSize };
}

/** Node.js architectures with 64-bit native words (values of process.arch). */
const ARCH_64 = new Set(['arm64', 'loong64', 'ppc64', 'riscv64', 's390x', 'x64']);

/** Options of {@link ProcessMetrics}. */
export interface ProcessMetricsOptions {
  /** Mount point of procfs; the files read are under `<procfs>/self` and `<procfs>/stat`. */
  readonly procfs?: string;
}

/**
 * Source of the process and runtime self-metrics. The constructor starts the event loop delay
 * monitor, and {@link ProcessMetrics.close} stops it.
 */
export class ProcessMetrics {
  readonly #procfs: string;
  readonly #histogram: IntervalHistogram;
  #lastLagSeconds = 0;
  #auxv: AuxvConstants | undefined;
  #bootTime: number | undefined;

  constructor(options: ProcessMetricsOptions = {}) {
    this.#procfs = options.procfs ?? '/proc';
    this.#histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.#histogram.enable();
  }

  /**
   * Reads the self-metrics and returns one family per series that could be read. A file that
   * cannot be read or parsed leaves out the series that depend on it; nothing throws.
   */
  async collect(): Promise<MetricFamily[]> {
    const d = PROCESS_DESCRIPTORS;
    // NB: descriptors are counted before the other reads start, so their files are not included.
    const openFds = await this.#countOpenFds();
    const [stat, auxv, bootTime, maxFds] = await Promise.all([
      this.#readText('self/stat').then((t) => (t === undefined ? undefined : parseProcStat(t))),
      this.#readAuxv(),
      this.#readBootTime(),
      this.#readText('self/limits').then((t) =>
        t === undefined ? undefined : parseMaxOpenFiles(t),
      ),
    ]);
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();

    const out: MetricFamily[] = [];
    const add = (desc: MetricDescriptor, value: number | undefined, labels: string[] = []) => {
      if (value !== undefined) out.push({ desc, samples: [{ labels, value }] });
    };
    add(d.cpu, (cpu.user + cpu.system) / 1e6);
    if (stat !== undefined && auxv !== undefined && bootTime !== undefined) {
      add(d.startTime, bootTime + stat.startTicks / auxv.clockTicks);
    }
    if (stat !== undefined && auxv !== undefined)
      add(d.resident, stat.residentPages * auxv.pageSize);
    add(d.virtual, stat?.virtualBytes);
    add(d.openFds, openFds);
    add(d.maxFds, maxFds);
    add(d.heapTotal, memory.heapTotal);
    add(d.heapUsed, memory.heapUsed);
    add(d.external, memory.external);
    add(d.eventLoopLag, this.#takeEventLoopLag());
    add(d.version, 1, [process.version]);
    return out;
  }

  /** Stops the event loop delay monitor. Later calls to collect still work. */
  close(): void {
    this.#histogram.disable();
  }

  /**
   * Returns the mean delay beyond the sampling interval since the previous call and resets
   * the histogram. Without a new sample, the previous value is returned again.
   */
  #takeEventLoopLag(): number {
    const h = this.#histogram;
    if (h.count > 0) {
      const excessNs = h.mean - EVENT_LOOP_RESOLUTION_MS * 1e6;
      this.#lastLagSeconds = Math.max(0, excessNs) / 1e9;
      h.reset();
    }
    return this.#lastLagSeconds;
  }

  async #readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.#procfs, path), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Counts the entries of /proc/self/fd, less the descriptor that the listing itself opens. */
  async #countOpenFds(): Promise<number | undefined> {
    try {
      const entries = await readdir(join(this.#procfs, 'self/fd'));
      return Math.max(0, entries.length - 1);
    } catch {
      return undefined;
    }
  }

  async #readAuxv(): Promise<AuxvConstants | undefined> {
    if (this.#auxv !== undefined) return this.#auxv;
    try {
      const data = await readFile(join(this.#procfs, 'self/auxv'));
      const wordSize = ARCH_64.has(process.arch) ? 8 : 4;
      this.#auxv = parseAuxv(data, wordSize, endianness() === 'LE');
    } catch {
      return undefined;
    }
    return this.#auxv;
  }

  async #readBootTime(): Promise<number | undefined> {
    if (this.#bootTime === undefined) {
      const text = await this.#readText('stat');
      this.#bootTime = text === undefined ? undefined : parseBootTime(text);
    }
    return this.#bootTime;
  }
}
