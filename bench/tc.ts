// Scrape benchmark of the traffic_control collector on a large host: a namespace with 500 veth
// pairs, each with an HTB tree of 16 classes (one inner class and 15 leaves) and a pfifo qdisc
// on every leaf. The exporter (traffic_control only) runs with the default object cap and
// with a cap above the host's 16,000 qdiscs and classes; node_exporter 1.5 runs with only
// its qdisc collector, in the same namespace and the same run.
//
// It also measures reading link counters with RTM_GETSTATS (IFLA_STATS_LINK_64) against
// the RTM_GETLINK dump that the rtnetlink collector uses, on the same 1,001 links.
// Needs root, curl and prometheus-node-exporter. Usage: npm run build && node dist/bench/tc.js

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import {
  IFLA_EXT_MASK,
  IFLA_STATS_LINK_64,
  RTEXT_FILTER_SKIP_STATS,
  RTM_GETLINK,
  RTM_GETSTATS,
  statsFilterBit,
} from '../src/families/rtnetlink/constants.js';
import { parseLink } from '../src/families/rtnetlink/parse.js';
import { parseStats } from '../src/families/rtnetlink/stats.js';
import { AttrBuilder } from '../src/netlink/attr.js';
import { NETLINK_ROUTE } from '../src/netlink/constants.js';
import { forEachMessage } from '../src/netlink/message.js';
import { NetlinkSocket } from '../src/netlink/socket.js';
import { type BenchNamespace, createBenchNamespace, vethPairLines } from './netns-scene.js';
import {
  countSeries,
  cpuMs,
  MAIN,
  measure,
  NODE_FLAGS,
  peakRssMb,
  report,
  type ScrapeFigures,
  startIn,
  stop,
} from './scrape-common.js';

const LINKS = Number(process.env['BENCH_TC_LINKS'] ?? 500);
const SCRAPES = Number(process.env['BENCH_SCRAPES'] ?? 20);
const LEAVES = 15;
/**
 * Scrapes of node_exporter. One scrape of its qdisc collector took over three minutes on this
 * host (2 vCPUs, Linux 6.18), so it gets fewer scrapes than the exporter.
 */
const PEER_SCRAPES = Number(process.env['BENCH_TC_PEER_SCRAPES'] ?? 2);

/** Like measure() without warm-up scrapes and with a 30-minute curl timeout, for slow peers. */
function measureSlow(
  label: string,
  ns: string,
  pid: number,
  url: string,
  scrapes: number,
): ScrapeFigures {
  const cpuBefore = cpuMs(pid);
  const wall: number[] = [];
  let body = '';
  for (let i = 0; i < scrapes; i++) {
    const out = spawnSync(
      'ip',
      ['netns', 'exec', ns, 'curl', '-sS', '--max-time', '1800', '-w', '\n%{time_total}', url],
      { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
    );
    if (out.status !== 0) throw new Error(`curl ${url} failed: ${out.stderr}`);
    const cut = out.stdout.lastIndexOf('\n');
    body = out.stdout.slice(0, cut);
    wall.push(Number(out.stdout.slice(cut + 1)) * 1000);
  }
  wall.sort((a, b) => a - b);
  const median = wall[Math.floor((wall.length - 1) / 2)]!;
  return {
    label,
    scrapes,
    wallMs: { median, p10: wall[0]!, p90: wall[wall.length - 1]! },
    cpuMsPerScrape: (cpuMs(pid) - cpuBefore) / scrapes,
    peakRssMb: peakRssMb(pid),
    series: countSeries(body),
  };
}

function tcBatch(ns: BenchNamespace, lines: readonly string[]): void {
  for (let i = 0; i < lines.length; i += 20000) {
    const result = spawnSync('tc', ['-n', ns.name, '-force', '-batch', '-'], {
      input: lines.slice(i, i + 20000).join('\n') + '\n',
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`tc -batch failed: ${result.stderr.trim()}`);
  }
}

function htbLines(links: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < links; i++) {
    const dev = `bva${i}`;
    lines.push(
      `qdisc add dev ${dev} root handle 1: htb default 10`,
      `class add dev ${dev} parent 1: classid 1:1 htb rate 1gbit quantum 1514`,
    );
    for (let leaf = 0; leaf < LEAVES; leaf++) {
      const minor = (0x10 + leaf).toString(16);
      lines.push(
        `class add dev ${dev} parent 1:1 classid 1:${minor} htb rate 10mbit ceil 1gbit quantum 1514`,
        `qdisc add dev ${dev} parent 1:${minor} handle ${minor}: pfifo limit 100`,
      );
    }
  }
  return lines;
}

interface DumpFigures {
  readonly label: string;
  readonly bytes: number;
  readonly medianMs: number;
  readonly cpuMs: number;
}

/** Runs `dump` `rounds` times and reports reply bytes, median wall time and CPU per round. */
async function timeDump(
  label: string,
  rounds: number,
  dump: () => Promise<number>,
): Promise<DumpFigures> {
  let bytes = await dump();
  const times: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    bytes = await dump();
    times.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuBefore);
  times.sort((a, b) => a - b);
  return {
    label,
    bytes,
    medianMs: times[Math.floor(times.length / 2)]!,
    cpuMs: (cpu.user + cpu.system) / 1000 / rounds,
  };
}

type Parser = (buf: Buffer, start: number, end: number) => unknown;

/** Dumps `type` once, decodes every message with `parse`, and returns the reply's size in bytes. */
async function dumpAndDecode(
  socket: NetlinkSocket,
  type: number,
  header: Uint8Array,
  attrs: Uint8Array | undefined,
  parse: Parser,
): Promise<number> {
  const reply = await socket.dump(type, header, attrs, { op: 'bench' });
  forEachMessage(reply.datagrams, (buf, _type, _flags, start, end) => {
    parse(buf, start, end);
  });
  return reply.datagrams.reduce((n, d) => n + d.length, 0);
}

