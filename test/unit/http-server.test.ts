// The HTTP server on a loopback port with made-up collectors, and the real process's
// handling of SIGTERM.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Collector } from '../../src/collectors/types.js';
import { ExporterServer, ListenError } from '../../src/http/server.js';
import { Scraper } from '../../src/scrape/scraper.js';
import {
  fakeCollector,
  gate,
  memoryLogger,
  testConfig,
  testFamily,
} from '../support/collectors.js';
import { MAIN } from '../support/exporter.js';
import { freeLoopbackPort } from '../support/ports.js';

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function startServer(
  collectors: Collector[],
  overrides: Parameters<typeof testConfig>[0] = {},
  requestTimeoutMs?: number,
  gcMinGrowthBytes?: number,
) {
  const { log } = memoryLogger();
  const config = testConfig(overrides);
  const scraper = new Scraper({ collectors, config, log });
  const server = new ExporterServer({
    config,
    scraper,
    log,
    enabled: collectors.map((c) => c.name),
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    ...(gcMinGrowthBytes === undefined ? {} : { gcMinGrowthBytes }),
  });
  await server.start();
  return { server, scraper, port: server.addresses()[0]!.port };
}

describe('exporter HTTP server', () => {
  let port = 0;
  let server: ExporterServer;
  let scraper: Scraper;

  before(async () => {
    const started = await startServer([
      fakeCollector('rtnetlink', async () => [testFamily('links', 200)]),
      fakeCollector('softnet', async () => [testFamily('cpus', 2)]),
    ]);
    ({ server, scraper, port } = started);
    await scraper.probeAll();
  });
  after(() => server.stop());

  test('metrics default to text 0.0.4', async () => {
    const res = await get(port, '/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(res.body.toString().includes('nft_test_links{item="199"} 199\n'), true);
  });

  test('OpenMetrics when the Accept header prefers it', async () => {
    const res = await get(port, '/metrics', {
      Accept:
        'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    });
    assert.equal(
      res.headers['content-type'],
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    assert.equal(res.body.toString().endsWith('# EOF\n'), true);
  });

  test('gzip when Accept-Encoding allows it', async () => {
    const plain = await get(port, '/metrics');
    const zipped = await get(port, '/metrics', { 'Accept-Encoding': 'gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(plain.headers['content-encoding'], undefined);
    const text = gunzipSync(zipped.body).toString();
    assert.equal(
      text.replace(/nft_scrape_[^\n]*\n/g, ''),
      plain.body.toString().replace(/nft_scrape_[^\n]*\n/g, ''),
    );
  });

  test('collect[] and exclude[] select collectors', async () => {
    const only = (await get(port, '/metrics?collect[]=softnet')).body.toString();
    assert.equal(only.includes('nft_test_cpus'), true);
    assert.equal(only.includes('nft_test_links'), false);
    assert.equal(only.includes('nft_scrape_collector_success{collector="rtnetlink"}'), false);
    const without = (await get(port, '/metrics?exclude[]=softnet')).body.toString();
    assert.equal(without.includes('nft_test_cpus'), false);
    assert.equal(without.includes('nft_test_links'), true);
  });

  test('unknown or disabled collector in collect[] is a 400', async () => {
    const unknown = await get(port, '/metrics?collect[]=bogus');
    assert.equal(unknown.status, 400);
    assert.equal(
      unknown.body.toString(),
      'unknown collector "bogus" in collect[]; known collectors: rtnetlink, rtnetlink_extended, traffic_control, conntrack, conntrack_expect, nftables, sock_diag, ethtool, ipvs, wireguard, devlink, drop_monitor, xfrm, softnet, netstat, softirq, irq, sockstat, nic_bql, nic_pcie, nic_temp\n',
    );
    const control = await get(port, '/metrics?collect[]=rtnet%00link');
    assert.equal(control.status, 400);
    assert.match(control.body.toString(), /^unknown collector "rtnet\\u0000link" in collect\[\];/);
    const disabled = await get(port, '/metrics?exclude[]=irq');
    assert.equal(disabled.status, 400);
    assert.equal(
      disabled.body.toString(),
      'collector "irq" in exclude[] is disabled; enable it with --collector.irq\n',
    );
  });

  test('other paths are 404 and other methods 405', async () => {
    const missing = await get(port, '/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.toString(), 'not found: /nope; metrics are at /metrics\n');
    const post = await get(port, '/metrics', {}, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET, HEAD');
    const head = await get(port, '/metrics', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  test('health, readiness and landing page', async () => {
    assert.deepEqual(
      [(await get(port, '/healthz')).status, (await get(port, '/healthz')).body.toString()],
      [200, 'OK\n'],
    );
    assert.equal((await get(port, '/ready')).status, 200);
    const page = await get(port, '/');
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    const html = page.body.toString();
    assert.equal(html.includes('<tr data-collector="rtnetlink" class="available">'), true);
    assert.equal(html.includes('<tr data-collector="irq" class="disabled">'), true);
  });

  test('oversized request header gets 431', async () => {
    const res = await get(port, '/metrics', { 'X-Big': 'a'.repeat(10_000) });
    assert.equal(res.status, 431);
  });
});

test('ready is 503 until the startup probes finish', async () => {
  const held = gate();
  const { server, scraper, port } = await startServer([
    fakeCollector(
      'rtnetlink',
      async () => [],
      async () => {
        await held.promise;
        return { kind: 'available' };
      },
    ),
  ]);
  try {
    const probing = scraper.probeAll();
    const early = await get(port, '/ready');
    assert.deepEqual(
      [early.status, early.body.toString()],
      [503, 'not ready: startup probes are still running\n'],
    );
    held.open();
    await probing;
    assert.equal((await get(port, '/ready')).status, 200);
  } finally {
    await server.stop();
  }
});

test('client that sends nothing is closed after the request timeout', async () => {
  const { server, port } = await startServer([], {}, 300);
  try {
    const started = Date.now();
    const closed = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', reject);
      socket.on('close', () => resolve(Date.now() - started));
      socket.resume();
    });
    assert.ok(closed >= 250, `closed after ${closed} ms`);
  } finally {
    await server.stop();
  }
});

test('scrapes beyond the concurrency cap get 503 with Retry-After', async () => {
  const held = gate();
  const { server, scraper, port } = await startServer(
    [
      fakeCollector('rtnetlink', async () => {
        await held.promise;
        return [testFamily('held', 1)];
      }),
    ],
    { maxRequests: 1 },
  );
  try {
    await scraper.probeAll();
    const first = get(port, '/metrics');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await get(port, '/metrics');
    assert.equal(second.status, 503);
    assert.equal(second.headers['retry-after'], '1');
    assert.equal(second.body.toString(), 'too many concurrent scrapes (limit 1); retry later\n');
    held.open();
    const answered = await first;
    assert.equal(answered.status, 200);
    assert.match(answered.body.toString(), /^nft_http_scrapes_rejected_total 1$/m);
    const later = await get(port, '/metrics');
    assert.match(later.body.toString(), /^nft_http_scrapes_rejected_total 1$/m);
  } finally {
    await server.stop();
  }
});

test('stopping lets an in-flight scrape finish and refuses new connections', async () => {
  const held = gate();
  const { server, scraper, port } = await startServer([
    fakeCollector('rtnetlink', async () => {
      await held.promise;
      return [testFamily('late', 1)];
    }),
  ]);
  await scraper.probeAll();
  const inFlight = get(port, '/metrics');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const stopped = server.stop();
  await assert.rejects(get(port, '/healthz'), { code: 'ECONNREFUSED' });
  held.open();
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.equal(res.body.toString().includes('nft_test_late{item="0"} 0'), true);
  await stopped;
});

test('exporter process exits 0 on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      `--web.listen-address=127.0.0.1:${await freeLoopbackPort()}`,
      '--collector.disable-defaults',
      '--collector.rtnetlink',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const listening = new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('ready')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await Promise.race([listening, exited]);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.match(stderr, /msg=stopped/);
});

test('port already in use is a clear error', async () => {
  const { server, port } = await startServer([]);
  try {
    const child = spawn(
      process.execPath,
      [MAIN, `--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.equal(
      stderr.includes(
        `cannot listen on 127.0.0.1:${port}: address already in use; choose another address with ` +
          '--web.listen-address, NLX_LISTEN_ADDR or listen_addr in the config file',
      ),
      true,
      stderr,
    );
  } finally {
    await server.stop();
  }
});

test('second address in use stops the exporter', async () => {
  const { server, port } = await startServer([]);
  const child = spawn(
    process.execPath,
    [
      MAIN,
      `--web.listen-address=127.0.0.1:${await freeLoopbackPort()}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // A first server left listening would keep the process alive, so a hang fails the test.
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
  } finally {
    clearTimeout(killer);
    await server.stop();
  }
});

test('address of no interface is a clear error', async () => {
  // 192.0.2.1 (TEST-NET-1) is on no interface here, so bind(2) fails without any traffic.
  const { log } = memoryLogger();
  const config = testConfig({ listenAddresses: [{ host: '192.0.2.1', port: 33400 }] });
  const scraper = new Scraper({ collectors: [], config, log });
  const server = new ExporterServer({ config, scraper, log, enabled: [] });

  await assert.rejects(server.start(), {
    name: 'ListenError',
    code: 'EADDRNOTAVAIL',
    message:
      'cannot listen on 192.0.2.1:33400: no interface of this host has that address; choose ' +
      'another address with --web.listen-address, NLX_LISTEN_ADDR or listen_addr in the config file',
  });
});

test('listen error without a known code names the code', () => {
  const cause = Object.assign(new Error('listen EPROTO'), { code: 'EPROTO' });
  const error = new ListenError({ host: '::1', port: 80 }, cause);
  assert.match(error.message, /^cannot listen on \[::1\]:80: EPROTO; choose another address/);
  assert.equal(error.code, 'EPROTO');
});

test('client that stops reading is disconnected', async () => {
  const { log, lines } = memoryLogger();
  const config = testConfig();
  // 15 MB of text. A socket that is never read keeps a small receive buffer, so writes stall.
  const big = fakeCollector('rtnetlink', async () => [testFamily('unread', 400_000)]);
  const scraper = new Scraper({ collectors: [big], config, log });
  await scraper.probeAll();
  const server = new ExporterServer({
    config,
    scraper,
    log,
    enabled: ['rtnetlink'],
    sendIdleTimeoutMs: 500,
  });
  await server.start();
  const socket = connect(server.addresses()[0]!.port, '127.0.0.1');
  try {
    socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n');
    socket.pause();
    const warned = async (): Promise<Record<string, unknown> | undefined> => {
      for (let waited = 0; waited < 20_000; waited += 100) {
        const warning = lines.map((l) => JSON.parse(l)).find((r) => r.level === 'warn');
        if (warning !== undefined) return warning;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return undefined;
    };

    const warning = await warned();
    assert.equal(warning?.msg, 'client stopped reading a metrics response; closing the connection');
    assert.equal(warning?.remote, '127.0.0.1');
    // The end of the connection sits behind the unread data, so the client reads up to it.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    await closed;
  } finally {
    socket.destroy();
    await server.stop();
  }
});

test('large exposition sent in chunks', async () => {
  const { server, scraper, port } = await startServer([
    fakeCollector('rtnetlink', async () => [testFamily('many', 20_000)]),
  ]);
  try {
    await scraper.probeAll();
    const plain = await get(port, '/metrics');
    const text = plain.body.toString();
    assert.equal(Number(plain.headers['content-length']), plain.body.length);
    assert.ok(plain.body.length > 4 * 64 * 1024, `only ${plain.body.length} bytes`);
    const lines = text.split('\n').filter((l) => l.startsWith('nft_test_many{'));
    assert.equal(lines.length, 20_000);
    assert.equal(lines[19_999], 'nft_test_many{item="19999"} 19999');
    const zipped = await get(port, '/metrics', { 'Accept-Encoding': 'gzip' });
    const strip = (s: string) => s.replace(/nft_scrape_[^\n]*\n/g, '');
    assert.equal(strip(gunzipSync(zipped.body).toString()), strip(text));
    const head = await get(port, '/metrics', {}, 'HEAD');
    assert.equal(head.body.length, 0);
    assert.ok(Number(head.headers['content-length']) > 4 * 64 * 1024);
  } finally {
    await server.stop();
  }
});

/** Counts V8's full collections while `run` runs and for 100 ms after it. */
async function fullCollections(run: () => Promise<void>): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as unknown as { detail?: { kind?: number } };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    observer.disconnect();
  }
  return count;
}

/** Scrapes `port` five times, pausing after each response for the collection to run. */
async function fiveScrapes(port: number): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await get(port, '/metrics');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('heap is collected after scrapes that grew it', async () => {
  const families = async () => [testFamily('links', 50)];
  const { server, scraper, port } = await startServer(
    [fakeCollector('rtnetlink', families)],
    {},
    undefined,
    0,
  );
  try {
    await scraper.probeAll();
    const count = await fullCollections(() => fiveScrapes(port));
    assert.ok(count >= 5, `${count} full collections after 5 scrapes`);
  } finally {
    await server.stop();
  }
});

test('heap is left alone after scrapes that barely grew it', async () => {
  const families = async () => [testFamily('links', 50)];
  const { server, scraper, port } = await startServer([fakeCollector('rtnetlink', families)]);
  try {
    await scraper.probeAll();
    const count = await fullCollections(() => fiveScrapes(port));
    assert.ok(count <= 1, `${count} full collections after 5 small scrapes`);
  } finally {
    await server.stop();
  }
});
