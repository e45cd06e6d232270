// HTTP server on node:http: /metrics (or the configured telemetry path), /healthz, /ready
// and the landing page, with limits on header size, request time and concurrent scrapes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createGzip } from 'node:zlib';
import { COLLECTOR_NAMES, type CollectorName, isCollectorName } from '../collectors/names.js';
import type { Config, ListenAddress } from '../config/types.js';
import type { Logger } from '../log.js';
import { encodeFamiliesToChunks } from '../metrics/exposition.js';
import { addSample, family } from '../metrics/model.js';
import { acceptsGzip, negotiate } from '../metrics/negotiate.js';
import { collectGarbageSoon } from '../scrape/heap.js';
import type { Scraper } from '../scrape/scraper.js';
import { SELF_DESCRIPTORS } from '../scrape/self.js';
import { REVISION, VERSION } from '../version.js';
import { renderLanding } from './landing.js';

/** Largest request head accepted; larger ones get 431 from node:http. */
export const MAX_HEADER_BYTES = 8192;
/** Bodies smaller than this are sent uncompressed even when the client accepts gzip. */
const GZIP_MIN_BYTES = 1024;
/** Margin kept below Prometheus' scrape timeout so the response arrives in time. */
const SCRAPE_TIMEOUT_MARGIN_MS = 250;
/**
 * Time a metrics response may go without the client reading any of it before the connection
 * is closed. A client that stops reading would otherwise keep the whole body in memory.
 */
const SEND_IDLE_TIMEOUT_MS = 30_000;

/** Options of the exporter's HTTP server. */
export interface ServerOptions {
  readonly config: Config;
  readonly scraper: Scraper;
  readonly log: Logger;
  /** Enabled collectors in startup order. */
  readonly enabled: readonly CollectorName[];
  /** Time a client has to send its whole request; the connection is closed after it. */
  readonly requestTimeoutMs?: number;
  /** Heap growth that makes the exporter collect after a scrape (see src/scrape/heap.ts). */
  readonly gcMinGrowthBytes?: number;
  /** Time a metrics response may go unread before its connection is closed (default 30 s). */
  readonly sendIdleTimeoutMs?: number;
}

/** Reasons for the errors of listen(2) and of resolving a host name, by error code. */
const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'no interface of this host has that address',
  EACCES: 'permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
};

/** Error for an address the server could not listen on. */
export class ListenError extends Error {
  readonly code: string;
  constructor(address: ListenAddress, cause: NodeJS.ErrnoException) {
    const code = cause.code ?? '';
    const reason = LISTEN_REASONS[code] ?? (code || cause.message);
    super(
      `cannot listen on ${formatAddress(address)}: ${reason}; choose another address with ` +
        '--web.listen-address, NLX_LISTEN_ADDR or listen_addr in the config file',
      { cause },
    );
    this.name = 'ListenError';
    this.code = cause.code ?? 'ELISTEN';
  }
}

/** Formats a listen address as host:port, with brackets around IPv6 literals. */
export function formatAddress(address: ListenAddress): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

class BadRequest extends Error {}

/** The exporter's HTTP server over one or more listen addresses. */
export class ExporterServer {
  private readonly servers: Server[] = [];
  private readonly pending = new Set<Promise<void>>();
  private scrapes = 0;
  /** Metrics requests rejected with 503 at the concurrency limit, since start. */
  private rejected = 0;
  private stopping = false;

  constructor(private readonly opts: ServerOptions) {}

