// Runs one command inside the kernel lab: a qemu VM (TCG) that boots the Debian kernel cached
// by test/lab/prepare.sh and mounts the host's root read-only over 9p with a RAM overlay on top.
// The command's output and exit code come back through a writable 9p job folder.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { GUEST_MODULES, type GuestModule, stage2Script } from './stage2.js';

/** Cache layout version; prepare.sh writes the same number into lab.json. */
export const LAB_FORMAT = 2;
export const DEFAULT_CACHE_DIR = '/var/cache/netlink-exporter-lab';
/** Time a whole run may take, boot and power-off included, unless the environment sets one. */
export const DEFAULT_TIMEOUT_SECONDS = 300;
const QEMU = 'qemu-system-x86_64';
const CONSOLE_TAIL_LINES = 40;

/** Contents of the lab.json that prepare.sh writes into the cache folder. */
export interface LabManifest {
  readonly format: number;
  readonly kernelRelease: string;
  /** Kernel image to boot: an ELF vmlinux, or the bzImage when unpacking it failed. */
  readonly kernel: string;
  readonly initrd: string;
  /** Folder that contains lib/modules/RELEASE. */
  readonly modules: string;
}

export type LabHostCheck =
  | { readonly ready: true; readonly manifest: LabManifest }
  | { readonly ready: false; readonly reason: string };

export function labCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['NETLINK_EXPORTER_LAB_CACHE'] || DEFAULT_CACHE_DIR;
}

/** Reads NETLINK_EXPORTER_LAB_TIMEOUT (seconds) and returns milliseconds. */
export function labTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['NETLINK_EXPORTER_LAB_TIMEOUT'];
  if (text === undefined || text === '') return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new Error(
      `invalid NETLINK_EXPORTER_LAB_TIMEOUT "${text}": expected a whole number of seconds above 0`,
    );
  }
  return seconds * 1000;
}

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const path = join(dir, program);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

function parseManifest(path: string): LabManifest {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof value !== 'object' || value === null) throw new Error(`${path} is not a JSON object`);
  const record = value as Record<string, unknown>;
  for (const key of ['kernelRelease', 'kernel', 'initrd', 'modules']) {
    if (typeof record[key] !== 'string') throw new Error(`${path} has no string "${key}"`);
  }
  if (typeof record['format'] !== 'number') throw new Error(`${path} has no number "format"`);
  return record as unknown as LabManifest;
}

/**
 * Checks that this host can run the lab: root, qemu and a cache prepared by the current
 * prepare.sh. Returns the manifest, or the reason and the command that fixes it.
 */
export function checkLabHost(cacheDir: string = labCacheDir()): LabHostCheck {
  const fix = 'run "sudo bash test/lab/prepare.sh"';
  if (process.getuid?.() !== 0) {
    // The VM reads every file of / through 9p and runs the guest tests as root on them.
    return { ready: false, reason: 'the lab needs root: run "sudo npm run test:lab"' };
  }
  if (findOnPath(QEMU) === undefined) {
    return { ready: false, reason: `${QEMU} not found on PATH: ${fix}` };
  }
  const path = join(cacheDir, 'lab.json');
  if (!existsSync(path)) {
    return { ready: false, reason: `the lab cache ${cacheDir} is not prepared: ${fix}` };
  }
  let manifest: LabManifest;
  try {
    manifest = parseManifest(path);
  } catch (error) {
    return { ready: false, reason: `invalid lab manifest: ${(error as Error).message}: ${fix}` };
  }
  if (manifest.format !== LAB_FORMAT) {
    const found = `format ${manifest.format}, expected ${LAB_FORMAT}`;
    return { ready: false, reason: `the lab cache ${cacheDir} is outdated (${found}): ${fix}` };
  }
  for (const file of [manifest.kernel, manifest.initrd, manifest.modules]) {
    if (!existsSync(file)) return { ready: false, reason: `${file} is missing: ${fix}` };
  }
  return { ready: true, manifest };
}

