// Checks the golden expositions with Prometheus' own tools (Debian package `prometheus`).
//
// `promtool check metrics` parses only the text format, so the OpenMetrics golden file goes
// through Prometheus' OpenMetrics parser instead: `promtool tsdb create-blocks-from
// openmetrics` backfills it into a scratch directory. Backfilling needs a timestamp on every
// sample, so one is appended to each sample line; nothing else in the file changes.
//
// NOTE: the expected exit statuses and messages were checked against promtool 2.42 (Debian 12);
// other versions may word them differently.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURES = new URL('../../../test/fixtures/exposition/', import.meta.url);
const TEXT_GOLDEN = fileURLToPath(new URL('golden-text-0.0.4.txt', FIXTURES));
const OPENMETRICS_GOLDEN = fileURLToPath(new URL('golden-openmetrics-1.0.0.txt', FIXTURES));

/** Reason to skip, or undefined when promtool runs. Under CI a missing promtool fails instead. */
function promtoolMissing(): string | undefined {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  const reason = 'promtool not found; install the Debian package "prometheus"';
  if (process.env['CI'] === 'true') assert.fail(reason);
  return reason;
}

const skip = promtoolMissing();

describe('promtool', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nlx-promtool-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('check metrics passes the text golden file', () => {
    const result = spawnSync('promtool', ['check', 'metrics'], {
      input: readFileSync(TEXT_GOLDEN),
      encoding: 'utf8',
    });
    assert.deepStrictEqual(
      { status: result.status, stdout: result.stdout, stderr: result.stderr },
      { status: 0, stdout: '', stderr: '' },
    );
  });

  test('check metrics reports a problem', () => {
    // Guards the test above against a promtool that accepts everything.
    const result = spawnSync('promtool', ['check', 'metrics'], {
      input: '# HELP a_count Count.\n# TYPE a_count gauge\na_count 1\n',
      encoding: 'utf8',
    });
    assert.deepStrictEqual(
      { status: result.status, stdout: result.stdout, stderr: result.stderr },
      {
        status: 3,
        stdout: '',
        stderr: 'a_count non-histogram and non-summary metrics should not have "_count" suffix\n',
      },
    );
  });

  test('OpenMetrics parser accepts the golden file', () => {
    const golden = readFileSync(OPENMETRICS_GOLDEN, 'utf8');
    const input = join(scratch, 'golden.om.txt');
    const lines = golden
      .split('\n')
      .map((line) => (line === '' || line.startsWith('#') ? line : line + ' 1700000000'));
    writeFileSync(input, lines.join('\n'));
    const result = backfill(input, join(scratch, 'blocks'));

    const seriesLines = golden.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    assert.deepStrictEqual(
      { status: result.status, stderr: result.stderr, series: result.series },
      { status: 0, stderr: '', series: seriesLines.length },
    );
  });

  test('OpenMetrics parser rejects a missing EOF', () => {
    // Guards the test above against a parser that accepts everything.
    const input = join(scratch, 'no-eof.om.txt');
    writeFileSync(input, '# TYPE a gauge\na 1 1700000000\n');
    const result = backfill(input, join(scratch, 'no-eof-blocks'));
    assert.deepStrictEqual(
      { status: result.status, stderr: result.stderr.trim() },
      { status: 1, stderr: 'getting min and max timestamp: next: data does not end with # EOF' },
    );
  });
});

/** Runs the OpenMetrics backfill and returns its exit status, stderr and series count. */
function backfill(
  input: string,
  output: string,
): { status: number | null; stderr: string; series: number } {
  const result = spawnSync(
    'promtool',
    ['tsdb', 'create-blocks-from', 'openmetrics', input, output],
    {
      encoding: 'utf8',
    },
  );
  // The block table has one row per block: ULID, min and max time, duration, then samples,
  // chunks and series counts.
  let series = 0;
  for (const line of result.stdout.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length >= 7) series += Number(columns[6]);
  }
  return { status: result.status, stderr: result.stderr, series };
}
