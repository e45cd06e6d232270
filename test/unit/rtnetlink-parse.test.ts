// rtnetlink parsers on dumps captured from a known scene (scripts/capture-rtnetlink.sh).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteSink } from '../../src/families/rtnetlink/client.js';
import {
  LINK_STATS_FIELDS,
  type LinkSnapshot,
  parseAddress,
  parseLink,
  parseNeighbour,
  parseRoute,
} from '../../src/families/rtnetlink/parse.js';
import { feedSink, forEachMessage, ParsedMessages } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';

function parseAll<T>(
  name: string,
  type: number,
  parse: (b: Buffer, s: number, e: number) => T,
): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('rtnetlink', name), (buf, msgType, _flags, start, end) => {
    if (msgType === type) out.push(parse(buf, start, end));
  });
  return out;
}

/** Link counters with `values` set and every other field 0. */
function stats(values: Partial<Record<string, bigint>>): Record<string, bigint> {
  return Object.fromEntries(LINK_STATS_FIELDS.map((f) => [f, values[f] ?? 0n]));
}

/** Returns a link snapshot with its counters as a plain record, for deepEqual. */
function plain(link: LinkSnapshot): object {
  return { ...link, stats: link.stats?.toRecord() };
}

test('link dump parses into whole snapshots', () => {
  const links = parseAll('link', 16, parseLink);
  assert.deepEqual(
    links.map((l) => [l.index, l.name, l.kind, l.operstate, l.master]),
    [
      [1, 'lo', undefined, 0, undefined],
      [2, 'veth1', 'veth', 6, undefined],
      [3, 'veth0', 'veth', 6, undefined],
      [4, 'br0', 'bridge', 2, undefined],
      [5, 'port0p', 'veth', 2, undefined],
      [6, 'port0', 'veth', 3, 4],
    ],
  );
  assert.deepEqual(plain(links[2]!), {
    index: 3,
    name: 'veth0',
    type: 1,
    flags: 0x11043,
    operstate: 6,
    txqlen: 1000,
    mtu: 1500,
    carrier: 1,
    alias: 'uplink to rack 7',
    carrierChanges: 2,
    carrierUpCount: 1,
    carrierDownCount: 1,
    address: '2a:8c:1e:4f:a5:55',
    master: undefined,
    kind: 'veth',
    stats: stats({ rx_packets: 7n, tx_packets: 7n, rx_bytes: 586n, tx_bytes: 666n }),
  });
});

test('address dump parses family, prefix, scope and index', () => {
  assert.deepEqual(parseAll('addr', 20, parseAddress), [
    { family: 2, prefixLength: 8, scope: 254, index: 1 },
    { family: 2, prefixLength: 24, scope: 0, index: 3 },
    { family: 2, prefixLength: 24, scope: 0, index: 4 },
    { family: 10, prefixLength: 128, scope: 254, index: 1 },
    { family: 10, prefixLength: 64, scope: 253, index: 2 },
    { family: 10, prefixLength: 64, scope: 0, index: 3 },
    { family: 10, prefixLength: 64, scope: 253, index: 3 },
    { family: 10, prefixLength: 64, scope: 253, index: 4 },
  ]);
});

test('route dump keeps table 100, blackhole and unreachable routes', () => {
  const routes = parseAll('route', 24, parseRoute);
  assert.equal(routes.length, 25);
  assert.deepEqual(routes.slice(0, 6), [
    { family: 2, destinationLength: 16, table: 100, protocol: 3, scope: 0, type: 1, flags: 0 },
    { family: 2, destinationLength: 24, table: 254, protocol: 2, scope: 253, type: 1, flags: 0 },
    { family: 2, destinationLength: 15, table: 254, protocol: 3, scope: 0, type: 6, flags: 0 },
    { family: 2, destinationLength: 16, table: 254, protocol: 3, scope: 0, type: 7, flags: 0 },
    { family: 2, destinationLength: 24, table: 254, protocol: 2, scope: 253, type: 1, flags: 16 },
    { family: 2, destinationLength: 24, table: 254, protocol: 4, scope: 0, type: 1, flags: 0 },
  ]);
  assert.deepEqual(
    routes.filter((r) => r.family === 10).map((r) => `${r.table}/${r.type}`),
    [
      '254/1',
      '254/1',
      '254/1',
      '254/1',
      '255/2',
      '255/2',
      '255/2',
      '255/2',
      '255/2',
      '255/5',
      '255/5',
      '255/5',
    ],
  );
});

