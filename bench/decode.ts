// Decode throughput of rtnetlink dumps: a 10,000-link RTM_GETLINK dump and a 100,000-route
// RTM_GETROUTE dump are recorded from a namespace built for the run, then decoded by the
// message sinks that the collectors' dumps use, into the same snapshots. Prints messages/s and MB/s next to the kernel's own time to
// produce the same dump. Needs root. Usage: npm run bench:decode

import { performance } from 'node:perf_hooks';
import { RouteSink } from '../src/families/rtnetlink/client.js';
import { parseLink } from '../src/families/rtnetlink/parse.js';
import { NETLINK_ROUTE } from '../src/netlink/constants.js';
import { feedSink, ParsedMessages } from '../src/netlink/message.js';
import { NetlinkSocket, type Reply } from '../src/netlink/socket.js';
import { createBenchNamespace, routeLines, vethPairLines } from './netns-scene.js';

const RUNS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timedDump(
  socket: NetlinkSocket,
  type: number,
  header: Uint8Array,
): Promise<{ reply: Reply; ms: number }> {
  const start = performance.now();
  const reply = await socket.dump(type, header, undefined, { op: 'bench dump' });
  return { reply, ms: performance.now() - start };
}

async function measure(
  label: string,
  socket: NetlinkSocket,
  type: number,
  header: Uint8Array,
  decodeAll: (datagrams: readonly Buffer[]) => number,
): Promise<void> {
  const kernelMs: number[] = [];
  let reply: Reply | undefined;
  for (let i = 0; i < RUNS; i++) {
    const dump = await timedDump(socket, type, header);
    kernelMs.push(dump.ms);
    reply = dump.reply;
  }
  const bytes = reply!.datagrams.reduce((sum, d) => sum + d.length, 0);
  const decodeMs: number[] = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    count = decodeAll(reply!.datagrams);
    decodeMs.push(performance.now() - start);
  }
  const decode = median(decodeMs);
  const kernel = median(kernelMs);
  console.log(
    `${label}: ${count} messages, ${(bytes / 1e6).toFixed(2)} MB in ${reply!.datagrams.length} datagrams\n` +
      `  decode  median ${decode.toFixed(2)} ms  ${((count / decode) * 1000).toFixed(0)} msg/s  ${(bytes / 1e3 / decode).toFixed(0)} MB/s\n` +
      `  kernel  median ${kernel.toFixed(2)} ms (dump request to NLMSG_DONE, receive included)\n` +
      `  decode/kernel ${(decode / kernel).toFixed(2)} (target <= 0.5), throughput target >= 300 MB/s`,
  );
}

async function main(): Promise<void> {
  const ns = createBenchNamespace('decode');
  try {
    console.log('building 5,000 veth pairs (10,000 links) and 100,000 routes ...');
    ns.batch(vethPairLines(5000));
    ns.batch(['addr add 192.0.2.1/24 dev bva0']);
    ns.batch(routeLines(100000, 'bva0'));
    const socket = NetlinkSocket.open(NETLINK_ROUTE, {
      netns: ns.path,
      receiveBufferBytes: 32 * 1024 * 1024,
    });
    try {
      // NB: the sinks are what the collectors' dumps hand every message to as it arrives.
      await measure('RTM_GETLINK', socket, 18, new Uint8Array(16), (datagrams) => {
        const sink = new ParsedMessages(16, parseLink);
        feedSink(datagrams, sink);
        return sink.items.length;
      });
      // IPv4 only: each of the 10,000 links also carries IPv6 link-local and multicast routes.
      await measure(
        'RTM_GETROUTE (AF_INET)',
        socket,
        26,
        Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (datagrams) => {
          const sink = new RouteSink();
          feedSink(datagrams, sink);
          return sink.routes.length;
        },
      );
    } finally {
      socket.close();
    }
  } finally {
    ns.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
