// Shared parts of the netfilter kernel tests: tool checks, an exporter started without
// CAP_NET_ADMIN, ftp and tftp flows that make conntrack expectations, and readers of the
// conntrack tool's text output.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchExporter, type RunningExporter } from '../support/exporter.js';
import type { TestNamespace } from '../support/netns.js';

/**
 * Checks that each command of `tools` ([command, Debian package]) runs. A missing one skips
 * the test on a developer machine and fails it under CI=true. Returns false after a skip.
 */
export function requireTools(
  t: TestContext,
  tools: readonly (readonly [string, string])[],
): boolean {
  for (const [command, pkg] of tools) {
    const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
    if (probe.error === undefined) continue;
    const reason = `${command} is not installed (Debian package ${pkg})`;
    if (process.env['CI'] === 'true') assert.fail(reason);
    t.skip(reason);
    return false;
  }
  return true;
}

/**
 * Starts the exporter in `ns` like startExporter, but through `setpriv` with CAP_NET_ADMIN
 * removed from the bounding and inheritable sets, so the process runs as root without it.
 */
export function startExporterWithoutNetAdmin(
  ns: TestNamespace,
  args: readonly string[],
): Promise<RunningExporter> {
  return launchExporter(
    ns,
    ['setpriv', '--inh-caps=-net_admin', '--bounding-set=-net_admin', '--'],
    args,
  );
}

/**
 * Returns the exporter's JSON log records whose `msg` is `msg`, without their timestamps,
 * once `count` of them arrived. Rejects after 10 s. NB: curl runs synchronously, so the
 * exporter's stderr is read only while this function waits.
 */
export async function waitForLogRecords(
  exporter: RunningExporter,
  msg: string,
  count: number,
): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const records = exporter
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        const { ts: _ts, ...record } = JSON.parse(line) as Record<string, unknown>;
        return record;
      })
      .filter((record) => record['msg'] === msg);
    if (records.length >= count) return records;
    if (Date.now() > deadline) {
      throw new Error(
        `exporter logged ${records.length} of ${count} "${msg}" records: ${exporter.logs()}`,
      );
    }
    await sleep(50);
  }
}

/**
 * Node program for one host address (argv[1]): an ftp control connection whose server
 * announces a passive-mode data port, and a tftp read request, both to the same host. With
 * the ftp and tftp helpers attached, each leaves one expectation. It runs until killed.
 *
 * NB: the ftp helper reads a reply only when it follows a line it has already seen, so the
 * server sends a banner first and the passive-mode reply after the client's command.
 */
const HELPER_FLOWS = `
const net = require('node:net');
const dgram = require('node:dgram');
const host = process.argv[1];
const v6 = host.includes(':');
const server = net.createServer((s) => {
  s.write('220 ready\\r\\n');
  s.on('data', () => s.write(v6
    ? '229 Entering Extended Passive Mode (|||50000|)\\r\\n'
    : '227 Entering Passive Mode (127,0,0,1,195,80)\\r\\n'));
});
server.listen(21, host, () => {
  const client = net.connect(21, host);
  client.on('data', (d) => {
    if (String(d).startsWith('220')) client.write(v6 ? 'EPSV\\r\\n' : 'PASV\\r\\n');
    else process.stdout.write('ftp done\\n');
  });
});
const udp = dgram.createSocket(v6 ? 'udp6' : 'udp4');
udp.send(Buffer.from('\\x00\\x01file\\x00octet\\x00', 'latin1'), 69, host);
setInterval(() => {}, 1000);
`;

/** Running helper flows; stop() kills their processes. */
export interface HelperFlows {
  stop(): void;
}

/** Starts the ftp and tftp flows of HELPER_FLOWS in `ns` for each address of `hosts`. */
export async function startHelperFlows(
  ns: TestNamespace,
  hosts: readonly string[],
): Promise<HelperFlows> {
  const children: ChildProcess[] = [];
  const done: Promise<void>[] = [];
  for (const host of hosts) {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns.name, process.execPath, '-e', HELPER_FLOWS, host],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    done.push(
      new Promise((resolve, reject) => {
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          if (chunk.includes('ftp done')) resolve();
        });
        child.once('exit', (code) =>
          reject(new Error(`helper flow to ${host} exited with ${code}`)),
        );
      }),
    );
  }
  const flows = {
    stop: () => {
      for (const child of children) child.kill('SIGKILL');
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('helper flows did not finish within 10 s')), 10_000);
  });
  try {
    await Promise.race([Promise.all(done), timeout]);
  } catch (err) {
    flows.stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return flows;
}

/** One `conntrack -S` line: `cpu=N` and its counters. */
export type ConntrackCpuLine = Readonly<Record<string, number>>;

/** Parses `conntrack -S` or `conntrack -S expect` output into one record per CPU line. */
export function parseConntrackStats(text: string): ConntrackCpuLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('cpu='))
    .map((line) =>
      Object.fromEntries(
        line
          .trim()
          .split(/\s+/)
          .map((field) => {
            const [name = '', value = ''] = field.split('=');
            return [name, Number(value)];
          }),
      ),
    );
}

/** One `conntrack -L expect` line reduced to its protocol number and helper. */
export interface ExpectLine {
  readonly proto: number;
  readonly helper: string;
}

/** Parses `conntrack -L expect` output. */
export function parseExpectList(text: string): ExpectLine[] {
  return text
    .split('\n')
    .filter((line) => line.includes('proto='))
    .map((line) => ({
      proto: Number(/\bproto=(\d+)/.exec(line)?.[1]),
      helper: /\bhelper=(\S+)/.exec(line)?.[1] ?? '',
    }));
}