test('neighbour dump parses states', () => {
  assert.deepEqual(parseAll('neigh', 28, parseNeighbour), [
    { family: 2, index: 3, state: 0x04, flags: 0 },
    { family: 2, index: 3, state: 0x80, flags: 0 },
    { family: 10, index: 4, state: 0x40, flags: 0 },
    { family: 10, index: 2, state: 0x40, flags: 0 },
    { family: 10, index: 3, state: 0x40, flags: 0 },
    { family: 10, index: 4, state: 0x40, flags: 0 },
    { family: 10, index: 3, state: 0x02, flags: 0 },
    { family: 10, index: 2, state: 0x40, flags: 0 },
    { family: 10, index: 3, state: 0x40, flags: 0 },
    { family: 10, index: 2, state: 0x40, flags: 0 },
    { family: 10, index: 3, state: 0x40, flags: 0 },
  ]);
});

test('longer stats struct and unknown attributes give the same snapshot', () => {
  const [datagram] = loadDatagrams('rtnetlink', 'link');
  const original = parseLink(datagram!, 16, datagram!.readUInt32LE(0));
  // Rebuild lo's message with IFLA_STATS64 grown by 8 bytes and an unknown attribute 999.
  const msgLen = datagram!.readUInt32LE(0);
  const body = datagram!.subarray(16, msgLen);
  const parts: Buffer[] = [body.subarray(0, 16)];
  let pos = 16;
  while (pos + 4 <= body.length) {
    const len = body.readUInt16LE(pos);
    const type = body.readUInt16LE(pos + 2) & 0x3fff;
    const padded = (len + 3) & ~3;
    if (type === 23) {
      const grown = Buffer.alloc(len + 8);
      body.copy(grown, 0, pos, pos + len);
      grown.writeUInt16LE(len + 8, 0);
      parts.push(grown);
    } else {
      parts.push(body.subarray(pos, pos + padded));
    }
    pos += padded;
  }
  const unknown = Buffer.alloc(8);
  unknown.writeUInt16LE(8, 0);
  unknown.writeUInt16LE(999, 2);
  unknown.writeUInt32LE(0xdeadbeef, 4);
  parts.push(unknown);
  const grownBody = Buffer.concat(parts);
  assert.deepEqual(plain(parseLink(grownBody, 0, grownBody.length)), plain(original));
});

test('route sink grows and matches parseRoute', () => {
  const datagrams = loadDatagrams('rtnetlink', 'route');
  const expected = parseAll('route', 24, parseRoute);
  const sink = new RouteSink();
  for (let round = 0; round < 40; round++) feedSink(datagrams, sink);
  assert.equal(sink.routes.length, expected.length * 40);
  for (let i = 0; i < sink.routes.length; i++) {
    assert.deepEqual(sink.routes.get(i), expected[i % expected.length]);
  }
  sink.restart();
  assert.equal(sink.routes.length, 0);
  feedSink(datagrams, sink);
  assert.deepEqual(sink.routes.get(0), expected[0]);
});

test('sink restart forgets messages', () => {
  const sink = new ParsedMessages(16, parseLink);
  feedSink(loadDatagrams('rtnetlink', 'link'), sink);
  assert.equal(sink.items.length, 6);
  sink.restart();
  assert.equal(sink.items.length, 0);
});
