// sock_diag tallies from dumps captured in a known scene (scripts/capture-sockdiag.sh), the
// request builders, and the decode errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inetDiagRequest, unixDiagRequest } from '../../src/families/sockdiag/client.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_MPTCP,
  IPPROTO_RAW,
  IPPROTO_TCP,
  IPPROTO_UDP,
  STATE_NAMES,
} from '../../src/families/sockdiag/constants.js';
import {
  SocketTally,
  tallyInetMessage,
  tallyUnixMessage,
} from '../../src/families/sockdiag/parse.js';
import { DecodeError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';

/** Returns a tally as a plain object: [sockets, receive queue, send queue] by state name. */
function summary(tally: SocketTally): Record<string, unknown> {
  const byState: Record<string, number[]> = {};
  for (let state = 0; state < tally.sockets.length; state++) {
    if (tally.sockets[state] === 0) continue;
    byState[STATE_NAMES[state] ?? String(state)] = [
      tally.sockets[state]!,
      tally.receiveQueueBytes[state]!,
      tally.sendQueueBytes[state]!,
    ];
  }
  return {
    byState,
    drops: tally.drops,
    retransmits: tally.retransmits,
    listeners: tally.listeners,
    listenQueue: tally.listenQueue,
    listenQueueMax: tally.listenQueueMax,
    listenBacklog: tally.listenBacklog,
    listenFillMax: tally.listenFillMax,
  };
}

function tallyInetFixture(name: string, tcpInfo: boolean): SocketTally {
  const tally = new SocketTally(name, 'inet');
  forEachMessage(loadDatagrams('sockdiag', name), (buf, _type, _flags, start, end) => {
    tallyInetMessage(tally, buf, start, end, tcpInfo);
  });
  return tally;
}

function tallyUnixFixture(): Map<number, SocketTally> {
  const tallies = new Map<number, SocketTally>();
  const tallyOf = (type: number): SocketTally => {
    let tally = tallies.get(type);
    if (tally === undefined) {
      tally = new SocketTally(`unix ${type}`, 'unix');
      tallies.set(type, tally);
    }
    return tally;
  };
  forEachMessage(loadDatagrams('sockdiag', 'unix'), (buf, _type, _flags, start, end) => {
    tallyUnixMessage(tallyOf, buf, start, end);
  });
  return tallies;
}

const EMPTY_LISTEN = {
  listeners: 0,
  listenQueue: 0,
  listenQueueMax: 0,
  listenBacklog: 0,
  listenFillMax: 0,
};

test('IPv4 TCP dump tallies every state', () => {
  assert.deepStrictEqual(summary(tallyInetFixture('tcp4', true)), {
    byState: {
      established: [14, 3000, 0],
      syn_sent: [3, 0, 3],
      fin_wait2: [2, 0, 0],
      close_wait: [2, 0, 0],
      listen: [3, 0, 0],
    },
    drops: 8,
    retransmits: 23,
    // Listeners with backlogs 16, 2 and 2: the full one queues 3, MPTCP's subflow 1.
    listeners: 3,
    listenQueue: 4,
    listenQueueMax: 3,
    listenBacklog: 20,
    listenFillMax: 1,
  });
});

test('IPv6 TCP dump tallies time-wait sockets', () => {
  assert.deepStrictEqual(summary(tallyInetFixture('tcp6', true)), {
    byState: { established: [2, 0, 0], time_wait: [3, 0, 0], listen: [1, 0, 0] },
    drops: 0,
    retransmits: 0,
    listeners: 1,
    listenQueue: 0,
    listenQueueMax: 0,
    listenBacklog: 16,
    listenFillMax: 0,
  });
});

test('UDP dumps tally queued bytes and drops', () => {
  assert.deepStrictEqual(summary(tallyInetFixture('udp4', false)), {
    byState: { established: [1, 0, 0], close: [2, 7488, 0] },
    drops: 41,
    retransmits: 0,
    ...EMPTY_LISTEN,
  });
  assert.deepStrictEqual(summary(tallyInetFixture('udp6', false)), {
    byState: { close: [1, 0, 0] },
    drops: 0,
    retransmits: 0,
    ...EMPTY_LISTEN,
  });
});

test('MPTCP dump tallies its listener', () => {
  assert.deepStrictEqual(summary(tallyInetFixture('mptcp4', false)), {
    byState: { established: [2, 0, 0], listen: [1, 0, 0] },
    drops: 0,
    retransmits: 0,
    listeners: 1,
    listenQueue: 1,
    listenQueueMax: 1,
    listenBacklog: 2,
    listenFillMax: 1 / 3,
  });
});

test('UNIX dump tallies each socket type', () => {
  const tallies = tallyUnixFixture();
  assert.deepStrictEqual([...tallies.keys()].sort(), [1, 2, 5]);
  assert.deepStrictEqual(summary(tallies.get(1)!), {
    byState: { established: [6, 500, 1280], listen: [1, 0, 0] },
    drops: 0,
    retransmits: 0,
    listeners: 1,
    listenQueue: 2,
    listenQueueMax: 2,
    listenBacklog: 4,
    listenFillMax: 0.4,
  });
  assert.deepStrictEqual(summary(tallies.get(2)!), {
    byState: { established: [2, 0, 0], close: [2, 0, 0] },
    drops: 0,
    retransmits: 0,
    ...EMPTY_LISTEN,
  });
  assert.deepStrictEqual(summary(tallies.get(5)!), {
    byState: { established: [2, 0, 0] },
    drops: 0,
    retransmits: 0,
    ...EMPTY_LISTEN,
  });
});

/** Returns the first message of fixture `name` as its own buffer. */
function firstMessage(name: string): Buffer {
  const [datagram] = loadDatagrams('sockdiag', name);
  return Buffer.from(datagram!.subarray(16, datagram!.readUInt32LE(0)));
}

/** Rebuilds `body` with every attribute in `grow` 8 bytes longer and an unknown attribute. */
function grown(body: Buffer, fixed: number, grow: readonly number[]): Buffer {
  const parts: Buffer[] = [body.subarray(0, fixed)];
  for (let pos = fixed; pos + 4 <= body.length; ) {
    const len = body.readUInt16LE(pos);
    const type = body.readUInt16LE(pos + 2);
    if (grow.includes(type)) {
      const longer = Buffer.alloc(len + 8, 0xee);
      body.copy(longer, 0, pos, pos + len);
      longer.writeUInt16LE(len + 8, 0);
      parts.push(longer);
    } else {
      parts.push(body.subarray(pos, pos + ((len + 3) & ~3)));
    }
    pos += (len + 3) & ~3;
  }
  const unknown = Buffer.alloc(8);
  unknown.writeUInt16LE(8, 0);
  unknown.writeUInt16LE(999, 2);
  unknown.writeUInt32LE(0xdeadbeef, 4);
  parts.push(unknown);
  return Buffer.concat(parts);
}

test('longer structs and unknown attributes tally the same', () => {
  const inet = firstMessage('tcp4');
  const original = new SocketTally('tcp', 'inet');
  tallyInetMessage(original, inet, 0, inet.length, true);
  const longer = grown(inet, 72, [2, 7]);
  const again = new SocketTally('tcp', 'inet');
  tallyInetMessage(again, longer, 0, longer.length, true);
  assert.deepStrictEqual(summary(again), summary(original));

  const unix = firstMessage('unix');
  const unixOriginal = new SocketTally('unix_stream', 'unix');
  tallyUnixMessage(() => unixOriginal, unix, 0, unix.length);
  const unixLonger = grown(unix, 16, [4, 5]);
  const unixAgain = new SocketTally('unix_stream', 'unix');
  tallyUnixMessage(() => unixAgain, unixLonger, 0, unixLonger.length);
  assert.deepStrictEqual(summary(unixAgain), summary(unixOriginal));
});

/** Returns the DecodeError that `fn` throws, as path, message and length. */
function decodeError(fn: () => void): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    return { path: err.path, message: err.message, length: err.length };
  }
  assert.fail('expected a DecodeError');
}

