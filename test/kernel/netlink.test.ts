// The netlink foundation against the real kernel, in namespaces the tests create.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { dumpAddresses, dumpLinks } from '../../src/families/rtnetlink/client.js';
import { RTM_GETLINK, RTM_NEWLINK } from '../../src/families/rtnetlink/constants.js';
import { resolveFamily } from '../../src/genl/family.js';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../../src/netlink/constants.js';
import {
  DecodeError,
  DumpInterruptedError,
  KernelError,
  SocketError,
} from '../../src/netlink/errors.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { gcFunction } from '../../src/scrape/heap.js';
import {
  requireKernel,
  runJson,
  type TestNamespace,
  testNamespace,
  threadNamespaceInode,
} from '../support/netns.js';

/** Interface flag names as `ip -j link` prints them, with their IFF_* bits (<linux/if.h>). */
const IP_FLAG_BITS: Readonly<Record<string, number>> = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  NOTRAILERS: 0x20,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  PORTSEL: 0x2000,
  AUTOMEDIA: 0x4000,
  DYNAMIC: 0x8000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
  ECHO: 0x40000,
};

function flagNames(flags: number): string[] {
  return Object.entries(IP_FLAG_BITS)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name)
    .sort();
}

interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
}

test('link dump matches ip -j link for 50 veth pairs', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'links');
  const lines: string[] = [];
  for (let i = 0; i < 50; i++) {
    lines.push(`link add va${i} mtu ${1280 + i} type veth peer name vb${i}`);
    if (i % 2 === 0) lines.push(`link set va${i} up`, `link set vb${i} up`);
  }
  ns.ipBatch(lines);

  const socket = NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.path });
  t.after(() => socket.close());
  const { items } = await dumpLinks(socket);
  const ours = items
    .map((l) => ({ ifindex: l.index, ifname: l.name, flags: flagNames(l.flags), mtu: l.mtu }))
    .sort((a, b) => a.ifindex - b.ifindex);
  const theirs = runJson<IpLink[]>('ip', ['-n', ns.name, '-j', 'link', 'show'])
    .map((l) => ({
      ifindex: l.ifindex,
      ifname: l.ifname,
      flags: l.flags.filter((f) => f in IP_FLAG_BITS).sort(),
      mtu: l.mtu,
    }))
    .sort((a, b) => a.ifindex - b.ifindex);
  assert.equal(ours.length, 101);
  assert.deepEqual(ours, theirs);
});

test('socket in another namespace sees only its links', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'nsopen');
  ns.ip('link', 'add', 'only-here', 'type', 'veth', 'peer', 'name', 'only-peer');
  const before = threadNamespaceInode();
  const socket = NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.path });
  t.after(() => socket.close());
  assert.equal(threadNamespaceInode(), before);

  const names = (await dumpLinks(socket)).items.map((l) => l.name).sort();
  assert.deepEqual(names, ['lo', 'only-here', 'only-peer']);
});

test('missing namespace path gives ENOENT and keeps the namespace', (t) => {
  if (!requireKernel(t)) return;
  const before = threadNamespaceInode();
  assert.throws(
    () => NetlinkSocket.open(NETLINK_ROUTE, { netns: '/run/netns/nlx-does-not-exist' }),
    (err: unknown) => {
      assert.ok(err instanceof SocketError);
      assert.equal(err.code, 'NLX_ERR_SOCKET');
      assert.equal(err.errnoName, 'ENOENT');
      assert.equal(err.syscall, 'open');
      return true;
    },
  );
  assert.equal(threadNamespaceInode(), before);
});

