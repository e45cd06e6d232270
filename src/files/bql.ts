// Parser and reader for byte queue limits (BQL) of transmit queues:
//   /sys/class/net/<dev>/queues/tx-<n>/byte_queue_limits/{limit,inflight}
// (lib/dynamic_queue_limits.c, net/core/net-sysfs.c), one decimal number of bytes each.
// Drivers without BQL support have no byte_queue_limits directory. Virtual devices are not
// read: they have no hardware transmit ring for BQL to limit (6.18 shows no directory for
// veth and lo, and ifb's stays at limit 0), and skipping them saves two lookups per veth.

import { omitUndefined } from './defined.js';
import { listHardwareNetDevices, readPerDevice } from './netdev.js';
import type { FileReader } from './paths.js';

/** Raw file texts of one transmit queue. A field is left out when its file is absent. */
export interface BqlQueueFiles {
  readonly queue: string;
  readonly limit?: string;
  readonly inflight?: string;
}

/** BQL sums of one device across its transmit queues that have a readable limit. */
export interface BqlDevice {
  readonly device: string;
  readonly queues: number;
  readonly limitBytes: number;
  readonly inflightBytes: number;
}

/** Devices sorted by name and the malformed files skipped. */
export interface BqlSnapshot {
  readonly devices: readonly BqlDevice[];
  readonly skipped: number;
}

const DECIMAL = /^\d{1,15}$/;

/** Parses one sysfs decimal value, surrounded by whitespace, or returns undefined. */
export function parseSysfsDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : undefined;
}

/**
 * Sums the limit and inflight bytes of each device's queues. A device without any queue
 * whose limit parses is left out. A file that is present but not a decimal number is
 * skipped and counted.
 */
export function parseBql(files: ReadonlyMap<string, readonly BqlQueueFiles[]>): BqlSnapshot {
  const devices: BqlDevice[] = [];
  let skipped = 0;
  for (const [device, queues] of files) {
    let counted = 0;
    let limitBytes = 0;
    let inflightBytes = 0;
    for (const queue of queues) {
      const limit = queue.limit === undefined ? undefined : parseSysfsDecimal(queue.limit);
      const inflight = queue.inflight === undefined ? undefined : parseSysfsDecimal(queue.inflight);
      if (queue.limit !== undefined && limit === undefined) skipped++;
      if (queue.inflight !== undefined && inflight === undefined) skipped++;
      if (limit === undefined) continue;
      counted++;
      limitBytes += limit;
      inflightBytes += inflight ?? 0;
    }
    if (counted > 0) devices.push({ device, queues: counted, limitBytes, inflightBytes });
  }
  return { devices, skipped };
}

/** Reads the BQL files of every transmit queue of one device, or returns an empty list. */
export async function readBqlFiles(reader: FileReader, device: string): Promise<BqlQueueFiles[]> {
  const queues = await reader.list('sysfs', `class/net/${device}/queues`);
  const txQueues = (queues ?? []).filter((queue) => /^tx-\d+$/.test(queue));
  // Listing the queue first costs one call where two reads of absent files would cost two.
  const read = async (queue: string): Promise<BqlQueueFiles | undefined> => {
    const entries = await reader.list('sysfs', `class/net/${device}/queues/${queue}`);
    if (!entries?.includes('byte_queue_limits')) return undefined;
    const base = `class/net/${device}/queues/${queue}/byte_queue_limits`;
    const [limit, inflight] = await Promise.all([
      reader.readText('sysfs', `${base}/limit`),
      reader.readText('sysfs', `${base}/inflight`),
    ]);
    if (limit === undefined && inflight === undefined) return undefined;
    return { queue, ...omitUndefined({ limit, inflight }) };
  };
  const files = await Promise.all(txQueues.map(read));
  return files.filter((queue) => queue !== undefined);
}

/**
 * Reads the BQL files of the non-virtual devices under /sys/class/net that pass `allowed`.
 * Returns undefined when /sys/class/net is absent.
 */
export async function readBql(
  reader: FileReader,
  allowed: (name: string) => boolean,
): Promise<BqlSnapshot | undefined> {
  const devices = await listHardwareNetDevices(reader, allowed);
  if (devices === undefined) return undefined;
  return parseBql(await readPerDevice(devices, (device) => readBqlFiles(reader, device)));
}
