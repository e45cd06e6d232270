// Shared pieces of the scrape benchmarks: run an exporter process inside a namespace, scrape
// it repeatedly from inside the same namespace, and report wall time, CPU per scrape, peak
// RSS and series count.

import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Compiled exporter entry point. */
export const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
/** Node.js flags that `npm start`, the systemd unit and the container pass to the exporter. */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** Figures of one exporter over a series of scrapes. */
export interface ScrapeFigures {
  readonly label: string;
  readonly scrapes: number;
  readonly wallMs: { median: number; p10: number; p90: number };
  readonly cpuMsPerScrape: number;
  readonly peakRssMb: number;
  readonly series: number;
}

function clockTicks(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(out.stdout.trim()) || 100;
}

/** CPU time (user + system) of `pid` in milliseconds, from /proc/PID/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

/** Reads the kB field `name` of /proc/PID/status in MiB, or NaN when it is absent. */
function statusMb(pid: number, name: string): number {
  const match = new RegExp(`${name}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

/** Peak resident set size of `pid` in MiB, from VmHWM in /proc/PID/status. */
export function peakRssMb(pid: number): number {
  return statusMb(pid, 'VmHWM');
}

/** Current resident set size of `pid` in MiB, from VmRSS in /proc/PID/status. */
export function rssMb(pid: number): number {
  return statusMb(pid, 'VmRSS');
}

/** Fetches `url` inside namespace `ns` with curl; returns the body and curl's total time in ms. */
export function fetchIn(ns: string, url: string): { body: string; ms: number } {
  const out = spawnSync(
    'ip',
    ['netns', 'exec', ns, 'curl', '-sS', '--max-time', '120', '-w', '\n%{time_total}', url],
    {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  if (out.status !== 0) throw new Error(`curl ${url} failed: ${out.stderr}`);
  const cut = out.stdout.lastIndexOf('\n');
  return { body: out.stdout.slice(0, cut), ms: Number(out.stdout.slice(cut + 1)) * 1000 };
}

/** Counts sample lines of an exposition. */
export function countSeries(body: string): number {
  let count = 0;
  for (const line of body.split('\n')) if (line !== '' && !line.startsWith('#')) count++;
  return count;
}

/**
 * Starts `cmd args` inside `ns` and waits until `readyUrl` responds. The child's stderr goes
 * to a file: the scrapes run synchronously, so a pipe would not be read during them, and a
 * child that logs more than the pipe's buffer would block on its write.
 */
export async function startIn(
  ns: string,
  cmd: string,
  args: readonly string[],
  readyUrl: string,
): Promise<ChildProcess> {
  const logPath = join(tmpdir(), `nlx-bench-${cmd.replace(/\W/g, '_')}-${process.pid}.log`);
  const log = openSync(logPath, 'w');
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
    stdio: ['ignore', 'ignore', log],
  });
  closeSync(log);
  const tail = (): string => readFileSync(logPath, 'utf8').slice(-4000);
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${cmd} exited: ${tail()}`);
    const ready = await execFileAsync('ip', [
      'netns',
      'exec',
      ns,
      'curl',
      '-sf',
      '-o',
      '/dev/null',
      '--max-time',
      '60',
      readyUrl,
    ]).then(
      () => true,
      () => false,
    );
    if (ready) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${cmd} got no response from ${readyUrl}: ${tail()}`);
}

/** Stops a process started by startIn and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

/** Scrapes `url` `scrapes` times after two warm-up scrapes and returns the figures. */
export function measure(
  label: string,
  ns: string,
  pid: number,
  url: string,
  scrapes: number,
): ScrapeFigures {
  fetchIn(ns, url);
  const { body } = fetchIn(ns, url);
  const cpuBefore = cpuMs(pid);
  const wall: number[] = [];
  for (let i = 0; i < scrapes; i++) wall.push(fetchIn(ns, url).ms);
  const cpu = (cpuMs(pid) - cpuBefore) / scrapes;
  wall.sort((a, b) => a - b);
  return {
    label,
    scrapes,
    wallMs: {
      median: percentile(wall, 0.5),
      p10: percentile(wall, 0.1),
      p90: percentile(wall, 0.9),
    },
    cpuMsPerScrape: cpu,
    peakRssMb: peakRssMb(pid),
    series: countSeries(body),
  };
}

/** Prints figures side by side, and each figure's ratio to the last row (the peer). */
export function report(title: string, rows: readonly ScrapeFigures[]): void {
  console.log(`\n${title}`);
  console.log(
    '  exporter                      scrapes  wall median (p10..p90) ms   CPU ms/scrape peak RSS MiB  series',
  );
  for (const r of rows) {
    console.log(
      `  ${r.label.padEnd(30)}${String(r.scrapes).padStart(7)}  ${r.wallMs.median.toFixed(1).padStart(8)} (${r.wallMs.p10.toFixed(1)}..${r.wallMs.p90.toFixed(1)})`.padEnd(
        72,
      ) +
        `${r.cpuMsPerScrape.toFixed(1).padStart(10)}  ${r.peakRssMb.toFixed(1).padStart(11)}  ${String(r.series).padStart(6)}`,
    );
  }
  if (rows.length >= 2) {
    const ours = rows[0]!;
    const peer = rows[rows.length - 1]!;
    console.log(
      `  ratio ${ours.label} / ${peer.label}: wall ${(ours.wallMs.median / peer.wallMs.median).toFixed(2)}, CPU ${(ours.cpuMsPerScrape / peer.cpuMsPerScrape).toFixed(2)}`,
    );
  }
}
