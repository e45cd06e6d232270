// Network namespaces for kernel tests: each test makes its own, builds a scene in it with
// iproute2, and removes it afterwards (also when the test fails).

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import type { TestContext } from 'node:test';

/** Runs a command and returns its stdout; throws with stderr on a non-zero exit. */
export function run(cmd: string, args: readonly string[], input?: string): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited with ${result.status}: ${result.stderr.trim()}`,
    );
  }
  return result.stdout;
}

/** Runs a command and parses its stdout as JSON. */
export function runJson<T = unknown>(cmd: string, args: readonly string[]): T {
  return JSON.parse(run(cmd, args)) as T;
}

/** A network namespace made by a test; `path` is what the addon opens. */
export interface TestNamespace {
  readonly name: string;
  readonly path: string;
  /** Runs `ip -n NAME ARGS`. */
  ip(...args: string[]): string;
  /** Runs `ip -n NAME -batch -` with one command per line. */
  ipBatch(lines: readonly string[]): void;
  /** Runs a command inside the namespace (`ip netns exec`). */
  exec(cmd: string, ...args: string[]): string;
  remove(): void;
}

/** Reports why kernel tests cannot run here, or undefined when they can. */
export function kernelTestBlocker(): string | undefined {
  if (process.getuid?.() !== 0) return 'kernel tests need root to create network namespaces';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  return undefined;
}

/**
 * Skips the test with `reason` on a developer machine. Under CI (CI=true) a missing
 * prerequisite fails the test instead, because CI must run every kernel test.
 */
export function requireKernel(t: TestContext): boolean {
  const blocker = kernelTestBlocker();
  if (blocker === undefined) return true;
  if (process.env['CI'] === 'true') throw new Error(`kernel test cannot run in CI: ${blocker}`);
  t.skip(blocker);
  return false;
}

/** Creates a fresh namespace named `nlx-<prefix>-<random>` with loopback up. */
export function createNamespace(prefix: string): TestNamespace {
  const name = `nlx-${prefix}-${randomBytes(3).toString('hex')}`;
  run('ip', ['netns', 'add', name]);
  const ns: TestNamespace = {
    name,
    path: `/run/netns/${name}`,
    ip: (...args) => run('ip', ['-n', name, ...args]),
    ipBatch: (lines) => {
      run('ip', ['-n', name, '-batch', '-'], lines.join('\n') + '\n');
    },
    exec: (cmd, ...args) => run('ip', ['netns', 'exec', name, cmd, ...args]),
    remove: () => {
      spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    },
  };
  ns.ip('link', 'set', 'lo', 'up');
  return ns;
}

/** Creates a namespace that is removed when test `t` ends. */
export function testNamespace(t: TestContext, prefix: string): TestNamespace {
  const ns = createNamespace(prefix);
  t.after(() => ns.remove());
  return ns;
}

/** Returns the inode of the calling thread's network namespace. */
export function threadNamespaceInode(): number {
  return statSync('/proc/thread-self/ns/net').ino;
}
