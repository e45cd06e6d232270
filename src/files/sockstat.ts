// Parsers and reader for /proc/net/sockstat and /proc/net/sockstat6 (net/ipv4/proc.c and
// net/ipv6/proc.c), lines of "PROTO: key value key value ...":
//   sockets: used 12
//   TCP: inuse 1 orphan 0 tw 2 alloc 1 mem 0
//   FRAG: inuse 0 memory 0
// TCP, UDP and UDPLITE "mem" is in pages of the kernel's page size, and FRAG "memory" is in
// bytes. sockstat6 is absent when IPv6 is disabled. The page size comes from the exporter's
// own auxiliary vector (/proc/self/auxv, entry AT_PAGESZ), which the kernel fills in.

import { endianness } from 'node:os';
import type { FileReader } from './paths.js';

/** One value, for example protocol `TCP`, key `inuse`. */
export interface SockstatEntry {
  readonly protocol: string;
  readonly key: string;
  readonly value: number;
}

/** Entries in file order (sockstat, then sockstat6) and the malformed entries skipped. */
export interface SockstatSnapshot {
  readonly entries: readonly SockstatEntry[];
  /** Bytes per page for the "mem" keys, left out when /proc/self/auxv could not be read. */
  readonly pageSize?: number;
  readonly skipped: number;
}

/** Relative paths under the procfs root. sockstat6 and self/auxv are optional. */
export const SOCKSTAT_PATH = 'net/sockstat';
export const SOCKSTAT6_PATH = 'net/sockstat6';
export const AUXV_PATH = 'self/auxv';

const SIGNED = /^-?\d{1,16}$/;

/**
 * Parses sockstat or sockstat6 text. A line without a "PROTO:" prefix and key-value pairs is
 * skipped and counted. So is each value that is not an integer, and a trailing key without
 * a value.
 */
export function parseSockstat(text: string): SockstatSnapshot {
  const entries: SockstatEntry[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    const head = tokens.shift() ?? '';
    if (head === '') continue;
    if (head.length < 2 || !head.endsWith(':') || tokens.length < 2) {
      skipped++;
      continue;
    }
    const protocol = head.slice(0, -1);
    for (let i = 0; i < tokens.length; i += 2) {
      const key = tokens[i] ?? '';
      const value = tokens[i + 1];
      if (value === undefined || !SIGNED.test(value)) {
        skipped++;
        continue;
      }
      entries.push({ protocol, key, value: Number(value) });
    }
  }
  return { entries, skipped };
}

// AT_PAGESZ is from /usr/include/linux/auxvec.h. AT_NULL (0) ends the vector.
const AT_NULL = 0n;
const AT_PAGESZ = 6n;
const WORD_64_ARCHS = new Set(['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el']);

/**
 * Returns the page size from the bytes of an auxiliary vector, a list of (type, value)
 * machine words in native byte order, or undefined when AT_PAGESZ is missing or zero.
 */
export function parseAuxvPageSize(
  bytes: Uint8Array,
  wordSize: 4 | 8 = WORD_64_ARCHS.has(process.arch) ? 8 : 4,
  littleEndian: boolean = endianness() === 'LE',
): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (offset: number): bigint =>
    wordSize === 8
      ? view.getBigUint64(offset, littleEndian)
      : BigInt(view.getUint32(offset, littleEndian));
  for (let offset = 0; offset + 2 * wordSize <= bytes.byteLength; offset += 2 * wordSize) {
    const type = word(offset);
    if (type === AT_NULL) break;
    if (type === AT_PAGESZ) {
      const value = word(offset + wordSize);
      return value > 0n && value <= 2n ** 32n ? Number(value) : undefined;
    }
  }
  return undefined;
}

/**
 * Reads /proc/net/sockstat, the optional /proc/net/sockstat6 and the page size. Returns
 * undefined when /proc/net/sockstat is absent.
 */
export async function readSockstat(reader: FileReader): Promise<SockstatSnapshot | undefined> {
  const v4 = await reader.readText('procfs', SOCKSTAT_PATH);
  if (v4 === undefined) return undefined;
  const v6 = await reader.readText('procfs', SOCKSTAT6_PATH);
  const auxv = await reader.readBytes('procfs', AUXV_PATH);

  const first = parseSockstat(v4);
  const second = v6 === undefined ? { entries: [], skipped: 0 } : parseSockstat(v6);
  const pageSize = auxv === undefined ? undefined : parseAuxvPageSize(auxv);
  const entries = [...first.entries, ...second.entries];
  const skipped = first.skipped + second.skipped;
  return pageSize === undefined ? { entries, skipped } : { entries, pageSize, skipped };
}