export interface LabRunOptions {
  readonly manifest: LabManifest;
  /** Command and arguments run inside the guest; the host's files are visible at their paths. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Extra environment for the command, beside PATH, HOME, LANG and NLX_LAB_GUEST=1. */
  readonly env?: Readonly<Record<string, string>>;
  readonly modules?: readonly GuestModule[];
  readonly timeoutMs: number;
  /** Host file that receives the guest's console output, written whatever the outcome. */
  readonly consoleLogPath: string;
  readonly memoryMiB?: number;
  readonly cpus?: number;
}

/**
 * Outcome of a run. "completed" means the command ran and exitCode is its exit status.
 * "boot-failed" covers qemu errors, a guest kernel panic and a failed guest setup.
 * "timed-out" means the VM was killed after timeoutMs.
 */
export type LabOutcome = 'completed' | 'boot-failed' | 'timed-out';

export interface LabRunResult {
  readonly outcome: LabOutcome;
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** `uname -r` in the guest, or undefined when the guest did not get that far. */
  readonly kernelRelease: string | undefined;
  /** Modules from the preload list that are neither loadable nor built in. */
  readonly missingModules: readonly string[];
  readonly console: string;
  readonly consoleLogPath: string;
  readonly wallSeconds: number;
  /** Guest uptime when the command started: boot plus setup. */
  readonly bootSeconds: number | undefined;
  /** Guest time the command took. */
  readonly commandSeconds: number | undefined;
  /** What went wrong in qemu itself (spawn error, exit status), empty when nothing did. */
  readonly qemuError: string;
}

const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function qemuArguments(manifest: LabManifest, jobDir: string, options: LabRunOptions): string[] {
  // qemu splits -fsdev options at commas, and prepare.sh paths contain none.
  for (const path of [jobDir, manifest.kernel, manifest.initrd]) {
    if (path.includes(',')) throw new Error(`lab path "${path}" must not contain a comma`);
  }
  const kernelCommandLine = [
    'console=ttyS0',
    'quiet',
    'loglevel=1',
    // With -no-reboot, a guest panic reboots at once and qemu exits.
    'panic=-1',
    'mitigations=off',
    'i8042.noaux',
    'i8042.nokbd',
    'rdinit=/init',
  ];
  return [
    // /dev/kvm on the CI machine cannot run a stock kernel, so the guest is emulated (TCG).
    ...['-accel', 'tcg,thread=multi', '-cpu', 'max'],
    ...['-m', String(options.memoryMiB ?? 1024), '-smp', String(options.cpus ?? 2)],
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none'],
    ...['-serial', 'stdio', '-no-reboot'],
    ...['-kernel', manifest.kernel, '-initrd', manifest.initrd],
    ...['-append', kernelCommandLine.join(' ')],
    // multidevs=remap keeps inode numbers unique because / spans several filesystems.
    '-fsdev',
    'local,id=host,path=/,security_model=none,readonly=on,multidevs=remap',
    ...['-device', 'virtio-9p-pci,fsdev=host,mount_tag=host'],
    ...['-fsdev', `local,id=job,path=${jobDir},security_model=none`],
    ...['-device', 'virtio-9p-pci,fsdev=job,mount_tag=job'],
  ];
}

interface QemuExit {
  readonly console: string;
  readonly timedOut: boolean;
  readonly error: string;
}

