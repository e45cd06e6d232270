// Property test: decoders given random bytes and truncated or length-corrupted variants of
// every captured fixture return a snapshot or throw DecodeError, never anything else.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseCtCpuStats,
  parseCtGlobalStats,
  parseExpCpuStats,
  parseExpectation,
} from '../../src/families/conntrack/parse.js';
import {
  parseDevice as parseDevlinkDevice,
  parseInfo as parseDevlinkInfo,
  parsePort as parseDevlinkPort,
  parseHealthReporter,
} from '../../src/families/devlink/parse.js';
import {
  parseStats as parseEthtoolStats,
  parseFec,
  parseLinkInfo,
  parseLinkModes,
  parseLinkState,
  parsePause,
  parseStringSets,
} from '../../src/families/ethtool/parse.js';
import { parseDestination, parseService } from '../../src/families/ipvs/parse.js';
import {
  parseMonitorStats,
  parsePacketAlert,
  parseSummaryAlert,
} from '../../src/families/netdm/parse.js';
import {
  parseChain,
  parseGeneration,
  parseRule as parseNftRule,
  parseRuleLocation,
  parseTable,
} from '../../src/families/nftables/parse.js';
import {
  parseFlowtable,
  parseObject,
  parseSet,
  parseSetElements,
} from '../../src/families/nftables/parse-objects.js';
import {
  parseAddress,
  parseLink,
  parseNeighbour,
  parseRoute,
} from '../../src/families/rtnetlink/parse.js';
import {
  parseFdbEntry,
  parseNexthop,
  parseRule,
  parseStats,
} from '../../src/families/rtnetlink/stats.js';
import { AF_UNIX } from '../../src/families/sockdiag/constants.js';
import {
  SocketTally,
  tallyInetMessage,
  tallyUnixMessage,
} from '../../src/families/sockdiag/parse.js';
import { parseClass, parseQdisc } from '../../src/families/tc/parse.js';
import { parseDeviceMessage } from '../../src/families/wireguard/parse.js';
import { parsePolicy, parseSa, parseSadInfo, parseSpdInfo } from '../../src/families/xfrm/parse.js';
import { parseFamily } from '../../src/genl/family.js';
import { DecodeError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { listCapturedFixtures, loadDatagrams, loadOrigin } from '../support/fixtures.js';

type Parser = (buf: Buffer, start: number, end: number) => unknown;

/** Tallies one inet_diag_msg, reading struct tcp_info as the TCP dump does. */
function tallyInet(buf: Buffer, start: number, end: number): SocketTally {
  const tally = new SocketTally('tcp', 'inet');
  tallyInetMessage(tally, buf, start, end, true);
  return tally;
}

/** Tallies one unix_diag_msg. */
function tallyUnix(buf: Buffer, start: number, end: number): SocketTally {
  const tally = new SocketTally('unix', 'unix');
  tallyUnixMessage(() => tally, buf, start, end);
  return tally;
}

/** Tallies one SOCK_DIAG_BY_FAMILY reply by its first byte, the address family. */
function tallySockDiag(buf: Buffer, start: number, end: number): SocketTally {
  return start < end && buf[start] === AF_UNIX
    ? tallyUnix(buf, start, end)
    : tallyInet(buf, start, end);
}

/**
 * Parsers for every message type from NLMSG_MIN_TYPE up that dispatch on the generic netlink
 * command, because the kernel assigns generic netlink family ids at run time.
 */
function byGenlCommand(
  parsers: Readonly<Record<number, Parser>>,
): Readonly<Record<number, Parser>> {
  const dispatch: Parser = (buf, start, end) =>
    end > start ? parsers[buf[start]!]?.(buf, start, end) : undefined;
  return new Proxy({}, { get: (_target, key) => (Number(key) >= 16 ? dispatch : undefined) });
}

const PARSERS: Readonly<Record<number, Parser>> = {
  16: parseLink,
  20: parseAddress,
  24: parseRoute,
  28: parseNeighbour,
};
/**
 * Parsers by fixture directory, for directories whose message types mean something else than
 * in PARSERS (the AF_BRIDGE neighbour dump reuses RTM_NEWNEIGH).
 */
const PARSERS_BY_DIRECTORY: Readonly<Record<string, Readonly<Record<number, Parser>>>> = {
  'rtnetlink-extended': {
    16: parseLink,
    28: parseFdbEntry,
    32: parseRule,
    92: parseStats,
    104: parseNexthop,
  },
  tc: { 16: parseLink, 36: parseQdisc, 40: parseClass },
  // nfnetlink types are subsystem << 8 | message; the expectation statistics reply carries
  // the conntrack subsystem (0x103).
  conntrack: {
    259: parseExpCpuStats,
    260: parseCtCpuStats,
    261: parseCtGlobalStats,
    512: parseExpectation,
  },
  sockdiag: { 20: tallySockDiag },
  xfrm: { 16: parseSa, 19: parsePolicy, 34: parseSadInfo, 36: parseSpdInfo },
  nftables: {
    2560: parseTable,
    2563: parseChain,
    2566: parseNftRule,
    2569: parseSet,
    2572: parseSetElements,
    2575: parseGeneration,
    2578: parseObject,
    2582: parseFlowtable,
  },
  ethtool: byGenlCommand({
    1: parseStringSets,
    2: parseLinkInfo,
    4: parseLinkModes,
    6: parseLinkState,
    22: parsePause,
    30: parseFec,
    33: parseEthtoolStats,
  }),
  wireguard: byGenlCommand({ 0: parseDeviceMessage }),
  ipvs: byGenlCommand({ 1: parseService, 5: parseDestination }),
  devlink: byGenlCommand({
    3: parseDevlinkDevice,
    7: parseDevlinkPort,
    51: parseDevlinkInfo,
    52: parseHealthReporter,
  }),
  netdm: byGenlCommand({ 1: parseSummaryAlert, 5: parsePacketAlert, 9: parseMonitorStats }),
};
const ALL_PARSERS: readonly Parser[] = [
  parseLink,
  parseAddress,
  parseRoute,
  parseNeighbour,
  parseFamily,
  parseStats,
  parseFdbEntry,
  parseRule,
  parseNexthop,
  parseQdisc,
  parseClass,
  parseCtCpuStats,
  parseCtGlobalStats,
  parseExpectation,
  parseExpCpuStats,
  parseTable,
  parseChain,
  parseNftRule,
  parseRuleLocation,
  parseSet,
  parseSetElements,
  parseObject,
  parseFlowtable,
  parseGeneration,
  tallyInet,
  tallyUnix,
  parseSa,
  parsePolicy,
  parseSadInfo,
  parseSpdInfo,
  parseStringSets,
  parseEthtoolStats,
  parseLinkInfo,
  parseLinkModes,
  parseLinkState,
  parsePause,
  parseFec,
  parseDeviceMessage,
  parseService,
  parseDestination,
  parseDevlinkDevice,
  parseDevlinkPort,
  parseDevlinkInfo,
  parseHealthReporter,
  parseSummaryAlert,
  parsePacketAlert,
  parseMonitorStats,
];

/** Mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decodeAll(datagrams: Buffer[], parsers: Readonly<Record<number, Parser>>): void {
  forEachMessage(datagrams, (buf, type, _flags, start, end) => {
    const parse = parsers[type];
    if (parse !== undefined) parse(buf, start, end);
  });
}

function mutate(source: Buffer, rand: () => number): Buffer {
  const buf = Buffer.from(source);
  const kind = Math.floor(rand() * 4);
  if (kind === 0) return buf.subarray(0, Math.floor(rand() * buf.length));
  const flips = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < flips && buf.length > 0; i++) {
    const at = Math.floor(rand() * buf.length);
    if (kind === 1) buf[at] = Math.floor(rand() * 256);
    else if (kind === 2 && at + 1 < buf.length)
      buf.writeUInt16LE(Math.floor(rand() * 65536), at - (at % 4));
    else buf[at] = 0xff;
  }
  return buf;
}

const CASES = Number(process.env['FUZZ_CASES'] ?? 12000);

test('every captured fixture records its origin', () => {
  const fixtures = listCapturedFixtures();
  assert.ok(fixtures.length >= 4);
  for (const [family, name] of fixtures) {
    const origin = loadOrigin(family, name);
    for (const key of ['request', 'command', 'kernel', 'arch', 'date'] as const) {
      assert.equal(typeof origin[key], 'string', `${family}/${name}.json lacks ${key}`);
      assert.ok(origin[key].length > 0, `${family}/${name}.json has an empty ${key}`);
    }
  }
});

test(`decoders survive ${CASES} random and corrupted inputs`, () => {
  const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
  const rand = prng(seed);
  const fixtures = listCapturedFixtures().map(
    ([family, name]) =>
      [PARSERS_BY_DIRECTORY[family] ?? PARSERS, loadDatagrams(family, name)] as const,
  );
  for (let i = 0; i < CASES; i++) {
    const useRandom = i % 5 === 0;
    let input: Buffer[];
    let parsers = PARSERS;
    if (useRandom) {
      const len = Math.floor(rand() * 256);
      input = [Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)))];
    } else {
      const [fixtureParsers, datagrams] = fixtures[i % fixtures.length]!;
      parsers = fixtureParsers;
      input = datagrams.map((d) => mutate(d, rand));
    }
    try {
      decodeAll(input, parsers);
      if (useRandom) {
        const body = input[0]!;
        for (const parse of ALL_PARSERS) {
          try {
            parse(body, 0, body.length);
          } catch (err) {
            if (!(err instanceof DecodeError)) throw err;
          }
        }
      }
    } catch (err) {
      if (err instanceof DecodeError) continue;
      assert.fail(
        `case ${i} with FUZZ_SEED=${seed} threw ${String(err)}: ${input.map((d) => d.toString('hex')).join(' ')}`,
      );
    }
  }
});
