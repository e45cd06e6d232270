// Helpers for netlink collectors: sockets bound to a collection's deadline, and the mapping
// of netlink errors to probe results.

import { isForbidden, isUnavailable, type NetlinkError } from '../netlink/errors.js';
import { NetlinkSocket } from '../netlink/socket.js';
import type { CollectContext, ProbeResult } from './types.js';

/** Capability that each netlink collector needs beyond an unprivileged process. */
export const NEEDS_NET_ADMIN = 'CAP_NET_ADMIN';

/**
 * Opens a socket of `protocol` in the collection's namespace. The socket is closed when the
 * collection's deadline passes, so a collector cut off mid-dump leaves no socket behind.
 * The socket is also closed when `use` returns or throws.
 */
export async function withSocket<T>(
  ctx: CollectContext,
  protocol: number,
  use: (socket: NetlinkSocket) => Promise<T>,
): Promise<T> {
  const socket = NetlinkSocket.open(protocol, ctx.netns === undefined ? {} : { netns: ctx.netns });
  const onAbort = (): void => socket.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await use(socket);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    socket.close();
  }
}

/** Request options for one dump of a collection: its deadline and restart limit. */
export function dumpOptions(ctx: CollectContext): { signal: AbortSignal; maxRestarts: number } {
  return { signal: ctx.signal, maxRestarts: ctx.config.netlinkDumpMaxRestarts };
}

/**
 * Maps a probe failure to a result: missing kernel features are `unavailable`, rejected
 * privileges `forbidden` with the capability named; anything else is rethrown.
 */
export function probeFailure(
  err: unknown,
  what: string,
  capability = NEEDS_NET_ADMIN,
): ProbeResult {
  if (isForbidden(err)) {
    return {
      kind: 'forbidden',
      reason: `${what} was rejected (${(err as NetlinkError).errnoName}); grant ${capability}`,
    };
  }
  if (isUnavailable(err)) {
    return {
      kind: 'unavailable',
      reason: `${what} is not supported by this kernel (${(err as NetlinkError).errnoName})`,
    };
  }
  throw err;
}
