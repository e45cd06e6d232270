// Loads captured kernel replies from test/fixtures/<family>/<case>.hex (one datagram per
// line) together with their origin sidecar <case>.json.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from dist/test/support/ where this file runs. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');

/** Origin sidecar of a captured fixture. */
export interface FixtureOrigin {
  readonly request: string;
  readonly command: string;
  readonly kernel: string;
  readonly arch: string;
  readonly date: string;
}

/** Reads the datagrams of fixture `family/name`. */
export function loadDatagrams(family: string, name: string): Buffer[] {
  return readFileSync(join(FIXTURES, family, `${name}.hex`), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Buffer.from(line, 'hex'));
}

/** Reads the origin sidecar of fixture `family/name`. */
export function loadOrigin(family: string, name: string): FixtureOrigin {
  return JSON.parse(readFileSync(join(FIXTURES, family, `${name}.json`), 'utf8')) as FixtureOrigin;
}

/** Lists every captured fixture as [family, name]. */
export function listCapturedFixtures(): [string, string][] {
  const out: [string, string][] = [];
  for (const family of readdirSync(FIXTURES).sort()) {
    let entries: string[];
    try {
      entries = readdirSync(join(FIXTURES, family));
    } catch {
      continue;
    }
    for (const entry of entries.sort()) {
      if (entry.endsWith('.hex')) out.push([family, entry.slice(0, -4)]);
    }
  }
  return out;
}
