// Golden expositions of single collectors under test/fixtures/golden/, and promtool's lint
// of an exposition. Run a test with NLX_UPDATE_GOLDEN=1 to rewrite its golden file after a
// deliberate change, then review the diff.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  type EncodeDrop,
  type ExpositionFormat,
  encodeFamilies,
} from '../../src/metrics/exposition.js';
import type { MetricFamily } from '../../src/metrics/model.js';
import { FIXTURES } from './fixtures.js';

/** Folder of the golden expositions. */
export const GOLDEN = join(FIXTURES, 'golden');

/** Encodes `families` and fails when the encoder dropped anything. */
export function encodeChecked(families: readonly MetricFamily[], format: ExpositionFormat): string {
  const drops: EncodeDrop[] = [];
  const text = encodeFamilies(families, format, { onDrop: (drop) => drops.push(drop) });
  assert.deepStrictEqual(drops, []);
  return text;
}

/** Compares `actual` with the golden file `name`, or rewrites it under NLX_UPDATE_GOLDEN=1. */
export function assertGolden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env['NLX_UPDATE_GOLDEN'] === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
  }
  assert.equal(actual, readFileSync(path, 'utf8'));
}

/**
 * Runs `promtool check metrics` on a text exposition and asserts a clean result. Without
 * promtool (Debian package "prometheus") the test skips, except under CI=true, where it fails.
 */
export function assertPromtoolClean(t: TestContext, text: string): void {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if ((result.error as { code?: string } | undefined)?.code === 'ENOENT') {
    const reason = 'promtool is not installed (Debian package prometheus)';
    if (process.env['CI'] === 'true') assert.fail(reason);
    t.skip(reason);
    return;
  }
  assert.deepStrictEqual(
    { status: result.status, output: `${result.stdout}${result.stderr}` },
    { status: 0, output: '' },
  );
}
