// Collection time of the ipvs and ethtool collectors on a namespace with 1,000 IPVS services
// of 10 destinations each and 20 veth pairs. Prints the median, minimum and maximum wall time,
// the CPU time per collection and the series count of each collector.
//
// IPVS needs the ip_vs module. When this kernel has no IPVS family (the CI kernel), the
// benchmark runs itself inside the kernel lab VM (test/lab/vm.ts) and prints that it did.
// Figures from the lab come from an emulated CPU (qemu TCG); an estimate is that guest code
// runs about ten times slower than on the host.
// Needs root. Usage: npm run build && node dist/bench/genl.js [--runs N]

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ethtoolCollector } from '../src/collectors/ethtool.js';
import { ipvsCollector } from '../src/collectors/ipvs.js';
import type { CollectContext, Collector } from '../src/collectors/types.js';
import { defaultConfig } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { checkLabHost, describeLabFailure, runInLab } from '../test/lab/vm.js';
import { REPO_ROOT } from '../test/support/fixtures.js';
import { createBenchNamespace, vethPairLines } from './netns-scene.js';

const SERVICES = 1000;
const DESTINATIONS = 10;
const VETH_PAIRS = 20;
const LAB_TIMEOUT_MS = 1_200_000;

/** Reports whether this kernel has the IPVS generic netlink family (module loaded or loadable). */
function hasIpvs(): boolean {
  spawnSync('modprobe', ['-q', 'ip_vs'], { stdio: 'ignore' });
  const result = spawnSync('genl', ['ctrl', 'get', 'name', 'IPVS'], { stdio: 'ignore' });
  return result.status === 0;
}

/** ipvsadm --restore input: SERVICES TCP services on 10.1.x.y:80 with DESTINATIONS each. */
function ipvsRules(): string {
  const lines: string[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const vip = `10.1.${s >> 8}.${s & 255}:80`;
    lines.push(`-A -t ${vip} -s rr`);
    for (let d = 0; d < DESTINATIONS; d++)
      lines.push(`-a -t ${vip} -r 10.2.${s & 255}.${d + 1}:8080 -m`);
  }
  return `${lines.join('\n')}\n`;
}

function context(netns: string): CollectContext {
  return {
    config: {
      ...defaultConfig(),
      ipvs: { maxServices: 100_000, maxDestinations: 1_000_000, servicesOnly: false },
    },
    log: createLogger('error', 'logfmt'),
    signal: new AbortController().signal,
    netns,
    interfaceAllowed: () => true,
    stats: { addDumpRestarts: () => {}, addCapDropped: () => {}, addSkipped: () => {} },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(collector: Collector, ctx: CollectContext, runs: number): Promise<string> {
  const probe = await collector.probe(ctx);
  if (probe.kind !== 'available')
    throw new Error(`${collector.name} is ${probe.kind}: ${probe.reason}`);
  const wall: number[] = [];
  const cpu: number[] = [];
  let series = 0;
  for (let i = 0; i < runs; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const families = await collector.collect(ctx);
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    series = families.reduce((sum, f) => sum + f.samples.length, 0);
  }
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return (
    `${collector.name.padEnd(8)} wall median ${ms(median(wall))} (min ${ms(Math.min(...wall))}, ` +
    `max ${ms(Math.max(...wall))}), CPU median ${ms(median(cpu))}, ${series} series, ${runs} runs`
  );
}

async function runHere(runs: number, where: string): Promise<void> {
  const ns = createBenchNamespace('genl');
  try {
    ns.batch([
      'link add d0 type dummy',
      'addr add 10.0.0.1/8 dev d0',
      'link set d0 up',
      ...vethPairLines(VETH_PAIRS),
    ]);
    const restore = spawnSync('ip', ['netns', 'exec', ns.name, 'ipvsadm', '-R'], {
      input: ipvsRules(),
      encoding: 'utf8',
    });
    if (restore.status !== 0) throw new Error(`ipvsadm -R failed: ${restore.stderr}`);
    console.log(
      `genl collectors on ${where}: ${SERVICES} IPVS services x ${DESTINATIONS} destinations, ` +
        `${VETH_PAIRS * 2 + 2} interfaces, Node.js ${process.version}`,
    );
    const ctx = context(ns.path);
    console.log(await measure(ipvsCollector, ctx, runs));
    console.log(await measure(ethtoolCollector, ctx, runs));
  } finally {
    ns.remove();
  }
}

async function runInLabVm(runs: number): Promise<void> {
  const host = checkLabHost();
  if (!host.ready) throw new Error(`no IPVS on this kernel and no lab: ${host.reason}`);
  const result = await runInLab({
    manifest: host.manifest,
    argv: [
      process.execPath,
      join(REPO_ROOT, 'dist', 'bench', 'genl.js'),
      '--runs',
      String(runs),
      '--guest',
    ],
    cwd: REPO_ROOT,
    timeoutMs: LAB_TIMEOUT_MS,
    consoleLogPath: join(REPO_ROOT, 'test-artifacts', 'bench-genl-console.log'),
  });
  if (result.outcome !== 'completed') throw new Error(describeLabFailure(result, LAB_TIMEOUT_MS));
  process.stdout.write(result.stdout);
  if (result.exitCode !== 0)
    throw new Error(`the benchmark failed in the lab VM: ${result.stderr}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '10' },
      guest: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`invalid --runs "${values.runs}": expected a whole number above 0`);
  }
  if (values.guest) {
    const release = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
    await runHere(runs, `the kernel lab VM (qemu TCG, emulated CPU, kernel ${release})`);
  } else if (hasIpvs()) {
    await runHere(runs, 'this host');
  } else {
    console.log('this kernel has no IPVS family: running in the kernel lab VM');
    await runInLabVm(runs);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
