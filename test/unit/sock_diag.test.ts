// The sock_diag collector's families from the captured dumps, compared as whole expositions
// with golden files and linted by promtool.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type SockDiagSnapshot,
  sockDiagFamilies,
  stateLabel,
} from '../../src/collectors/sock_diag.js';
import { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM } from '../../src/families/sockdiag/constants.js';
import {
  SocketTally,
  tallyInetMessage,
  tallyUnixMessage,
} from '../../src/families/sockdiag/parse.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

/** Builds the snapshot of the six captured dumps, in the collector's dump order. */
function fixtureSnapshot(): SockDiagSnapshot {
  const tallies: SocketTally[] = [];
  const inet = [
    ['tcp', 'inet', 'tcp4'],
    ['tcp', 'inet6', 'tcp6'],
    ['udp', 'inet', 'udp4'],
    ['udp', 'inet6', 'udp6'],
    ['mptcp', 'inet', 'mptcp4'],
    ['mptcp', 'inet6', undefined],
  ] as const;
  for (const [protocol, family, fixture] of inet) {
    const tally = new SocketTally(protocol, family);
    if (fixture !== undefined) {
      forEachMessage(loadDatagrams('sockdiag', fixture), (buf, _type, _flags, start, end) => {
        tallyInetMessage(tally, buf, start, end, protocol === 'tcp');
      });
    }
    tallies.push(tally);
  }
  const unix = new Map([
    [SOCK_STREAM, new SocketTally('unix_stream', 'unix')],
    [SOCK_DGRAM, new SocketTally('unix_dgram', 'unix')],
    [SOCK_SEQPACKET, new SocketTally('unix_seqpacket', 'unix')],
  ]);
  forEachMessage(loadDatagrams('sockdiag', 'unix'), (buf, _type, _flags, start, end) => {
    tallyUnixMessage((type) => unix.get(type)!, buf, start, end);
  });
  tallies.push(...unix.values());
  return { tallies };
}

test('merged exposition matches its golden file', (t) => {
  const text = encodeChecked(sockDiagFamilies(fixtureSnapshot(), false), 'text');
  assertGolden('sock_diag.prom', text);
  assertPromtoolClean(t, text);
});

test('per-family exposition matches its golden file', (t) => {
  const text = encodeChecked(sockDiagFamilies(fixtureSnapshot(), true), 'text');
  assertGolden('sock_diag-by-family.prom', text);
  assertPromtoolClean(t, text);
});

test('OpenMetrics exposition matches its golden file', () => {
  const text = encodeChecked(sockDiagFamilies(fixtureSnapshot(), false), 'openmetrics');
  assertGolden('sock_diag.openmetrics', text);
});

test('empty snapshot gives empty families', () => {
  const families = sockDiagFamilies({ tallies: [] }, false);
  assert.deepStrictEqual(
    families.map((f) => [f.desc.name, f.samples.length]),
    [
      ['nft_sockets', 0],
      ['nft_socket_receive_queue_bytes', 0],
      ['nft_socket_send_queue_bytes', 0],
      ['nft_socket_drops_by_open_sockets', 0],
      ['nft_socket_tcp_retransmits_by_open_sockets', 0],
      ['nft_socket_listen_queue_connections', 0],
      ['nft_socket_listen_queue_max_connections', 0],
      ['nft_socket_listen_backlog_connections', 0],
      ['nft_socket_listen_queue_max_fill_ratio', 0],
    ],
  );
});

test('state labels follow the protocol', () => {
  const cases = [
    ['tcp', 7, 'close'],
    ['mptcp', 7, 'close'],
    ['udp', 7, 'unconnected'],
    ['raw', 7, 'unconnected'],
    ['unix_dgram', 7, 'unconnected'],
    ['unix_stream', 7, 'unconnected'],
    ['tcp', 1, 'established'],
    ['tcp', 12, 'new_syn_recv'],
    ['tcp', 13, 'bound_inactive'],
    ['tcp', 0, 'unknown'],
    ['tcp', 99, '99'],
  ] as const;
  for (const [protocol, state, label] of cases) {
    assert.equal(stateLabel(protocol, state), label, `${protocol} state ${state}`);
  }
});