  /**
   * Listens on every configured address. Rejects with ListenError naming the address, after
   * closing the servers of the addresses before it, so a failed start leaves nothing running.
   */
  async start(): Promise<void> {
    try {
      await this.listenAll();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async listenAll(): Promise<void> {
    const timeout = this.opts.requestTimeoutMs ?? 10_000;
    for (const address of this.opts.config.listenAddresses) {
      const server = createServer({
        maxHeaderSize: MAX_HEADER_BYTES,
        requestTimeout: timeout,
        headersTimeout: timeout,
        keepAliveTimeout: 5_000,
        connectionsCheckingInterval: Math.min(1_000, timeout),
      });
      server.on('request', (req, res) => this.track(this.handle(req, res)));
      server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
        this.opts.log.debug('client error', { err, code: err.code });
        if (socket.writable && !socket.writableEnded) {
          const status =
            err.code === 'HPE_HEADER_OVERFLOW'
              ? '431 Request Header Fields Too Large'
              : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
                ? '408 Request Timeout'
                : '400 Bad Request';
          socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        } else {
          socket.destroy();
        }
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(new ListenError(address, err)));
        server.listen(address.port, address.host, () => resolve());
      });
      this.servers.push(server);
      this.opts.log.info('listening', {
        address: formatAddress(this.boundAddress(server, address)),
      });
    }
  }

  /** Returns the addresses actually bound (port 0 resolves to the kernel's choice). */
  addresses(): ListenAddress[] {
    return this.servers.map((server, i) =>
      this.boundAddress(server, this.opts.config.listenAddresses[i]!),
    );
  }

  private boundAddress(server: Server, configured: ListenAddress): ListenAddress {
    const bound = server.address();
    return typeof bound === 'object' && bound !== null
      ? { host: configured.host, port: bound.port }
      : configured;
  }

  /** Stops accepting connections, lets in-flight requests finish and closes idle connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    const closed = this.servers.map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    for (const server of this.servers) server.closeIdleConnections();
    await Promise.all([...this.pending]);
    for (const server of this.servers) server.closeIdleConnections();
    await Promise.all(closed);
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.stopping) res.setHeader('Connection', 'close');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        this.reply(req, res, 405, `method ${req.method ?? ''} is not allowed; use GET or HEAD\n`);
        return;
      }
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://exporter');
      } catch {
        this.reply(req, res, 400, 'invalid request target\n');
        return;
      }
      switch (url.pathname) {
        case this.opts.config.telemetryPath:
          await this.metrics(req, res, url);
          return;
        case '/healthz':
          this.reply(req, res, 200, 'OK\n');
          return;
        case '/ready':
          if (this.opts.scraper.ready) this.reply(req, res, 200, 'OK\n');
          else this.reply(req, res, 503, 'not ready: startup probes are still running\n');
          return;
        case '/':
          this.reply(req, res, 200, this.landing(), 'text/html; charset=utf-8');
          return;
        default:
          this.reply(
            req,
            res,
            404,
            `not found: ${url.pathname}; metrics are at ${this.opts.config.telemetryPath}\n`,
          );
      }
    } catch (err) {
      this.opts.log.error('request failed', { err, path: req.url });
      if (!res.headersSent) this.reply(req, res, 500, 'internal error while serving the request\n');
      else res.destroy();
    }
  }

  private reply(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type = 'text/plain; charset=utf-8',
  ): void {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    this.replyChunks(req, res, status, [bytes], bytes.length, type);
  }

  /** Sends a response whose body is `chunks` of `size` bytes, without joining them. */
  private replyChunks(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    chunks: readonly Buffer[],
    size: number,
    type: string,
  ): void {
    res.statusCode = status;
    if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', type);
    res.setHeader('Content-Length', size);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.cork();
    for (const chunk of chunks) res.write(chunk);
    res.end();
    res.uncork();
  }

  /**
   * Closes the connection when the client reads nothing of the response for
   * SEND_IDLE_TIMEOUT_MS. node:http replaces this socket timeout with its keep-alive timeout
   * once the response is sent.
   */
  private limitSendIdle(req: IncomingMessage, res: ServerResponse): void {
    res.setTimeout(this.opts.sendIdleTimeoutMs ?? SEND_IDLE_TIMEOUT_MS, () => {
      this.opts.log.warn('client stopped reading a metrics response; closing the connection', {
        remote: req.socket.remoteAddress,
        port: req.socket.remotePort,
      });
      res.destroy();
    });
  }

  private landing(): string {
    const enabled = new Set(this.opts.enabled);
    return renderLanding({
      version: VERSION,
      revision: REVISION,
      telemetryPath: this.opts.config.telemetryPath,
      ready: this.opts.scraper.ready,
      rows: COLLECTOR_NAMES.map((name) => ({
        name,
        enabled: enabled.has(name),
        state: this.opts.scraper.states.get(name),
      })),
    });
  }

  /** Collectors named by collect[] minus exclude[]; throws BadRequest naming a bad name. */
  private selectCollectors(url: URL): CollectorName[] {
    const enabled = new Set(this.opts.enabled);
    const check = (param: string): CollectorName[] =>
      url.searchParams.getAll(param).map((name) => {
        if (!isCollectorName(name)) {
          throw new BadRequest(
            `unknown collector ${JSON.stringify(name.slice(0, 64))} in ${param}; known collectors: ${COLLECTOR_NAMES.join(', ')}`,
          );
        }
        if (!enabled.has(name)) {
          throw new BadRequest(
            `collector "${name}" in ${param} is disabled; enable it with --collector.${name}`,
          );
        }
        return name;
      });
    const include = check('collect[]');
    const exclude = new Set(check('exclude[]'));
    const base = include.length > 0 ? new Set(include) : enabled;
    return this.opts.enabled.filter((name) => base.has(name) && !exclude.has(name));
  }

  /** Deadline per collector: the configured one, shortened to fit Prometheus' scrape timeout. */
  private deadlineMs(req: IncomingMessage): number {
    const configured = this.opts.config.scrapeTimeoutMs;
    const header = Number(req.headers['x-prometheus-scrape-timeout-seconds']);
    if (!Number.isFinite(header) || header <= 0) return configured;
    return Math.max(50, Math.min(configured, header * 1000 - SCRAPE_TIMEOUT_MARGIN_MS));
  }

  private async metrics(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let selected: CollectorName[];
    try {
      selected = this.selectCollectors(url);
    } catch (err) {
      if (err instanceof BadRequest) {
        this.reply(req, res, 400, `${err.message}\n`);
        return;
      }
      throw err;
    }
    if (this.scrapes >= this.opts.config.maxRequests) {
      this.rejected++;
      res.setHeader('Retry-After', '1');
      this.reply(
        req,
        res,
        503,
        `too many concurrent scrapes (limit ${this.opts.config.maxRequests}); retry later\n`,
      );
      return;
    }
    this.scrapes++;
    try {
      const collected = await this.opts.scraper.scrape(selected, this.deadlineMs(req));
      const rejected = family(SELF_DESCRIPTORS.rejected);
      addSample(rejected, this.rejected);
      const families = [...collected, rejected];
      const { format, contentType } = negotiate(req.headers.accept);
      const chunks = encodeFamiliesToChunks(families, format, {
        onDrop: (drop) =>
          this.opts.log.warn('left a metric out of the exposition', {
            metric: drop.metric,
            samples: drop.samples,
            reason: drop.reason,
          }),
      });
      res.setHeader('Vary', 'Accept, Accept-Encoding');
      this.limitSendIdle(req, res);
      let size = 0;
      for (const chunk of chunks) size += chunk.length;
      if (size >= GZIP_MIN_BYTES && acceptsGzip(req.headers['accept-encoding'])) {
        res.setHeader('Content-Encoding', 'gzip');
        this.reply(req, res, 200, await gzipChunks(chunks), contentType);
      } else {
        this.replyChunks(req, res, 200, chunks, size, contentType);
      }
    } finally {
      this.scrapes--;
      // NB: one full collection after the last running scrape; see src/scrape/heap.ts.
      if (this.scrapes === 0) {
        res.once('close', () => {
          if (this.scrapes === 0) collectGarbageSoon(this.opts.gcMinGrowthBytes);
        });
      }
    }
  }
}

/** Compresses `chunks` in order into one gzip member. */
function gzipChunks(chunks: readonly Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gzip = createGzip();
    const out: Buffer[] = [];
    gzip.on('data', (data: Buffer) => out.push(data));
    gzip.on('end', () => resolve(Buffer.concat(out)));
    gzip.on('error', reject);
    for (const chunk of chunks) gzip.write(chunk);
    gzip.end();
  });
}
