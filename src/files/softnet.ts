// Parser and reader for /proc/net/softnet_stat: one line per online CPU, columns of 32-bit
// hex values written by softnet_seq_show() in net/core/net-procfs.c. The width depends on
// the kernel version:
//   9 columns   processed, dropped, time_squeeze, five unused zeros, cpu_collision
//   10 columns  + received_rps
//   11 columns  + flow_limit_count
//   13 columns  + backlog length, CPU index
//   15 columns  + input_pkt_queue length, process_queue length (6.x, where the backlog
//               length is their sum)
// Offline CPUs have no line, so the CPU id is the index column when present and the line
// number otherwise (correct only while every CPU is online). Columns past 15 are ignored.

import type { FileReader } from './paths.js';

/** Counters and queue lengths of one CPU. A field is left out when its column is missing. */
export interface SoftnetCpu {
  readonly cpu: number;
  readonly processed: number;
  readonly dropped: number;
  readonly timeSqueeze: number;
  readonly cpuCollision: number;
  readonly receivedRps?: number;
  readonly flowLimitCount?: number;
  readonly backlogLength?: number;
  readonly inputQueueLength?: number;
  readonly processQueueLength?: number;
}

/** The parsed file: CPUs in file order and the number of malformed lines skipped. */
export interface SoftnetSnapshot {
  readonly cpus: readonly SoftnetCpu[];
  readonly skipped: number;
}

/** Relative path under the procfs root. */
export const SOFTNET_PATH = 'net/softnet_stat';

const MIN_COLUMNS = 9;
const HEX_U32 = /^[0-9a-fA-F]{1,8}$/;

/**
 * Parses the text of /proc/net/softnet_stat. Lines with fewer than 9 columns or with a
 * column that is not a 32-bit hex number are skipped and counted instead of throwing.
 */
export function parseSoftnet(text: string): SoftnetSnapshot {
  const cpus: SoftnetCpu[] = [];
  let skipped = 0;
  let row = 0;
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    if (tokens.length === 1 && tokens[0] === '') continue;
    const values = parseColumns(tokens);
    const parsed = values === undefined ? undefined : toCpu(values, row);
    row++;
    if (parsed === undefined) {
      skipped++;
      continue;
    }
    cpus.push(parsed);
  }
  return { cpus, skipped };
}

function parseColumns(tokens: readonly string[]): number[] | undefined {
  if (tokens.length < MIN_COLUMNS) return undefined;
  const values: number[] = [];
  for (const token of tokens.slice(0, 15)) {
    if (!HEX_U32.test(token)) return undefined;
    values.push(Number.parseInt(token, 16));
  }
  return values;
}

function toCpu(values: readonly number[], row: number): SoftnetCpu {
  const column = (i: number): number => values[i] ?? 0;
  const cpu: {
    -readonly [K in keyof SoftnetCpu]: SoftnetCpu[K];
  } = {
    cpu: values.length >= 13 ? column(12) : row,
    processed: column(0),
    dropped: column(1),
    timeSqueeze: column(2),
    cpuCollision: column(8),
  };
  if (values.length >= 10) cpu.receivedRps = column(9);
  if (values.length >= 11) cpu.flowLimitCount = column(10);
  if (values.length >= 13) cpu.backlogLength = column(11);
  if (values.length >= 15) {
    cpu.inputQueueLength = column(13);
    cpu.processQueueLength = column(14);
  }
  return cpu;
}

/** Reads and parses the file, or returns undefined when it is absent. */
export async function readSoftnet(reader: FileReader): Promise<SoftnetSnapshot | undefined> {
  const text = await reader.readText('procfs', SOFTNET_PATH);
  return text === undefined ? undefined : parseSoftnet(text);
}