test('malformed messages throw DecodeError', () => {
  const tally = new SocketTally('tcp', 'inet');
  const inet = firstMessage('tcp4');
  assert.deepStrictEqual(
    decodeError(() => tallyInetMessage(tally, inet, 0, 71, true)),
    {
      path: 'SOCK_DIAG_BY_FAMILY/inet_diag_msg',
      message: 'invalid SOCK_DIAG_BY_FAMILY/inet_diag_msg: expected at least 72 bytes (length 71)',
      length: 71,
    },
  );

  const overrun = Buffer.from(inet);
  overrun.writeUInt16LE(4000, 72);
  assert.deepStrictEqual(
    decodeError(() => tallyInetMessage(tally, overrun, 0, overrun.length, true)),
    {
      path: 'SOCK_DIAG_BY_FAMILY',
      message: `invalid SOCK_DIAG_BY_FAMILY: attribute header length 4000 does not fit the ${inet.length - 72} bytes left (length 4000)`,
      length: 4000,
    },
  );

  const shortInfo = Buffer.alloc(72 + 8);
  shortInfo.writeUInt16LE(8, 72);
  shortInfo.writeUInt16LE(2, 74);
  assert.deepStrictEqual(
    decodeError(() => tallyInetMessage(tally, shortInfo, 0, shortInfo.length, true)),
    {
      path: 'SOCK_DIAG_BY_FAMILY/INET_DIAG_INFO',
      message:
        'invalid SOCK_DIAG_BY_FAMILY/INET_DIAG_INFO: expected at least 104 bytes of struct tcp_info (length 4)',
      length: 4,
    },
  );

  const shortMeminfo = Buffer.alloc(16 + 8);
  shortMeminfo.writeUInt16LE(8, 16);
  shortMeminfo.writeUInt16LE(5, 18);
  assert.deepStrictEqual(
    decodeError(() => tallyUnixMessage(() => tally, shortMeminfo, 0, shortMeminfo.length)),
    {
      path: 'SOCK_DIAG_BY_FAMILY/UNIX_DIAG_MEMINFO',
      message:
        'invalid SOCK_DIAG_BY_FAMILY/UNIX_DIAG_MEMINFO: expected at least 36 bytes (length 4)',
      length: 4,
    },
  );
});

