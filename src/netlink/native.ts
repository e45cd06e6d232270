// Loader and type of the C addon (native/netlink.c), built by node-gyp into build/Release.

import { createRequire } from 'node:module';

/** One AF_NETLINK socket owned by the addon. Methods throw Node-style errors (code, errno, syscall). */
export interface NativeSocket {
  readonly portId: number;
  readonly fd: number;
  setOption(level: number, name: number, value: number): void;
  getOption(level: number, name: number): number;
  /** Sends one datagram to the kernel and returns the bytes sent. */
  send(data: Uint8Array): number;
  /** Starts delivering whole datagrams, in batches, on the event loop. */
  start(onData: (error: NativeError | null, datagrams: Buffer[] | null) => void): void;
  stop(): void;
  /** Closes the socket; later calls do nothing. */
  close(): void;
}

/** Error thrown or delivered by the addon. `errno` is negative, as in Node's own errors. */
export interface NativeError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
}

interface Addon {
  Socket: new (protocol: number, netnsPath?: string) => NativeSocket;
}

const require = createRequire(import.meta.url);

function loadAddon(): Addon {
  // dist/src/netlink/native.js → ../../../build/Release/netlink.node
  return require('../../../build/Release/netlink.node') as Addon;
}

/** The loaded addon. Throws at import if the addon was not built (`npm ci` builds it). */
export const addon: Addon = loadAddon();

/** Reports whether `err` is an error from the addon. */
export function isNativeError(err: unknown): err is NativeError {
  return err instanceof Error && typeof (err as NativeError).syscall === 'string';
}