/** Compares the ways of reading link counters on the namespace's links. */
async function linkCounters(ns: BenchNamespace, links: number): Promise<void> {
  const socket = NetlinkSocket.open(NETLINK_ROUTE, { netns: ns.path });
  const statsHeader = Buffer.alloc(12);
  statsHeader.writeUInt32LE(statsFilterBit(IFLA_STATS_LINK_64), 8);
  const skipStats = new AttrBuilder().u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS).toBuffer();
  const linkHeader = new Uint8Array(16);
  const rounds = 50;
  try {
    const rows = [
      await timeDump('RTM_GETLINK dump (rtnetlink now)', rounds, () =>
        dumpAndDecode(socket, RTM_GETLINK, linkHeader, undefined, parseLink),
      ),
      await timeDump('RTM_GETSTATS IFLA_STATS_LINK_64 dump', rounds, () =>
        dumpAndDecode(socket, RTM_GETSTATS, statsHeader, undefined, parseStats),
      ),
      await timeDump('RTM_GETLINK SKIP_STATS dump', rounds, () =>
        dumpAndDecode(socket, RTM_GETLINK, linkHeader, skipStats, parseLink),
      ),
    ];
    console.log(`\nlink counters: ${links} links, median of ${rounds} dumps, each decoded`);
    console.log('  request                                   reply bytes  wall median ms  CPU ms');
    for (const r of rows) {
      console.log(
        `  ${r.label.padEnd(40)}${String(r.bytes).padStart(12)}${r.medianMs.toFixed(2).padStart(16)}${r.cpuMs.toFixed(2).padStart(8)}`,
      );
    }
    const [getlink, getstats, skip] = rows as [DumpFigures, DumpFigures, DumpFigures];
    console.log(
      `  RTM_GETSTATS alone: ${(getlink.bytes / getstats.bytes).toFixed(1)}x fewer bytes, ` +
        `${(getlink.medianMs / getstats.medianMs).toFixed(2)}x faster than RTM_GETLINK`,
    );
    console.log(
      '  rtnetlink also needs names, flags, MTU and carrier, which only RTM_GETLINK sends: ' +
        `SKIP_STATS + GETSTATS = ${skip.bytes + getstats.bytes} bytes, ` +
        `${(skip.medianMs + getstats.medianMs).toFixed(2)} ms, ${(skip.cpuMs + getstats.cpuMs).toFixed(2)} CPU ms ` +
        `vs ${getlink.bytes} bytes, ${getlink.medianMs.toFixed(2)} ms, ${getlink.cpuMs.toFixed(2)} CPU ms for RTM_GETLINK alone`,
    );
  } finally {
    socket.close();
  }
}

async function main(): Promise<void> {
  const ns = createBenchNamespace('tc');
  try {
    console.log(`building ${LINKS} veth pairs with an HTB tree of ${LEAVES + 1} classes each ...`);
    ns.batch(vethPairLines(LINKS));
    tcBatch(ns, htbLines(LINKS));
    const objects = LINKS * (2 * LEAVES + 2);

    const exporterArgs = (port: number, extra: readonly string[]): string[] => [
      ...NODE_FLAGS,
      MAIN,
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      '--collector.traffic_control',
      '--log.level=warn',
      ...extra,
    ];
    const capped = await startIn(
      ns.name,
      process.execPath,
      exporterArgs(33490, []),
      'http://127.0.0.1:33490/ready',
    );
    const full = await startIn(
      ns.name,
      process.execPath,
      exporterArgs(33491, [`--collector.traffic_control.max-objects=${objects + 10000}`]),
      'http://127.0.0.1:33491/ready',
    );
    const peer = await startIn(
      ns.name,
      'prometheus-node-exporter',
      [
        '--web.listen-address=127.0.0.1:33492',
        '--collector.disable-defaults',
        '--collector.qdisc',
        '--web.disable-exporter-metrics',
      ],
      // The landing page answers without running the slow qdisc collector.
      'http://127.0.0.1:33492/',
    );
    try {
      const rows = [
        measure(
          'traffic_control, default cap',
          ns.name,
          capped.pid!,
          'http://127.0.0.1:33490/metrics?collect[]=traffic_control',
          SCRAPES,
        ),
        measure(
          'traffic_control, all objects',
          ns.name,
          full.pid!,
          'http://127.0.0.1:33491/metrics?collect[]=traffic_control',
          SCRAPES,
        ),
        measureSlow(
          'node_exporter 1.5 qdisc',
          ns.name,
          peer.pid!,
          'http://127.0.0.1:33492/metrics',
          PEER_SCRAPES,
        ),
      ];
      report(
        `traffic_control: ${LINKS} links with HTB, ${objects} qdiscs and classes (target: wall <= 1/3 of node_exporter)`,
        rows,
      );
      const [cappedRow, fullRow, peerRow] = rows as [
        (typeof rows)[0],
        (typeof rows)[0],
        (typeof rows)[0],
      ];
      console.log(
        `  ratio all objects / node_exporter: wall ${(fullRow.wallMs.median / peerRow.wallMs.median).toFixed(2)}, ` +
          `CPU ${(fullRow.cpuMsPerScrape / peerRow.cpuMsPerScrape).toFixed(2)}; default cap: wall ` +
          `${(cappedRow.wallMs.median / peerRow.wallMs.median).toFixed(2)}`,
      );
    } finally {
      await stop(capped);
      await stop(full);
      await stop(peer);
    }
    await linkCounters(ns, 2 * LINKS + 1);
  } finally {
    ns.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
