import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseTap, type TapTest } from './tap.js';

interface Outline {
  name: string;
  status: string;
  reason: string;
  error: string | undefined;
  subtests: Outline[];
}

/** Keeps the fields that do not change from run to run (no durations or stacks). */
function outline(tests: readonly TapTest[]): Outline[] {
  return tests.map((entry) => ({
    name: entry.name,
    status: entry.status,
    reason: entry.reason,
    error: entry.details['error'],
    subtests: outline(entry.subtests),
  }));
}

/** Runs node --test on a file whose tests fail and returns its TAP output. */
async function runNodeTest(file: string): Promise<string> {
  // Without NODE_TEST_CONTEXT the nested runner prints TAP instead of reporting to this one.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = promisify(execFile)(process.execPath, ['--test', '--test-reporter=tap', file], {
    env,
  });
  return run.then(
    () => assert.fail(`${file} has failing tests, so node --test must exit non-zero`),
    (error: { stdout: string }) => error.stdout,
  );
}

const FIXTURE = `
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
describe('group', () => {
  test('passes', () => {});
  test('fails', () => assert.strictEqual(1, 2));
  test('skipped', { skip: 'not here' }, () => {});
});
test('parent # with hash', async (t) => {
  await t.test('child', () => {
    throw new Error('two\\nlines');
  });
});
test('todo', { todo: 'later' }, () => {});
`;

test('parseTap reads the TAP of node --test', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nlx-tap-'));
  try {
    const file = join(dir, 'fixture.test.mjs');
    await writeFile(file, FIXTURE);
    const report = parseTap(await runNodeTest(file));

    assert.deepStrictEqual(outline(report.tests), [
      {
        name: 'group',
        status: 'fail',
        reason: '',
        error: '1 subtest failed',
        subtests: [
          { name: 'passes', status: 'pass', reason: '', error: undefined, subtests: [] },
          {
            name: 'fails',
            status: 'fail',
            reason: '',
            error: 'Expected values to be strictly equal:\n\n1 !== 2',
            subtests: [],
          },
          { name: 'skipped', status: 'skip', reason: 'not here', error: undefined, subtests: [] },
        ],
      },
      {
        name: 'parent # with hash',
        status: 'fail',
        reason: '',
        error: '1 subtest failed',
        subtests: [
          { name: 'child', status: 'fail', reason: '', error: 'two\nlines', subtests: [] },
        ],
      },
      { name: 'todo', status: 'todo', reason: 'later', error: undefined, subtests: [] },
    ]);
    assert.deepStrictEqual(report.unfinished, []);
    assert.equal(report.summary['tests'], 6);
    assert.equal(report.summary['fail'], 3);
    assert.equal(report.summary['skipped'], 1);
    assert.equal(report.summary['todo'], 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parseTap keeps YAML details', () => {
  const text = [
    'TAP version 13',
    '# Subtest: a \\\\ b',
    'not ok 1 - a \\\\ b',
    '  ---',
    "  location: '/repo/x.test.js:3:1'",
    "  error: 'it''s wrong'",
    '  expected:',
    '    name: "lo"',
    '    mtu: 65536',
    '  code: "ERR_ASSERTION"',
    '  ...',
    '1..1',
  ].join('\n');

  assert.deepStrictEqual(parseTap(text), {
    tests: [
      {
        name: 'a \\ b',
        status: 'fail',
        reason: '',
        details: {
          location: '/repo/x.test.js:3:1',
          error: "it's wrong",
          expected: 'name: "lo"\nmtu: 65536',
          code: 'ERR_ASSERTION',
        },
        output: [],
        subtests: [],
      },
    ],
    summary: {},
    unfinished: [],
  });
});

test('parseTap keeps stderr of a crashed file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nlx-tap-'));
  try {
    const file = join(dir, 'crash.test.mjs');
    await writeFile(file, "throw new Error('load-time crash');\n");
    const report = parseTap(await runNodeTest(file));

    assert.equal(report.tests.length, 1);
    const crashed = report.tests[0]!;
    assert.equal(crashed.name, file);
    assert.equal(crashed.status, 'fail');
    // The rest of the output names node's version and internal stack frames.
    assert.ok(crashed.output.includes('Error: load-time crash'), crashed.output.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parseTap reports a cut-short run', () => {
  const text = [
    'TAP version 13',
    '# Subtest: suite',
    '    # Subtest: done',
    '    ok 1 - done',
    '    # Subtest: hangs',
    '    console output of the test',
  ].join('\n');

  assert.deepStrictEqual(parseTap(text), {
    tests: [],
    summary: {},
    unfinished: ['suite', 'hangs'],
  });
});