test('strict checking rejects a bad header with extended-ack text', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'extack');
  const socket = NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.path });
  t.after(() => socket.close());
  // An ifinfomsg with a non-zero ifi_type is invalid in a link dump under strict checking.
  const header = new Uint8Array(16);
  header[2] = 1;
  await assert.rejects(
    socket.dump(18, header, undefined, { op: 'dump RTM_GETLINK' }),
    (err: unknown) => {
      assert.ok(err instanceof KernelError);
      assert.equal(err.code, 'NLX_ERR_KERNEL');
      assert.equal(err.errnoName, 'EINVAL');
      assert.equal(err.op, 'dump RTM_GETLINK');
      assert.equal(err.protocol, 'NETLINK_ROUTE');
      assert.equal(err.extAckMessage, 'Invalid values in header for link dump request');
      assert.equal(
        err.message,
        'dump RTM_GETLINK: kernel returned EINVAL: Invalid values in header for link dump request',
      );
      return true;
    },
  );
  // The socket stays usable after a kernel error.
  assert.equal((await dumpLinks(socket)).items.length, 1);
});

test('address dump under churn restarts or fails, never mixes', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'intr');
  ns.ip('link', 'add', 'churn0', 'type', 'veth', 'peer', 'name', 'churn1');
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++)
    lines.push(`addr add 10.${(i >> 8) & 255}.${i & 255}.1/32 dev churn0`);
  ns.ipBatch(lines);

  // A second process adds and removes one address in a tight loop while we dump.
  const churn = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns.name,
      'sh',
      '-c',
      'while :; do ip addr add 10.200.0.1/32 dev churn1; ip addr del 10.200.0.1/32 dev churn1; done',
    ],
    { stdio: 'ignore' },
  );
  t.after(() => churn.kill('SIGKILL'));

  const socket = NetlinkSocket.open(NETLINK_ROUTE, {
    netns: ns.path,
    receiveBufferBytes: 64 * 1024,
  });
  t.after(() => socket.close());
  let restarts = 0;
  let interrupted = 0;
  let completed = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const result = await dumpAddresses(socket, 2, { maxRestarts: 2 });
      restarts += result.restarts;
      completed++;
      // 4000 addresses, loopback's 127.0.0.1, and the churned address when present.
      assert.ok(
        result.items.length === 4001 || result.items.length === 4002,
        `dump returned ${result.items.length} addresses`,
      );
    } catch (err) {
      assert.ok(err instanceof DumpInterruptedError, `unexpected error ${String(err)}`);
      assert.equal(err.restarts, 2);
      interrupted++;
    }
  }
  assert.ok(
    restarts + interrupted > 0,
    'no dump was interrupted; the churn did not overlap the dumps',
  );
  assert.equal(completed + interrupted, 40);
});

test('nlctrl resolves to id 16 and unknown families are unavailable', async (t) => {
  if (!requireKernel(t)) return;
  const socket = NetlinkSocket.open(NETLINK_GENERIC);
  t.after(() => socket.close());
  const nlctrl = await resolveFamily(socket, 'nlctrl', 'test-self');
  assert.equal(nlctrl.kind, 'ok');
  assert.equal(nlctrl.kind === 'ok' && nlctrl.family.id, 16);
  assert.deepEqual(await resolveFamily(socket, 'nlx-none', 'test-self'), {
    kind: 'unavailable',
    reason: 'generic netlink family nlx-none is not registered in the kernel',
  });
});

test('aborting a request closes the socket and rejects', async (t) => {
  if (!requireKernel(t)) return;
  const socket = NetlinkSocket.open(NETLINK_ROUTE);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(dumpLinks(socket, { signal: controller.signal }), {
    code: 'NLX_ERR_ABORTED',
  });
  assert.equal(socket.isClosed, true);
  await assert.rejects(dumpLinks(socket), { code: 'NLX_ERR_CLOSED' });
  socket.close();
});

/**
 * Creates a namespace with `pairs` veth pairs named `<prefix><i>` and `<prefix>p<i>` and opens
 * a NETLINK_ROUTE socket in it, closed when the test ends.
 */
