// Parsers and reader for the IP, ICMP, TCP and UDP MIB files:
//   /proc/net/snmp and /proc/net/netstat  pairs of lines, "Proto: Name1 Name2 ..." followed
//                                         by "Proto: 1 2 ..." (net/ipv4/proc.c)
//   /proc/net/snmp6                       one "Ip6InReceives   1" pair per line
//                                         (net/ipv6/proc.c), absent when IPv6 is disabled
// Values are kept as signed 64-bit integers: most are unsigned counters, but Tcp MaxConn is
// printed as -1 when the limit is dynamic.

import type { FileReader } from './paths.js';

/** One MIB field, for example protocol `Tcp`, field `RetransSegs`. */
export interface MibField {
  readonly protocol: string;
  readonly field: string;
  readonly value: bigint;
}

/** Fields in file order (snmp, then netstat, then snmp6) and the malformed entries skipped. */
export interface NetstatSnapshot {
  readonly fields: readonly MibField[];
  readonly skipped: number;
}

/** Relative paths under the procfs root. Only snmp is required. */
export const SNMP_PATH = 'net/snmp';
export const NETSTAT_PATH = 'net/netstat';
export const SNMP6_PATH = 'net/snmp6';

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const INTEGER = /^-?\d{1,20}$/;

function parseInt64(token: string): bigint | undefined {
  if (!INTEGER.test(token)) return undefined;
  const value = BigInt(token);
  return value < INT64_MIN || value > UINT64_MAX ? undefined : value;
}

interface Parsed {
  readonly fields: MibField[];
  skipped: number;
}

/**
 * Parses the paired-line format of /proc/net/snmp and /proc/net/netstat. Each header of
 * names must be followed by a value line with the same protocol and number of columns, or
 * the line is skipped and counted. A value that is not a 64-bit integer skips only its field.
 */
export function parsePairedMib(text: string): NetstatSnapshot {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const out: Parsed = { fields: [], skipped: 0 };
  let i = 0;
  while (i < lines.length) {
    const header = splitProtocolLine(lines[i] ?? '');
    const values = splitProtocolLine(lines[i + 1] ?? '');
    if (
      header === undefined ||
      values === undefined ||
      INTEGER.test(header.tokens[0] ?? '') ||
      header.protocol !== values.protocol ||
      header.tokens.length !== values.tokens.length
    ) {
      out.skipped++;
      i++;
      continue;
    }
    addPairedFields(out, header.protocol, header.tokens, values.tokens);
    i += 2;
  }
  return out;
}

function splitProtocolLine(line: string): { protocol: string; tokens: string[] } | undefined {
  const tokens = line.trim().split(/\s+/);
  const first = tokens.shift();
  if (first === undefined || first.length < 2 || !first.endsWith(':')) return undefined;
  return { protocol: first.slice(0, -1), tokens };
}

function addPairedFields(
  out: Parsed,
  protocol: string,
  names: readonly string[],
  values: readonly string[],
): void {
  names.forEach((field, index) => {
    const value = parseInt64(values[index] ?? '');
    if (value === undefined) {
      out.skipped++;
      return;
    }
    out.fields.push({ protocol, field, value });
  });
}

// "Ip6InReceives", "Icmp6OutType133", "UdpLite6InErrors": the protocol runs to the first '6'.
const SNMP6_NAME = /^([A-Za-z]+?6)([A-Za-z0-9_]+)$/;

/** Parses /proc/net/snmp6. Lines that are not "Name value" with a known shape are skipped. */
export function parseSnmp6(text: string): NetstatSnapshot {
  const out: Parsed = { fields: [], skipped: 0 };
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    if (tokens.length === 1 && tokens[0] === '') continue;
    const name = tokens.length === 2 ? SNMP6_NAME.exec(tokens[0] ?? '') : null;
    const value = parseInt64(tokens[1] ?? '');
    if (name === null || value === undefined) {
      out.skipped++;
      continue;
    }
    out.fields.push({ protocol: name[1] ?? '', field: name[2] ?? '', value });
  }
  return out;
}

/**
 * Reads /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6. Returns undefined when
 * /proc/net/snmp is absent. The other two files are optional and add nothing when absent.
 */
export async function readNetstat(reader: FileReader): Promise<NetstatSnapshot | undefined> {
  const snmp = await reader.readText('procfs', SNMP_PATH);
  if (snmp === undefined) return undefined;
  const netstat = await reader.readText('procfs', NETSTAT_PATH);
  const snmp6 = await reader.readText('procfs', SNMP6_PATH);
  const parts = [
    parsePairedMib(snmp),
    netstat === undefined ? undefined : parsePairedMib(netstat),
    snmp6 === undefined ? undefined : parseSnmp6(snmp6),
  ];
  const fields: MibField[] = [];
  let skipped = 0;
  for (const part of parts) {
    if (part === undefined) continue;
    fields.push(...part.fields);
    skipped += part.skipped;
  }
  return { fields, skipped };
}
