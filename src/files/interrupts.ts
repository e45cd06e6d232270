// Parser and reader for /proc/interrupts, written by show_interrupts() in kernel/irq/proc.c.
// A header of "CPU<n>" columns, one per online CPU, comes first, then one row per IRQ:
//   " 38:          0       2018 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0"
// The counts are followed by the interrupt chip, the hardware IRQ and trigger, and, after
// two spaces, the comma-separated names of the handlers ("actions") registered on the IRQ.
// Rows named by letters (NMI, LOC, RES ...) are architecture counters, not device IRQs, and
// are left out.

import type { FileReader } from './paths.js';
import { parseCount, parseCpuHeader } from './softirqs.js';

/** One numbered IRQ. `counts[i]` belongs to CPU `cpus[i]` of the snapshot. */
export interface InterruptRow {
  readonly irq: string;
  /** Handler names as printed, for example `virtio2-input.0` or `eth0-rx-0, eth0-tx-0`. */
  readonly device: string;
  readonly counts: readonly number[];
}

/** CPU ids from the header, numbered IRQs in file order, and the malformed rows skipped. */
export interface InterruptsSnapshot {
  readonly cpus: readonly number[];
  readonly irqs: readonly InterruptRow[];
  readonly skipped: number;
}

/** Relative path under the procfs root. */
export const INTERRUPTS_PATH = 'interrupts';

const IRQ_NUMBER = /^\d+$/;

/**
 * Parses /proc/interrupts. Without a CPU header the whole file counts as one skipped entry.
 * A numbered row without one decimal count per CPU is skipped and counted.
 */
export function parseInterrupts(text: string): InterruptsSnapshot {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const cpus = parseCpuHeader(lines[0] ?? '');
  if (cpus === undefined) return { cpus: [], irqs: [], skipped: lines.length > 0 ? 1 : 0 };

  const irqs: InterruptRow[] = [];
  let skipped = 0;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const irq = colon < 0 ? '' : line.slice(0, colon).trim();
    if (colon >= 0 && irq !== '' && !IRQ_NUMBER.test(irq)) continue;
    const row = colon < 0 ? undefined : parseRow(irq, line.slice(colon + 1), cpus.length);
    if (row === undefined) skipped++;
    else irqs.push(row);
  }
  return { cpus, irqs, skipped };
}

function parseRow(irq: string, rest: string, width: number): InterruptRow | undefined {
  const counts: number[] = [];
  let position = 0;
  const token = /\S+/g;
  while (counts.length < width) {
    const match = token.exec(rest);
    const count = match === null ? undefined : parseCount(match[0]);
    if (match === null || count === undefined) return undefined;
    counts.push(count);
    position = token.lastIndex;
  }
  return { irq, device: handlerNames(rest.slice(position)), counts };
}

// The handler names follow the last run of two or more spaces. NOTE: an IRQ that has counts
// but no handler prints none, and then the trigger ("0-edge") is taken as the name.
function handlerNames(tail: string): string {
  const trimmed = tail.trim();
  let start = -1;
  for (const match of trimmed.matchAll(/\s{2,}/g)) start = match.index + match[0].length;
  return start < 0 ? '' : trimmed.slice(start);
}

/** Reads and parses the file, or returns undefined when it is absent. */
export async function readInterrupts(reader: FileReader): Promise<InterruptsSnapshot | undefined> {
  const text = await reader.readText('procfs', INTERRUPTS_PATH);
  return text === undefined ? undefined : parseInterrupts(text);
}
