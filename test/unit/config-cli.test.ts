// The compiled command line rejects bad input with exit status 2 and the ConfigError message
// as the only line on stderr.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** Runs the exporter with `args` and `env` (plus PATH) and returns its exit status and output. */
function runExporter(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env['PATH'], ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('unknown flag exits 2 with one line', () => {
  assert.deepStrictEqual(runExporter(['--bogus']), {
    status: 2,
    stdout: '',
    stderr: 'unknown flag --bogus: see --help for the accepted flags\n',
  });
});

test('invalid variable exits 2 with one line', () => {
  assert.deepStrictEqual(runExporter([], { NLX_MAX_REQUESTS: 'abc' }), {
    status: 2,
    stdout: '',
    stderr: 'invalid value "abc" for NLX_MAX_REQUESTS: expected an integer from 1 to 1024\n',
  });
});
