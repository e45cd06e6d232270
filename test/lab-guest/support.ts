// Helpers for the tests that run inside the kernel lab VM (see test/lab/vm.ts): command
// execution with clear errors and throw-away network namespaces.
import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** Time one command may take. Under TCG even short commands take hundreds of milliseconds. */
const COMMAND_TIMEOUT_MS = 60_000;

/**
 * Throws unless this process runs inside the lab VM, whose stage2.sh sets NLX_LAB_GUEST=1.
 * Guest tests load modules and create devices that a developer's host must not get.
 */
export function assertLabGuest(): void {
  if (process.env['NLX_LAB_GUEST'] !== '1') {
    throw new Error('guest tests run only inside the kernel lab VM: run "npm run test:lab"');
  }
}

/** Runs a command and returns its standard output; throws with its stderr when it fails. */
export function run(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: COMMAND_TIMEOUT_MS,
    });
  } catch (error) {
    const failure = error as { status?: number | null; signal?: string | null; stderr?: string };
    const outcome = failure.signal
      ? `was killed by ${failure.signal}`
      : `exited with ${failure.status}`;
    const stderr = failure.stderr?.trim() || '(no stderr)';
    throw new Error(`${[command, ...args].join(' ')} ${outcome}: ${stderr}`, { cause: error });
  }
}

function parseJson(command: string, args: readonly string[], output: string): unknown {
  try {
    return JSON.parse(output);
  } catch (error) {
    throw new Error(`${[command, ...args].join(' ')} printed invalid JSON: ${output}`, {
      cause: error,
    });
  }
}

/** Runs a command that prints JSON (ip -j, tc -j, devlink -j) and returns the parsed value. */
export function runJson(command: string, args: readonly string[]): unknown {
  return parseJson(command, args, run(command, args));
}

let namespaceCount = 0;

/** A network namespace made for one test; it runs its cleanups, then deletes itself. */
export class Netns {
  readonly name: string;
  readonly #cleanups: (() => void)[] = [];

  constructor(label: string) {
    namespaceCount += 1;
    this.name = `nlx-${label}-${process.pid}-${namespaceCount}`;
    run('ip', ['netns', 'add', this.name]);
  }

  /** Runs a command inside the namespace through `ip netns exec`. */
  exec(command: string, args: readonly string[]): string {
    return run('ip', ['netns', 'exec', this.name, command, ...args]);
  }

  /** Runs a command that prints JSON inside the namespace and returns the parsed value. */
  execJson(command: string, args: readonly string[]): unknown {
    return parseJson(command, args, this.exec(command, args));
  }

  /** Registers a cleanup that runs before the namespace is deleted, the latest first. */
  onRemove(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  remove(): void {
    const errors: unknown[] = [];
    for (const cleanup of this.#cleanups.splice(0).reverse()) {
      try {
        cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    run('ip', ['netns', 'delete', this.name]);
    if (errors.length > 0) throw new AggregateError(errors, `cleanup of netns ${this.name} failed`);
  }
}

/** Creates a network namespace that is removed when the test `context` ends, also on failure. */
export function createNetns(context: TestContext, label: string): Netns {
  const netns = new Netns(label);
  context.after(() => netns.remove());
  return netns;
}
