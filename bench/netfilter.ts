// Scrape benchmark of the netfilter collectors on a large ruleset and a full conntrack table:
// one namespace holds 10,000 nftables rules in 100 chains (every other rule with a comment)
// and 100,000 conntrack entries. The exporter runs once per collector and is scraped
// repeatedly; `nft -j list ruleset`, `conntrack -S` and `conntrack -C` run in the same
// namespace in the same run for comparison.
//
// The conntrack entries come from UDP traffic, not `conntrack -I`: a peer namespace sends one
// datagram per destination port pair through a veth pair, which makes one unreplied entry
// each, and the UDP timeouts are raised so that none expire during the run. One
// `conntrack -I` process per entry is measured on a small sample and reported for comparison.
//
// Needs root, curl, nftables and conntrack. Usage: npm run build && node dist/bench/netfilter.js
// Environment: BENCH_NFT_RULES (10000), BENCH_NFT_CHAINS (100), BENCH_CT_ENTRIES (100000),
// BENCH_SCRAPES (20).

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { type BenchNamespace, createBenchNamespace } from './netns-scene.js';
import {
  MAIN,
  measure,
  NODE_FLAGS,
  report,
  type ScrapeFigures,
  startIn,
  stop,
} from './scrape-common.js';

const RULES = Number(process.env['BENCH_NFT_RULES'] ?? 10_000);
const CHAINS = Number(process.env['BENCH_NFT_CHAINS'] ?? 100);
const ENTRIES = Number(process.env['BENCH_CT_ENTRIES'] ?? 100_000);
const SCRAPES = Number(process.env['BENCH_SCRAPES'] ?? 20);
/** Entries made with one `conntrack -I` process each, to time that method. */
const INSERT_SAMPLE = 200;

function runIn(ns: string, cmd: string, args: readonly string[], input?: string): string {
  const out = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${out.stderr}`);
  return out.stdout;
}

/** Runs `cmd` in `ns` `times` times and returns the median wall time in ms. */
function timeCommand(ns: string, cmd: string, args: readonly string[], times: number): number {
  const wall: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    runIn(ns, cmd, args);
    wall.push(performance.now() - start);
  }
  wall.sort((a, b) => a - b);
  return wall[Math.floor((wall.length - 1) / 2)]!;
}

/**
 * A ruleset of `rules` rules spread over `chains` regular chains. No base chain jumps to
 * them, so traffic does not walk them; every other rule has a unique comment.
 */
function rulesetText(rules: number, chains: number): string {
  const lines = ['table inet bench {'];
  const perChain = Math.ceil(rules / chains);
  for (let c = 0; c < chains; c++) {
    lines.push(`  chain c${c} {`);
    for (let r = 0; r < perChain && c * perChain + r < rules; r++) {
      const n = c * perChain + r;
      const match = `ip saddr 10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255} tcp dport ${1 + (n % 65535)}`;
      lines.push(`    ${match} counter accept${n % 2 === 0 ? ` comment "rule ${n}"` : ''}`);
    }
    lines.push('  }');
  }
  lines.push(
    '  chain input { type filter hook input priority filter; policy accept; ct state new counter; }',
    '}',
  );
  return lines.join('\n') + '\n';
}

/** Node program for the peer: one UDP datagram per entry to 192.0.2.1, `count` (argv[1]) in all. */
const UDP_FLOOD = `
const dgram = require('node:dgram');
const count = Number(process.argv[1]);
const sockets = [];
let sent = 0;
function next() {
  if (sent >= count) { for (const s of sockets) s.close(); return; }
  const batch = Math.min(count - sent, 2000);
  let pending = batch;
  for (let i = 0; i < batch; i++, sent++) {
    const socket = sockets[Math.floor(sent / 60000)] ?? (sockets[Math.floor(sent / 60000)] = dgram.createSocket('udp4'));
    socket.send('x', 1 + (sent % 60000), '192.0.2.1', () => { if (--pending === 0) setImmediate(next); });
  }
}
next();
`;

function buildScene(ns: BenchNamespace, peer: BenchNamespace): void {
  ns.batch([
    `link add veth0 type veth peer name veth1 netns ${peer.name}`,
    'link set veth0 up',
    'addr add 192.0.2.1/24 dev veth0',
  ]);
  peer.batch(['link set veth1 up', 'addr add 192.0.2.2/24 dev veth1']);
  // The peer's datagrams make unreplied entries, which expire after
  // nf_conntrack_udp_timeout (30 s by default).
  runIn(ns.name, 'sysctl', ['-qw', 'net.netfilter.nf_conntrack_udp_timeout=3600']);

  let start = performance.now();
  runIn(ns.name, 'nft', ['-f', '-'], rulesetText(RULES, CHAINS));
  console.log(
    `loaded ${RULES} rules in ${CHAINS} chains with nft -f in ${(performance.now() - start).toFixed(0)} ms`,
  );

  start = performance.now();
  runIn(peer.name, process.execPath, ['-e', UDP_FLOOD, String(ENTRIES)]);
  const entries = Number(runIn(ns.name, 'conntrack', ['-C']).trim());
  console.log(
    `made ${entries} conntrack entries from UDP traffic in ${(performance.now() - start).toFixed(0)} ms`,
  );

  start = performance.now();
  for (let i = 0; i < INSERT_SAMPLE; i++) {
    runIn(ns.name, 'conntrack', [
      '-I',
      '-s',
      '198.51.100.1',
      '-d',
      '198.51.100.2',
      '-p',
      'tcp',
      '--sport',
      String(1024 + i),
      '--dport',
      '443',
      '--state',
      'ESTABLISHED',
      '-t',
      '3600',
    ]);
  }
  const perInsert = (performance.now() - start) / INSERT_SAMPLE;
  console.log(
    `conntrack -I: ${perInsert.toFixed(2)} ms per entry, so ${((perInsert * ENTRIES) / 1000).toFixed(0)} s for ${ENTRIES} entries`,
  );
}

/** Collector duration from the self-metric of one scrape, in ms. */
function collectorMs(ns: string, port: number, collector: string): number {
  const body = runIn(ns, 'curl', ['-sS', `http://127.0.0.1:${port}/metrics`]);
  const line = body
    .split('\n')
    .find((l) => l.startsWith(`nft_scrape_collector_duration_seconds{collector="${collector}"}`));
  return Number(line?.split(' ')[1]) * 1000;
}

