// Runs the real exporter process inside a test's network namespace and scrapes it over
// HTTP from inside the same namespace (curl under `ip netns exec`), so everything it reads
// and serves stays in that namespace.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './fixtures.js';
import type { TestNamespace } from './netns.js';
import { portBelowEphemeralRange } from './ports.js';

/** Path of the compiled exporter entry point. */
export const MAIN = join(REPO_ROOT, 'dist', 'src', 'main.js');

/** One HTTP response read by curl. */
export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A running exporter. */
export interface RunningExporter {
  readonly port: number;
  readonly process: ChildProcess;
  /** Everything the exporter wrote to stderr so far. */
  logs(): string;
  /** GETs `path` (default /metrics) with extra request headers. */
  get(path?: string, headers?: Readonly<Record<string, string>>): HttpResponse;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}

/** GETs `url` from inside namespace `ns` with curl. */
export function curlIn(
  ns: string,
  url: string,
  headers: Readonly<Record<string, string>> = {},
  extra: readonly string[] = [],
): HttpResponse {
  const args = ['netns', 'exec', ns, 'curl', '-sS', '--max-time', '30', '-D', '-', ...extra];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const result = spawnSync('ip', args, { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`curl ${url} failed: ${result.stderr}`);
  const raw = result.stdout;
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).split('\r\n');
  const status = Number(head[0]?.split(' ')[1]);
  const headerMap: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    headerMap[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyLatin1 = raw.slice(split + 4);
  return { status, headers: headerMap, body: Buffer.from(bodyLatin1, 'latin1').toString('utf8') };
}

/**
 * Starts `node dist/src/main.js` inside `ns` on 127.0.0.1 and waits until /ready returns
 * 200. `args` are extra command-line flags.
 */
export function startExporter(
  ns: TestNamespace,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningExporter> {
  return launchExporter(ns, [], args, env);
}

/**
 * Starts the exporter in `ns` with `wrapper` (a command and its arguments, such as
 * `setpriv ... --`) in front of node, and waits until /ready returns 200.
 *
 * The port is drawn from below the kernel's ephemeral range, so no connection of the
 * namespace takes it as its source port. When it is in use all the same, the exporter exits
 * at once and the start is tried again on another port.
 */
export async function launchExporter(
  ns: TestNamespace,
  wrapper: readonly string[],
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningExporter> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOnce(ns, wrapper, args, env);
    } catch (err) {
      if (!(err instanceof PortInUse) || attempt === 5) throw err;
    }
  }
}

/** Error of a start that failed because the listen port was already in use. */
class PortInUse extends Error {}

async function launchOnce(
  ns: TestNamespace,
  wrapper: readonly string[],
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<RunningExporter> {
  const port = portBelowEphemeralRange();
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns.name,
      ...wrapper,
      process.execPath,
      MAIN,
      `--web.listen-address=127.0.0.1:${port}`,
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const exporter: RunningExporter = {
    port,
    process: child,
    logs: () => stderr,
    get: (path = '/metrics', headers = {}) =>
      curlIn(ns.name, `http://127.0.0.1:${port}${path}`, headers),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const message = `exporter exited with ${child.exitCode}: ${stderr}`;
      if (stderr.includes('address already in use')) throw new PortInUse(message);
      throw new Error(message);
    }
    try {
      if (exporter.get('/ready').status === 200) return exporter;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`exporter did not become ready within 20 s: ${stderr}`);
}
