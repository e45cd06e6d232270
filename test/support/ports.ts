// Loopback ports for servers that tests start in the test process's own namespace.

import { createServer } from 'node:net';

/**
 * Returns a loopback port below the kernel's ephemeral range (net.ipv4.ip_local_port_range
 * starts at 32768 by default) that was free a moment ago. An ephemeral port could be taken as
 * the source port of another test's connection before the server binds it.
 */
export async function freeLoopbackPort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
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
