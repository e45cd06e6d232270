// Read-only access to the procfs and sysfs files of the opt-in file collectors.
//
// Every read names a path relative to one of two roots, `config.pathProcfs` (default /proc)
// and `config.pathSysfs` (default /sys), so the exporter can read a host's trees mounted
// elsewhere in a container. A relative path must match the allowlist below, and any other
// path is rejected before a filesystem call is made.

import { promises as fsPromises } from 'node:fs';
import { join } from 'node:path';

/** The mounted tree that a relative path is resolved under. */
export type FileRoot = 'procfs' | 'sysfs';

/** Absolute paths of the two trees, from `config.pathProcfs` and `config.pathSysfs`. */
export interface FileRoots {
  readonly procfs: string;
  readonly sysfs: string;
}

/** The filesystem calls that the reader makes. Tests pass a spy or a fake. */
export interface FileSystem {
  readFile(path: string): Promise<Buffer>;
  /** Lists the entry names of a directory as raw bytes, so names that are not UTF-8 are seen. */
  readdir(path: string): Promise<Buffer[]>;
  /** Reports whether `path`, after following symlinks, is a directory. */
  isDirectory(path: string): Promise<boolean>;
}

/** Filesystem calls through node:fs. */
export const nodeFileSystem: FileSystem = {
  readFile: (path) => fsPromises.readFile(path),
  readdir: (path) => fsPromises.readdir(path, { encoding: 'buffer' }),
  isDirectory: async (path) => (await fsPromises.stat(path)).isDirectory(),
};

// A network device name as the kernel accepts it (dev_valid_name in net/core/dev.c): 1 to 15
// bytes, no '/', ':' or whitespace. The names "." and ".." are rejected separately.
const DEV = '[^/:\\s]{1,15}';
const NET = `class/net/${DEV}`;
const HWMON = `${NET}/device/hwmon/hwmon\\d+`;

const PROCFS_ALLOWED: readonly RegExp[] = [
  /^net\/(softnet_stat|snmp|snmp6|netstat|sockstat|sockstat6)$/,
  /^(softirqs|interrupts)$/,
  // The auxiliary vector carries the page size (AT_PAGESZ) that sockstat memory is counted in.
  /^self\/auxv$/,
];

const SYSFS_ALLOWED: readonly RegExp[] = [
  /^class\/net$/,
  // Lists the virtual devices, which have no PCI function and no hwmon sensors.
  /^devices\/virtual\/net$/,
  new RegExp(`^${NET}/queues$`),
  new RegExp(`^${NET}/queues/tx-\\d+$`),
  new RegExp(`^${NET}/queues/tx-\\d+/byte_queue_limits/(limit|inflight)$`),
  new RegExp(
    `^${NET}/device/(current_link_speed|current_link_width|max_link_speed|max_link_width|` +
      'aer_dev_correctable|aer_dev_fatal|aer_dev_nonfatal|physfn)$',
  ),
  new RegExp(`^${NET}/device/hwmon$`),
  new RegExp(`^${HWMON}$`),
  new RegExp(`^${HWMON}/(name|temp\\d+_input)$`),
];

/** Reports whether `relPath` under `root` is on the allowlist. */
export function isAllowedPath(root: FileRoot, relPath: string): boolean {
  if (relPath.includes('\0')) return false;
  const segments = relPath.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return false;
  const patterns = root === 'procfs' ? PROCFS_ALLOWED : SYSFS_ALLOWED;
  return patterns.some((pattern) => pattern.test(relPath));
}

/** Error for a path outside the allowlist, raised before any filesystem call. */
export class PathNotAllowedError extends Error {
  readonly code = 'NLX_ERR_PATH_NOT_ALLOWED';
  override readonly name = 'PathNotAllowedError';
  constructor(
    readonly root: FileRoot,
    readonly relPath: string,
  ) {
    super(
      `reading ${root} path "${relPath}" is not allowed; the file collectors read only ` +
        'the allowlisted files in src/files/paths.ts',
    );
  }
}

// Errors that mean "this file or directory is not there" rather than a failure: missing
// entries, a path component that is a file, and sysfs attributes that the driver cannot read.
const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENODEV', 'ENXIO', 'EINVAL', 'EOPNOTSUPP']);

function isAbsent(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ABSENT_CODES.has(code);
}

/**
 * FileReader reads allowlisted files and directories under the two roots.
 *
 * Absent files and directories read as `undefined`. A path outside the allowlist throws
 * {@link PathNotAllowedError} before any filesystem call. Any other failure (EACCES, EIO)
 * is thrown as the Node error with its `code`.
 */
export class FileReader {
  constructor(
    readonly roots: FileRoots,
    private readonly fs: FileSystem = nodeFileSystem,
  ) {}

  /** Returns the absolute path of an allowlisted relative path, or throws PathNotAllowedError. */
  resolve(root: FileRoot, relPath: string): string {
    if (!isAllowedPath(root, relPath)) throw new PathNotAllowedError(root, relPath);
    return join(root === 'procfs' ? this.roots.procfs : this.roots.sysfs, relPath);
  }

  /** Reads a whole file as UTF-8 text, or returns undefined when it is absent. */
  async readText(root: FileRoot, relPath: string): Promise<string | undefined> {
    return (await this.readBytes(root, relPath))?.toString('utf8');
  }

  /** Reads a whole file as bytes, or returns undefined when it is absent. */
  async readBytes(root: FileRoot, relPath: string): Promise<Buffer | undefined> {
    const path = this.resolve(root, relPath);
    try {
      return await this.fs.readFile(path);
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  /**
   * Lists a directory's entry names sorted byte-wise, or returns undefined when it is absent.
   * Names that are not valid UTF-8 are left out, because they could not be read back by name.
   */
  async list(root: FileRoot, relPath: string): Promise<string[] | undefined> {
    const path = this.resolve(root, relPath);
    let raw: Buffer[];
    try {
      raw = await this.fs.readdir(path);
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
    const names: string[] = [];
    for (const bytes of raw) {
      const name = bytes.toString('utf8');
      if (Buffer.from(name, 'utf8').equals(bytes)) names.push(name);
    }
    return names.sort(compareBytes);
  }

  /** Reports whether the path exists and is a directory after following symlinks. */
  async isDirectory(root: FileRoot, relPath: string): Promise<boolean> {
    const path = this.resolve(root, relPath);
    try {
      return await this.fs.isDirectory(path);
    } catch (err) {
      if (isAbsent(err)) return false;
      throw err;
    }
  }
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
