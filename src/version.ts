// Build information for --version, the landing page and nft_build_info.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

// The revision is NETLINK_EXPORTER_REVISION when a packager sets it, else the commit that a git
// checkout's HEAD points at, else "unknown". Reading .git avoids running git at startup.
function readRevision(): string {
  const fromEnv = process.env['NETLINK_EXPORTER_REVISION'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    const head = readFileSync(`${ROOT}.git/HEAD`, 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 12);
    const ref = head.slice(5);
    try {
      return readFileSync(`${ROOT}.git/${ref}`, 'utf8').trim().slice(0, 12);
    } catch {
      const packed = readFileSync(`${ROOT}.git/packed-refs`, 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      return line === undefined ? 'unknown' : line.slice(0, 12);
    }
  } catch {
    return 'unknown';
  }
}

/** Package version, from package.json. */
export const VERSION = readVersion();
/** Source revision (short commit id) or "unknown". */
export const REVISION = readRevision();