function runQemu(args: readonly string[], timeoutMs: number): Promise<QemuExit> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    let error = '';
    const child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', (spawnError) => {
      error = `starting ${QEMU} failed: ${spawnError.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
      if (error === '' && code !== 0 && !timedOut) {
        error = `${QEMU} exited with ${signal ?? `status ${code}`}`;
      }
      const console = Buffer.concat(chunks).toString('utf8').replaceAll('\r\n', '\n');
      resolve({ console, timedOut, error });
    });
  });
}

async function readJobFile(jobDir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(jobDir, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseSeconds(text: string | undefined): number | undefined {
  const value = Number(text?.trim());
  return text === undefined || !Number.isFinite(value) ? undefined : value;
}

/** Boots the lab VM, runs one command in it and powers it off. */
export async function runInLab(options: LabRunOptions): Promise<LabRunResult> {
  const started = performance.now();
  const jobDir = await mkdtemp(join(tmpdir(), 'nlx-lab-'));
  try {
    const script = stage2Script({
      modulesDir: options.manifest.modules,
      modules: options.modules ?? GUEST_MODULES,
      argv: options.argv,
      cwd: options.cwd,
      env: { PATH: GUEST_PATH, HOME: '/root', LANG: 'C.UTF-8', NLX_LAB_GUEST: '1', ...options.env },
    });
    await writeFile(join(jobDir, 'stage2.sh'), script);
    const qemu = await runQemu(qemuArguments(options.manifest, jobDir, options), options.timeoutMs);
    await mkdir(dirname(options.consoleLogPath), { recursive: true });
    await writeFile(options.consoleLogPath, qemu.console);

    const rc = await readJobFile(jobDir, 'rc');
    const exitCode = rc === undefined ? undefined : Number.parseInt(rc, 10);
    let outcome: LabOutcome = 'completed';
    if (qemu.timedOut) outcome = 'timed-out';
    else if (exitCode === undefined || Number.isNaN(exitCode)) outcome = 'boot-failed';
    const bootSeconds = parseSeconds(await readJobFile(jobDir, 'uptime-start'));
    const endSeconds = parseSeconds(await readJobFile(jobDir, 'uptime-end'));
    const missing = (await readJobFile(jobDir, 'modules-missing')) ?? '';
    return {
      outcome,
      exitCode: outcome === 'completed' ? exitCode : undefined,
      stdout: (await readJobFile(jobDir, 'stdout')) ?? '',
      stderr: (await readJobFile(jobDir, 'stderr')) ?? '',
      kernelRelease: (await readJobFile(jobDir, 'kernel-release'))?.trim(),
      missingModules: missing.split('\n').filter((name) => name !== ''),
      console: qemu.console,
      consoleLogPath: options.consoleLogPath,
      wallSeconds: (performance.now() - started) / 1000,
      bootSeconds,
      commandSeconds:
        bootSeconds === undefined || endSeconds === undefined
          ? undefined
          : endSeconds - bootSeconds,
      qemuError: qemu.error,
    };
  } finally {
    await rm(jobDir, { recursive: true, force: true });
  }
}

/** Console lines that explain why a guest stopped: a kernel panic or a failed setup step. */
const STOP_REASON = /^(?:\[[\d. ]+\] )?(Kernel panic - not syncing: .*|lab-(?:init|guest): .*)$/;

/** Returns the last console line that explains a stop, without its kernel timestamp. */
function stopReason(lines: readonly string[]): string | undefined {
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const match = STOP_REASON.exec(lines[index]!);
    if (match !== null) return match[1];
  }
  return undefined;
}

/** Returns the first line of describeLabFailure: what went wrong, without the console. */
export function labFailureHeadline(result: LabRunResult, timeoutMs: number): string {
  if (result.outcome === 'timed-out') {
    return `the lab VM timed out after ${timeoutMs / 1000} s and was killed`;
  }
  const causes = [result.qemuError, stopReason(result.console.split('\n')) ?? ''];
  return ['the lab VM stopped before the guest command finished', ...causes]
    .filter((part) => part !== '')
    .join(': ');
}

/** Formats why a run did not complete, with the last console lines, for a test failure. */
export function describeLabFailure(result: LabRunResult, timeoutMs: number): string {
  const headline = labFailureHeadline(result, timeoutMs);
  const console = result.console.trim();
  if (console === '') return `${headline}\nthe guest printed nothing on its console`;
  const tail = console
    .split('\n')
    .slice(-CONSOLE_TAIL_LINES)
    .map((line) => `  | ${line}`);
  return [
    headline,
    `last ${tail.length} console lines (the whole log is ${result.consoleLogPath}):`,
    ...tail,
  ].join('\n');
}