async function benchCollector(
  ns: string,
  label: string,
  collector: string,
  extra: readonly string[],
): Promise<{ figures: ScrapeFigures; collectorMs: number }> {
  const port = 33480;
  const args = [
    ...NODE_FLAGS,
    MAIN,
    `--web.listen-address=127.0.0.1:${port}`,
    '--collector.disable-defaults',
    `--collector.${collector}`,
    ...extra,
  ];
  const child = await startIn(ns, process.execPath, args, `http://127.0.0.1:${port}/ready`);
  try {
    const figures = measure(label, ns, child.pid!, `http://127.0.0.1:${port}/metrics`, SCRAPES);
    const durations: number[] = [];
    for (let i = 0; i < 5; i++) durations.push(collectorMs(ns, port, collector));
    durations.sort((a, b) => a - b);
    return { figures, collectorMs: durations[2]! };
  } finally {
    await stop(child);
  }
}

async function main(): Promise<void> {
  const ns = createBenchNamespace('nf');
  const peer = createBenchNamespace('nfpeer');
  try {
    buildScene(ns, peer);
    const runs = [
      await benchCollector(ns.name, 'nftables (cap 1000)', 'nftables', []),
      await benchCollector(ns.name, 'nftables (no cap)', 'nftables', [
        `--collector.nftables.max-rule-series=${RULES}`,
      ]),
      await benchCollector(ns.name, 'nftables (table excluded)', 'nftables', [
        '--collector.nftables.table-exclude=bench',
      ]),
      await benchCollector(ns.name, 'conntrack', 'conntrack', []),
      await benchCollector(ns.name, 'conntrack (per CPU)', 'conntrack', [
        '--collector.conntrack.per-cpu',
      ]),
      await benchCollector(ns.name, 'conntrack_expect', 'conntrack_expect', []),
    ];
    report(
      `netfilter collectors, ${RULES} rules in ${CHAINS} chains, ${ENTRIES} conntrack entries`,
      runs.map((r) => r.figures),
    );
    console.log(
      '\n  collector time from nft_scrape_collector_duration_seconds (median of 5 scrapes)',
    );
    for (const run of runs)
      console.log(`  ${run.figures.label.padEnd(30)}${run.collectorMs.toFixed(1).padStart(8)} ms`);

    console.log(
      '\n  the kernel tools in the same namespace (median of 5 runs, process start included)',
    );
    const tools: [string, string, string[]][] = [
      ['nft -j list ruleset', 'nft', ['-j', 'list', 'ruleset']],
      ['nft list ruleset', 'nft', ['list', 'ruleset']],
      ['conntrack -S', 'conntrack', ['-S']],
      ['conntrack -C', 'conntrack', ['-C']],
    ];
    for (const [label, cmd, args] of tools) {
      console.log(
        `  ${label.padEnd(30)}${timeCommand(ns.name, cmd, args, 5).toFixed(1).padStart(8)} ms`,
      );
    }
  } finally {
    ns.remove();
    peer.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
