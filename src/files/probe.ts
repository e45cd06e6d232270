// Probe and adapter helpers shared by the eight file collectors.

import type { CollectContext, ProbeResult } from '../collectors/types.js';
import type { Config } from '../config/types.js';
import { FileReader, type FileRoot } from './paths.js';

/** Returns a reader rooted at the configured procfs and sysfs paths. */
export function fileReaderFor(config: Config): FileReader {
  return new FileReader({ procfs: config.pathProcfs, sysfs: config.pathSysfs });
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Probes one file or directory: available when it can be read or listed, unavailable when
 * absent, forbidden when the kernel denies access. Other errors are thrown.
 */
export async function probePath(
  reader: FileReader,
  root: FileRoot,
  relPath: string,
  kind: 'file' | 'directory',
): Promise<ProbeResult> {
  const path = reader.resolve(root, relPath);
  try {
    const found =
      kind === 'file' ? await reader.readBytes(root, relPath) : await reader.list(root, relPath);
    if (found === undefined) return { kind: 'unavailable', reason: `${path} does not exist` };
    return { kind: 'available' };
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EACCES' || code === 'EPERM') {
      return { kind: 'forbidden', reason: `reading ${path} was denied (${code})` };
    }
    throw err;
  }
}

/**
 * Returns an unavailable result when the context targets another network namespace. The
 * per-namespace files (/proc/net/snmp, /sys/class/net ...) show the exporter's own
 * namespace, so they cannot describe another one.
 */
export function ownNamespaceOnly(ctx: CollectContext): ProbeResult | undefined {
  if (ctx.netns === undefined) return undefined;
  return {
    kind: 'unavailable',
    reason: `the file collectors read only the exporter's own network namespace, not ${ctx.netns}`,
  };
}

/**
 * Returns `snapshot` after reporting its skipped entries, or throws when the primary file
 * was absent (it existed when the collector was probed).
 */
export function requireSnapshot<T extends { readonly skipped: number }>(
  ctx: CollectContext,
  snapshot: T | undefined,
  reader: FileReader,
  root: FileRoot,
  relPath: string,
): T {
  if (snapshot === undefined) {
    throw new Error(
      `${reader.resolve(root, relPath)} does not exist; it was removed after startup`,
    );
  }
  if (snapshot.skipped > 0) ctx.stats.addSkipped(snapshot.skipped);
  return snapshot;
}
