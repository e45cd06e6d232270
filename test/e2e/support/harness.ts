// Shared pieces of the end-to-end tests: tool checks that fail under CI instead of skipping,
// background processes inside a test's network namespace, and polling.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../support/fixtures.js';

/** Directory for files a test leaves for people to look at (git-ignored). */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** Path of a compiled helper script under dist/test/e2e/support/. */
export function supportScript(name: string): string {
  return join(REPO_ROOT, 'dist', 'test', 'e2e', 'support', name);
}

/** Creates test-artifacts/ when missing and returns the path of `name` in it. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/**
 * Returns the reason a tool cannot run, or undefined when `command args` exits 0. Under CI
 * (CI=true) a missing tool throws instead, because CI must run every end-to-end test.
 */
export function toolMissing(
  command: string,
  args: readonly string[],
  debianPackage: string,
): string | undefined {
  const probe = spawnSync(command, args, { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  const reason = `${command} is not usable; install the Debian package "${debianPackage}"`;
  if (process.env['CI'] === 'true') throw new Error(`end-to-end test cannot run in CI: ${reason}`);
  return reason;
}

/** A process started by a test, with everything it printed so far. */
export interface Background {
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM, then SIGKILL after `graceMs`, and resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `command args` inside namespace `ns` with `ip netns exec`, which executes the
 * command in place, so the pid is the command's own. The test must call stop().
 */
export function startIn(
  ns: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Background {
  const child = spawn('ip', ['netns', 'exec', ns, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    stop: async (graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Calls `check` every `intervalMs` until it returns a value other than undefined, and returns
 * that value. Throws after `timeoutMs` with `what` and the last error `check` threw.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}
