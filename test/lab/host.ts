// Decides whether a lab test runs here. Without root, qemu or a prepared cache a lab test
// skips with the reason, except under CI (CI=true), where the lab must run and that fails.
import assert from 'node:assert/strict';
import type { LabHostCheck, LabManifest } from './vm.js';

export const IN_CI = process.env['CI'] === 'true';

/** Returns the `skip` option for a lab test: the reason on a developer's host, else false. */
export function labSkip(host: LabHostCheck): string | false {
  return host.ready || IN_CI ? false : host.reason;
}

/** Returns the manifest of a ready host; fails the test otherwise. */
export function requireManifest(host: LabHostCheck): LabManifest {
  if (!host.ready) assert.fail(`${host.reason} (CI=true, so the lab suite must run)`);
  return host.manifest;
}