test('inet request carries family, protocol, extensions and states', () => {
  const tcp = inetDiagRequest(AF_INET6, IPPROTO_TCP);
  const expected = Buffer.alloc(56);
  expected.set([10, 6, 0x42, 0, 0xff, 0xff, 0xff, 0xff]);
  assert.deepStrictEqual(
    { header: Buffer.from(tcp.header), attrs: tcp.attrs },
    { header: expected, attrs: undefined },
  );

  const udp = inetDiagRequest(AF_INET, IPPROTO_UDP, 0);
  assert.deepStrictEqual(
    Buffer.from(udp.header).subarray(0, 8),
    Buffer.from([2, 17, 0x40, 0, 0, 0, 0, 0]),
  );

  const raw = inetDiagRequest(AF_INET, IPPROTO_RAW);
  assert.deepStrictEqual(Buffer.from(raw.header).subarray(0, 4), Buffer.from([2, 255, 0x40, 255]));
});

test('MPTCP request carries the protocol in an attribute', () => {
  const mptcp = inetDiagRequest(AF_INET, IPPROTO_MPTCP);
  assert.deepStrictEqual(
    {
      start: Buffer.from(mptcp.header).subarray(0, 4),
      attrs: mptcp.attrs === undefined ? undefined : Buffer.from(mptcp.attrs),
    },
    {
      start: Buffer.from([2, 0, 0x40, 0]),
      // INET_DIAG_REQ_PROTOCOL (3), u32 262.
      attrs: Buffer.from([8, 0, 3, 0, 0x06, 0x01, 0, 0]),
    },
  );
});

test('UNIX request asks for queues and memory info', () => {
  const expected = Buffer.alloc(24);
  expected.set([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  expected.writeUInt32LE(0x30, 12);
  assert.deepStrictEqual(Buffer.from(unixDiagRequest().header), expected);
});
