// Scrape benchmark of the rtnetlink collector on a large host: a namespace with 1,000 veth
// pairs, 10,000 routes and 5,000 neighbours. The exporter (rtnetlink only) and node_exporter
// 1.5 (netdev, netclass, arp, network_route) run in the same namespace and are scraped in
// the same run. Then the benchmarks of the other collectors run, each as its own process.
// Needs root, curl and prometheus-node-exporter. Usage: npm run bench:scrape

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBenchNamespace, routeLines, vethPairLines } from './netns-scene.js';
import { MAIN, measure, NODE_FLAGS, report, startIn, stop } from './scrape-common.js';

const SCRAPES = Number(process.env['BENCH_SCRAPES'] ?? 20);
/** Benchmarks of other collectors, run after this one when they are built. */
const OTHER_BENCHMARKS = process.env['BENCH_RTNETLINK_ONLY']
  ? []
  : ['tc.js', 'netfilter.js', 'sockdiag.js', 'genl.js', 'files.js'];

function neighbourLines(count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const mac = `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    lines.push(
      `neigh add 192.168.${(i >> 8) & 255}.${i & 255} lladdr ${mac} dev bva${i % 1000} nud permanent`,
    );
  }
  return lines;
}

async function rtnetlink(): Promise<void> {
  const ns = createBenchNamespace('scrape');
  try {
    console.log('building 1,000 veth pairs, 10,000 routes and 5,000 neighbours ...');
    ns.batch(vethPairLines(1000));
    ns.batch(['addr add 192.0.2.1/24 dev bva0', 'addr add 192.168.0.1/16 dev bva1']);
    ns.batch(routeLines(10000, 'bva0'));
    ns.batch(neighbourLines(5000));

    const ours = await startIn(
      ns.name,
      process.execPath,
      [
        ...NODE_FLAGS,
        MAIN,
        '--web.listen-address=127.0.0.1:33480',
        '--collector.disable-defaults',
        '--collector.rtnetlink',
        '--log.level=warn',
      ],
      'http://127.0.0.1:33480/ready',
    );
    const peer = await startIn(
      ns.name,
      'prometheus-node-exporter',
      [
        '--web.listen-address=127.0.0.1:33481',
        '--collector.disable-defaults',
        '--collector.netdev',
        '--collector.netclass',
        '--collector.arp',
        '--collector.network_route',
        '--web.disable-exporter-metrics',
      ],
      'http://127.0.0.1:33481/metrics',
    );
    try {
      const rows = [
        measure(
          'netlink_exporter rtnetlink',
          ns.name,
          ours.pid!,
          'http://127.0.0.1:33480/metrics',
          SCRAPES,
        ),
        measure('node_exporter 1.5', ns.name, peer.pid!, 'http://127.0.0.1:33481/metrics', SCRAPES),
      ];
      report(
        'rtnetlink: 2,001 links, 10,000 routes, 5,000 neighbours (targets: wall and CPU <= 1/3 of node_exporter, RSS < 100 MB)',
        rows,
      );
    } finally {
      await stop(ours);
      await stop(peer);
    }
  } finally {
    ns.remove();
  }
}

async function main(): Promise<void> {
  await rtnetlink();
  for (const name of OTHER_BENCHMARKS) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (!existsSync(path)) continue;
    console.log(`\n== ${name.replace(/\.js$/, '')}`);
    const result = spawnSync(process.execPath, [path], { stdio: 'inherit' });
    if (result.status !== 0) console.log(`${name} exited with ${result.status}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
