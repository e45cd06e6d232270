// Probe results of the netfilter collectors. nfnetlink answers a message of a subsystem that
// the kernel does not have with EINVAL, after it tried to load the subsystem's module
// (nfnetlink_rcv_msg in net/netfilter/nfnetlink.c). So EINVAL from the first request of a
// probe means a missing feature here, not a bad request.

import { KernelError } from '../netlink/errors.js';
import { probeFailure } from './netlink.js';
import type { ProbeResult } from './types.js';

/**
 * Maps a netfilter probe failure to a result: EINVAL from the kernel is `unavailable` and
 * names `module`, the rest is mapped by probeFailure (which rethrows unexpected errors).
 */
export function netfilterProbeFailure(err: unknown, what: string, module: string): ProbeResult {
  if (err instanceof KernelError && err.errnoName === 'EINVAL') {
    return {
      kind: 'unavailable',
      reason: `${what} was rejected (EINVAL); the kernel lacks ${module}`,
    };
  }
  return probeFailure(err, what);
}
