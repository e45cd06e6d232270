// Parser and reader for /proc/softirqs (fs/proc/softirqs.c): a header of "CPU<n>" columns,
// one per possible CPU, then one row per softirq, "NET_RX: 1236 2023", with one unsigned
// 32-bit decimal count per CPU.

import type { FileReader } from './paths.js';

/** One softirq row. `counts[i]` belongs to CPU `cpus[i]` of the snapshot. */
export interface SoftirqRow {
  readonly name: string;
  readonly counts: readonly number[];
}

/** CPU ids from the header, rows in file order, and the malformed rows skipped. */
export interface SoftirqsSnapshot {
  readonly cpus: readonly number[];
  readonly rows: readonly SoftirqRow[];
  readonly skipped: number;
}

/** Relative path under the procfs root. */
export const SOFTIRQS_PATH = 'softirqs';

const CPU_HEADER = /^CPU(\d+)$/;
const COUNT = /^\d{1,10}$/;

/** Returns the CPU ids of a header line of "CPU<n>" tokens, or undefined for any other line. */
export function parseCpuHeader(line: string): number[] | undefined {
  const tokens = line.trim().split(/\s+/);
  const cpus: number[] = [];
  for (const token of tokens) {
    const match = CPU_HEADER.exec(token);
    if (match === null) return undefined;
    cpus.push(Number(match[1]));
  }
  return cpus.length > 0 ? cpus : undefined;
}

/** Parses a decimal count of at most 10 digits, or returns undefined. */
export function parseCount(token: string): number | undefined {
  return COUNT.test(token) ? Number(token) : undefined;
}

/**
 * Parses /proc/softirqs. Without a CPU header the whole file counts as one skipped entry.
 * A row whose number of counts differs from the number of CPUs, or with a count that is not
 * a decimal number, is skipped and counted.
 */
export function parseSoftirqs(text: string): SoftirqsSnapshot {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const cpus = parseCpuHeader(lines[0] ?? '');
  if (cpus === undefined) return { cpus: [], rows: [], skipped: lines.length > 0 ? 1 : 0 };

  const rows: SoftirqRow[] = [];
  let skipped = 0;
  for (const line of lines.slice(1)) {
    const row = parseRow(line, cpus.length);
    if (row === undefined) skipped++;
    else rows.push(row);
  }
  return { cpus, rows, skipped };
}

function parseRow(line: string, width: number): SoftirqRow | undefined {
  const colon = line.indexOf(':');
  if (colon < 0) return undefined;
  const name = line.slice(0, colon).trim();
  const tokens = line
    .slice(colon + 1)
    .trim()
    .split(/\s+/);
  if (name === '' || tokens.length !== width) return undefined;
  const counts: number[] = [];
  for (const token of tokens) {
    const count = parseCount(token);
    if (count === undefined) return undefined;
    counts.push(count);
  }
  return { name, counts };
}

/** Reads and parses the file, or returns undefined when it is absent. */
export async function readSoftirqs(reader: FileReader): Promise<SoftirqsSnapshot | undefined> {
  const text = await reader.readText('procfs', SOFTIRQS_PATH);
  return text === undefined ? undefined : parseSoftirqs(text);
}
