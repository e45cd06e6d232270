// Loopback ports for servers that tests start.

import { createServer } from 'node:net';

/**
 * Returns a random port from 20000 to 31999, below the kernel's ephemeral range
 * (net.ipv4.ip_local_port_range starts at 32768 by default), so no outgoing connection takes
 * it as its source port.
 */
export function portBelowEphemeralRange(): number {
  return 20000 + Math.floor(Math.random() * 12000);
}

/** Returns a port below the ephemeral range that was free on 127.0.0.1 a moment ago. */
export async function freeLoopbackPort(): Promise<number> {
  for (;;) {
    const port = portBelowEphemeralRange();
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
}
