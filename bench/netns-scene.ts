// Builds large scenes in fresh network namespaces for the benchmarks.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** A namespace made by a benchmark, removed by `remove()`. */
export interface BenchNamespace {
  readonly name: string;
  readonly path: string;
  batch(lines: readonly string[]): void;
  remove(): void;
}

function run(cmd: string, args: readonly string[], input?: string): void {
  const result = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${cmd} ${args.slice(0, 4).join(' ')} failed: ${result.stderr?.trim() ?? result.error}`,
    );
  }
}

/** Creates namespace `nlx-bench-<prefix>-<random>` with loopback up. */
export function createBenchNamespace(prefix: string): BenchNamespace {
  const name = `nlx-bench-${prefix}-${randomBytes(3).toString('hex')}`;
  run('ip', ['netns', 'add', name]);
  const ns: BenchNamespace = {
    name,
    path: `/run/netns/${name}`,
    batch: (lines) => {
      for (let i = 0; i < lines.length; i += 20000) {
        run('ip', ['-n', name, '-batch', '-'], lines.slice(i, i + 20000).join('\n') + '\n');
      }
    },
    remove: () => run('ip', ['netns', 'del', name]),
  };
  ns.batch(['link set lo up']);
  return ns;
}

/** Lines for `ip -batch` that add `pairs` veth pairs named `bva<i>`/`bvb<i>`, all up. */
export function vethPairLines(pairs: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < pairs; i++) lines.push(`link add bva${i} type veth peer name bvb${i}`);
  for (let i = 0; i < pairs; i++) lines.push(`link set bva${i} up`, `link set bvb${i} up`);
  return lines;
}

/** Lines that add `count` IPv4 routes through `dev`, in /24s under 10.0.0.0/8 and 11.0.0.0/8. */
export function routeLines(count: number, dev: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(`route add ${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24 dev ${dev}`);
  }
  return lines;
}