function socketWithVethPairs(
  t: TestContext,
  prefix: string,
  pairs: number,
): { ns: TestNamespace; socket: NetlinkSocket } {
  const ns = testNamespace(t, prefix);
  const lines: string[] = [];
  for (let i = 0; i < pairs; i++)
    lines.push(`link add ${prefix}${i} type veth peer name ${prefix}p${i}`);
  ns.ipBatch(lines);
  const socket = NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.path });
  t.after(() => socket.close());
  return { ns, socket };
}

test('throwing sink ends dump and closes socket', async (t) => {
  if (!requireKernel(t)) return;
  const { socket } = socketWithVethPairs(t, 'sink', 200);
  let seen = 0;
  const broken = new DecodeError('RTM_NEWLINK/IFLA_MTU', 'expected 4 bytes', 2);
  await assert.rejects(
    socket.dumpInto(
      RTM_GETLINK,
      new Uint8Array(16),
      undefined,
      { op: 'dump RTM_GETLINK' },
      {
        message: () => {
          if (++seen === 3) throw broken;
        },
        restart: () => {},
      },
    ),
    (err) => err === broken,
  );
  assert.equal(seen, 3, 'no message may reach the sink after it threw');
  assert.equal(socket.isClosed, true);
});

test('streamed dump delivers each link once', async (t) => {
  if (!requireKernel(t)) return;
  const { ns, socket } = socketWithVethPairs(t, 'stream', 300);
  const indexes: number[] = [];
  const summary = await socket.dumpInto(
    RTM_GETLINK,
    new Uint8Array(16),
    undefined,
    { op: 'dump RTM_GETLINK' },
    {
      message: (buf, type, _flags, payload) => {
        if (type === RTM_NEWLINK) indexes.push(buf.readInt32LE(payload + 4));
      },
      restart: () => {
        indexes.length = 0;
      },
    },
  );
  const listed = runJson<{ ifindex: number }[]>('ip', ['-n', ns.name, '-j', 'link', 'show']);
  assert.deepEqual(
    [...indexes].sort((a, b) => a - b),
    listed.map((l) => l.ifindex).sort((a, b) => a - b),
  );
  assert.equal(summary.messages, indexes.length);
});

/** Counter of the sockets that the garbage collector freed. */
class CollectedSockets {
  count = 0;
  // A FinalizationRegistry that is itself collected calls nothing, so the counter keeps it.
  readonly registry = new FinalizationRegistry<number>(() => {
    this.count += 1;
  });
}

/**
 * Opens `count` sockets, dumps the links on each and closes them when `close` is set, then
 * drops them. The result counts the sockets that the garbage collector frees.
 */
async function dropUsedSockets(count: number, close: boolean): Promise<CollectedSockets> {
  const collected = new CollectedSockets();
  for (let i = 0; i < count; i++) {
    const socket = NetlinkSocket.open(NETLINK_ROUTE);
    await dumpLinks(socket);
    if (close) socket.close();
    collected.registry.register(socket, i);
  }
  return collected;
}

/** Runs full collections until `done` returns true or 20 rounds have passed. */
async function collectUntil(done: () => boolean): Promise<void> {
  const gc = gcFunction();
  for (let round = 0; round < 20 && !done(); round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('closed sockets are garbage collected', async (t) => {
  if (!requireKernel(t)) return;
  const sockets = await dropUsedSockets(16, true);

  await collectUntil(() => sockets.count === 16);

  assert.equal(sockets.count, 16);
});

test('dropped open sockets are collected and closed', async (t) => {
  if (!requireKernel(t)) return;
  const fdsBefore = readdirSync('/proc/self/fd').length;
  const sockets = await dropUsedSockets(16, false);
  assert.equal(readdirSync('/proc/self/fd').length, fdsBefore + 16);

  await collectUntil(() => sockets.count === 16);

  assert.equal(sockets.count, 16);
  assert.equal(readdirSync('/proc/self/fd').length, fdsBefore);
});
