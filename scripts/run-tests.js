#!/usr/bin/env node
// Runs the compiled test suites under dist/test with Node's built-in test runner.
// Usage: node scripts/run-tests.js [unit|kernel|lab|e2e ...]; no argument runs every suite.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ALL_SUITES = ['unit', 'kernel', 'lab', 'e2e'];
const suites = process.argv.length > 2 ? process.argv.slice(2) : ALL_SUITES;
for (const suite of suites) {
  if (!ALL_SUITES.includes(suite)) {
    console.error(`unknown test suite "${suite}"; expected one of ${ALL_SUITES.join(', ')}`);
    process.exit(2);
  }
}

function collect(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = suites.flatMap((suite) => collect(join('dist', 'test', suite)));
if (files.length === 0) {
  console.error(`no test files found for ${suites.join(', ')}; run "npm run build" first`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
