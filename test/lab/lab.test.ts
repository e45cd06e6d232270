// Boots the kernel lab VM once, runs every guest test file in it and reports each guest test
// as a subtest here. Without root, qemu or a prepared cache the suite skips with the reason,
// except under CI (CI=true), where that is a failure.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { IN_CI, labSkip, requireManifest } from './host.js';
import { parseTap, type TapTest } from './tap.js';
import {
  checkLabHost,
  describeLabFailure,
  type LabHostCheck,
  type LabRunResult,
  labTimeoutMs,
  runInLab,
} from './vm.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const GUEST_DIR = join(REPO_ROOT, 'dist', 'test', 'lab-guest');
const CONSOLE_LOG = join(REPO_ROOT, 'test-artifacts', 'lab-console.log');
const OUTPUT_TAIL_CHARS = 4000;
/**
 * Time one guest test file may take (node --test applies the limit to each file as a whole and
 * to each test in it), so that a hung file fails by name while the VM goes on. The first guest
 * file took up to 35 s on a busy 2-core machine.
 */
const GUEST_TEST_TIMEOUT_MS = 120_000;

function guestFiles(): string[] {
  if (!existsSync(GUEST_DIR)) return [];
  return readdirSync(GUEST_DIR)
    .filter((name) => name.endsWith('.guest.test.js'))
    .sort()
    .map((name) => join(GUEST_DIR, name));
}

function formatSeconds(value: number | undefined): string {
  return value === undefined ? 'unknown' : `${value.toFixed(1)} s`;
}

function tail(text: string): string {
  return text.length > OUTPUT_TAIL_CHARS ? `…${text.slice(-OUTPUT_TAIL_CHARS)}` : text;
}

/** Builds the host-side failure message of a guest test from its TAP details. */
function guestFailure(guest: TapTest): Error {
  const lines = [guest.details['error'] ?? 'the guest test failed without an error message'];
  if (guest.output.length > 0)
    lines.push('guest output:', ...guest.output.map((line) => `  ${line}`));
  for (const key of ['expected', 'actual', 'location', 'stack']) {
    const value = guest.details[key];
    if (value !== undefined) lines.push(`guest ${key}:`, value.replace(/^/gm, '  '));
  }
  const error = new Error(lines.join('\n'));
  // The host-side stack does not point at the guest failure, so only the message is kept.
  error.stack = `Error: ${error.message}`;
  return error;
}

/** Re-creates a guest test and its subtests as subtests of `parent`. */
async function mirror(parent: TestContext, guest: TapTest): Promise<void> {
  const options =
    guest.status === 'todo'
      ? { todo: guest.reason || true }
      : guest.status === 'skip' && !IN_CI
        ? { skip: guest.reason || true }
        : {};
  await parent.test(guest.name, options, async (context) => {
    // This subtest only replays a result, so its own duration is meaningless.
    const duration = guest.details['duration_ms'];
    if (duration !== undefined)
      context.diagnostic(`guest duration ${Number(duration).toFixed(0)} ms`);
    for (const child of guest.subtests) await mirror(context, child);
    if (guest.status === 'skip') {
      throw new Error(`the guest skipped this test under CI: ${guest.reason || 'no reason given'}`);
    }
    const failedBySubtests = guest.details['failureType'] === 'subtestsFailed';
    if (guest.status === 'fail' && !failedBySubtests) throw guestFailure(guest);
  });
}

function checkRunIsWhole(result: LabRunResult, guests: readonly TapTest[], unfinished: string[]) {
  const stderr = `guest stderr:\n${tail(result.stderr)}`;
  assert.equal(
    unfinished.length,
    0,
    `guest tests without a result: ${unfinished.join(', ')}\n${stderr}`,
  );
  assert.notEqual(guests.length, 0, `the guest reported no tests\n${stderr}`);
  if (result.exitCode !== 0) {
    const anyFailed = guests.some((guest) => guest.status === 'fail');
    assert.ok(
      anyFailed,
      `guest node --test exited with ${result.exitCode} but no test failed\n${stderr}`,
    );
  }
}

/** Describes a run that did not complete, with the guest files that reported no result. */
function describeStoppedRun(result: LabRunResult, timeoutMs: number, files: string[]): string {
  const partial = parseTap(result.stdout);
  const finished = partial.tests.map((guest) => `${guest.name} (${guest.status})`);
  // node --test reports a file's results only when the file ends, and each carries its location.
  const reported = new Set(partial.tests.map((guest) => guest.details['location']?.split(':')[0]));
  const silent = files.filter((file) => !reported.has(file));
  return [
    describeLabFailure(result, timeoutMs),
    `guest tests finished: ${finished.join(', ') || 'none'}`,
    `guest files without results: ${silent.join(', ') || 'none'}`,
    `guest stderr:\n${tail(result.stderr)}`,
  ].join('\n');
}

async function runLabSuite(context: TestContext, host: LabHostCheck): Promise<void> {
  const manifest = requireManifest(host);
  const files = guestFiles();
  assert.notEqual(files.length, 0, `no *.guest.test.js in ${GUEST_DIR}: run "npm run build" first`);

  const timeoutMs = labTimeoutMs();
  const result = await runInLab({
    manifest,
    argv: [
      process.execPath,
      '--test',
      '--test-reporter=tap',
      `--test-timeout=${GUEST_TEST_TIMEOUT_MS}`,
      ...files,
    ],
    cwd: REPO_ROOT,
    env: IN_CI ? { CI: 'true' } : {},
    timeoutMs,
    consoleLogPath: CONSOLE_LOG,
  });
  context.diagnostic(
    `kernel ${result.kernelRelease ?? 'unknown'}: boot ${formatSeconds(result.bootSeconds)}, ` +
      `guest tests ${formatSeconds(result.commandSeconds)}, ` +
      `boot + suite ${formatSeconds(result.wallSeconds)} wall`,
  );
  if (result.missingModules.length > 0) {
    context.diagnostic(`modules the guest kernel lacks: ${result.missingModules.join(', ')}`);
  }
  if (result.outcome !== 'completed') assert.fail(describeStoppedRun(result, timeoutMs, files));

  const report = parseTap(result.stdout);
  for (const guest of report.tests) await mirror(context, guest);
  checkRunIsWhole(result, report.tests, [...report.unfinished]);
}

const host = checkLabHost();
test('kernel lab', { skip: labSkip(host) }, (context) => runLabSuite(context, host));
