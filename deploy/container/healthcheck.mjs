// Container health check: exits 0 when the exporter's /healthz returns 200 within 4 s, else 1.
// The port is taken from the first address in NLX_LISTEN_ADDR, else the default 33400; the
// check always connects to 127.0.0.1, so an exporter bound to one other address fails it.

const listen = (process.env.NLX_LISTEN_ADDR ?? '').split(',')[0]?.trim() ?? '';
const port = listen === '' ? '33400' : listen.slice(listen.lastIndexOf(':') + 1);

try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(4000),
  });
  process.exit(response.status === 200 ? 0 : 1);
} catch (err) {
  console.error(`health check of 127.0.0.1:${port} failed: ${err.message}`);
  process.exit(1);
}
