// Boots the lab VM for the outcomes the guest suite relies on: a command's exit code and
// output, and the failures (bad kernel image, hang, panic) that must never pass as success.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { labSkip, requireManifest } from './host.js';
import {
  checkLabHost,
  describeLabFailure,
  type LabRunOptions,
  labFailureHeadline,
  runInLab,
} from './vm.js';

const host = checkLabHost();
const skip = labSkip(host);
let workDir = '';

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'nlx-lab-test-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Runs a command in the lab without preloading modules, which keeps each boot short. */
function runCommand(argv: string[], options: Partial<LabRunOptions> = {}) {
  return runInLab({
    manifest: requireManifest(host),
    argv,
    cwd: '/',
    modules: [],
    timeoutMs: 120_000,
    consoleLogPath: join(workDir, 'console.log'),
    ...options,
  });
}

test('runInLab returns exit code and output', { skip }, async () => {
  const result = await runCommand(['sh', '-c', 'echo out; echo err >&2; exit 3'], {
    modules: [{ name: 'veth' }, { name: 'no_such_module' }],
  });

  assert.deepStrictEqual(
    {
      outcome: result.outcome,
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      kernelRelease: result.kernelRelease,
      missingModules: result.missingModules,
      qemuError: result.qemuError,
    },
    {
      outcome: 'completed',
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      kernelRelease: requireManifest(host).kernelRelease,
      missingModules: ['no_such_module'],
      qemuError: '',
    },
  );
});

test('runInLab fails on a bad kernel image', { skip }, async () => {
  const kernel = join(workDir, 'not-a-kernel');
  await writeFile(kernel, 'not a kernel\n');
  const result = await runCommand(['true'], { manifest: { ...requireManifest(host), kernel } });

  assert.equal(result.outcome, 'boot-failed');
  assert.equal(result.exitCode, undefined);
  assert.equal(
    labFailureHeadline(result, 120_000),
    'the lab VM stopped before the guest command finished: qemu-system-x86_64 exited with status 1',
  );
});

test('runInLab kills a hung VM', { skip }, async () => {
  const result = await runCommand(['sleep', '600'], { timeoutMs: 3000 });

  assert.equal(result.outcome, 'timed-out');
  assert.equal(result.exitCode, undefined);
  assert.equal(labFailureHeadline(result, 3000), 'the lab VM timed out after 3 s and was killed');
});

test('runInLab reports a guest panic', { skip }, async () => {
  const result = await runCommand(['sh', '-c', 'echo c > /proc/sysrq-trigger']);

  assert.equal(result.outcome, 'boot-failed');
  assert.equal(result.exitCode, undefined);
  assert.equal(
    labFailureHeadline(result, 120_000),
    'the lab VM stopped before the guest command finished: ' +
      'Kernel panic - not syncing: sysrq triggered crash',
  );
});

test('describeLabFailure quotes the console tail', () => {
  const stopped = {
    outcome: 'boot-failed',
    exitCode: undefined,
    stdout: '',
    stderr: '',
    kernelRelease: undefined,
    missingModules: [],
    console: '[    0.5] booting\nlab-init: mounting the job folder over 9p failed\n',
    consoleLogPath: '/repo/test-artifacts/lab-console.log',
    wallSeconds: 1,
    bootSeconds: undefined,
    commandSeconds: undefined,
    qemuError: '',
  } as const;

  assert.equal(
    describeLabFailure(stopped, 1000),
    'the lab VM stopped before the guest command finished: ' +
      'lab-init: mounting the job folder over 9p failed\n' +
      'last 2 console lines (the whole log is /repo/test-artifacts/lab-console.log):\n' +
      '  | [    0.5] booting\n' +
      '  | lab-init: mounting the job folder over 9p failed',
  );
  assert.equal(
    describeLabFailure({ ...stopped, outcome: 'timed-out', console: '\n' }, 3000),
    'the lab VM timed out after 3 s and was killed\nthe guest printed nothing on its console',
  );
});
