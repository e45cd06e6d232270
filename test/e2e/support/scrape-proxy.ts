// A recording HTTP proxy between Prometheus and the exporter, run as its own process inside
// the test's network namespace:
//
//   node scrape-proxy.js LISTEN_PORT TARGET_PORT [ACCEPT]
//
// It forwards each GET to 127.0.0.1:TARGET_PORT with the same path and headers, except that
// a given ACCEPT replaces the Accept header. That lets one Prometheus job scrape the text
// format: Prometheus 2.42 (Debian 12) sends one fixed Accept header that prefers OpenMetrics
// and has no per-job setting for it (scrape_protocols came with Prometheus 2.49).
//
// For every response it prints one JSON line on stdout: the Accept header that Prometheus
// sent, the one forwarded, and the exporter's status and Content-Type.

import { createServer, request as httpRequest } from 'node:http';

/** One line of the proxy's stdout. */
export interface ProxyRecord {
  readonly receivedAccept: string | null;
  readonly forwardedAccept: string | null;
  readonly status: number;
  readonly contentType: string | null;
}

function main(): void {
  const [listenText, targetText, accept] = process.argv.slice(2);
  const listenPort = Number(listenText);
  const targetPort = Number(targetText);
  if (!Number.isInteger(listenPort) || !Number.isInteger(targetPort)) {
    process.stderr.write('usage: scrape-proxy LISTEN_PORT TARGET_PORT [ACCEPT]\n');
    process.exit(2);
  }

  const server = createServer((req, res) => {
    const headers = { ...req.headers };
    if (accept !== undefined) headers['accept'] = accept;
    const upstream = httpRequest(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers },
      (reply) => {
        const record: ProxyRecord = {
          receivedAccept: req.headers.accept ?? null,
          forwardedAccept: headers['accept'] ?? null,
          status: reply.statusCode ?? 0,
          contentType: reply.headers['content-type'] ?? null,
        };
        process.stdout.write(JSON.stringify(record) + '\n');
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      process.stderr.write(`proxy request to port ${targetPort} failed: ${err.message}\n`);
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  server.listen(listenPort, '127.0.0.1', () => process.stderr.write('listening\n'));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
