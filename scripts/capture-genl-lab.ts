// Runs `bash scripts/capture-genl.sh lab` inside the kernel lab VM (test/lab/vm.ts) and
// unpacks the fixtures it captured into test/fixtures/. The guest writes into a scratch
// folder of its RAM overlay and prints the folder as a base64 tar archive on stdout.
//
// Usage: npm run build && node dist/scripts/capture-genl-lab.js [SECTION...]
//        (as root, with the lab prepared); sections as in scripts/capture-genl.sh.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkLabHost, describeLabFailure, runInLab } from '../test/lab/vm.js';
import { REPO_ROOT } from '../test/support/fixtures.js';

const BEGIN = '-----BEGIN FIXTURES-----';
const END = '-----END FIXTURES-----';
const TIMEOUT_MS = 600_000;

async function main(): Promise<void> {
  const host = checkLabHost();
  if (!host.ready) throw new Error(host.reason);
  const script = [
    'set -e',
    'export OUT=/tmp/genl-fixtures',
    `bash scripts/capture-genl.sh lab ${process.argv.slice(2).join(' ')} >&2`,
    `echo '${BEGIN}'`,
    'tar -C "$OUT" -cz . | base64',
    `echo '${END}'`,
  ].join('\n');
  const result = await runInLab({
    manifest: host.manifest,
    argv: ['bash', '-c', script],
    cwd: REPO_ROOT,
    timeoutMs: TIMEOUT_MS,
    consoleLogPath: join(REPO_ROOT, 'test-artifacts', 'capture-genl-lab-console.log'),
  });
  if (result.outcome !== 'completed') throw new Error(describeLabFailure(result, TIMEOUT_MS));
  process.stderr.write(result.stderr);
  const begin = result.stdout.indexOf(BEGIN);
  const end = result.stdout.indexOf(END);
  if (result.exitCode !== 0 || begin < 0 || end < begin) {
    throw new Error(`the guest capture exited with ${result.exitCode} and printed no fixtures`);
  }
  const archive = Buffer.from(result.stdout.slice(begin + BEGIN.length, end), 'base64');
  const tar = spawnSync('tar', ['-C', join(REPO_ROOT, 'test', 'fixtures'), '-xzv'], {
    input: archive,
    encoding: 'utf8',
  });
  if (tar.status !== 0) throw new Error(`unpacking the fixtures failed: ${tar.stderr}`);
  process.stdout.write(tar.stdout);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
