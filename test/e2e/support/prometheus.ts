// A real Prometheus server (Debian package `prometheus`) run by a test inside its network
// namespace, with its own configuration and TSDB in a scratch directory, queried through the
// HTTP API with curl inside the same namespace.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curlIn } from '../../support/exporter.js';
import { type Background, startIn, waitFor } from './harness.js';

/** One element of an instant-query vector. */
export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** A running Prometheus server. */
export interface RunningPrometheus {
  readonly server: Background;
  /** Sends GET `path` to the server's HTTP API and returns the `data` of a success reply. */
  api<T>(path: string): T;
  /** Evaluates an instant query that returns a vector. */
  query(expr: string): VectorSample[];
  /** Reads one sample of the server's own /metrics, 0 when it has none. */
  selfMetric(name: string): number;
}

/**
 * Writes `config` (YAML text) to `dir`/prometheus.yml and starts Prometheus in namespace `ns`
 * on 127.0.0.1:`port`, with its TSDB under `dir`/data. Resolves once /-/ready returns 200.
 */
export async function startPrometheus(
  ns: string,
  dir: string,
  port: number,
  config: string,
): Promise<RunningPrometheus> {
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const server = startIn(ns, 'prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const base = `http://127.0.0.1:${port}`;
  const api = <T>(path: string): T => {
    const response = curlIn(ns, base + path);
    const body = JSON.parse(response.body) as { status: string; data: T; error?: string };
    if (response.status !== 200 || body.status !== 'success') {
      const shown = decodeURIComponent(path).slice(0, 200);
      throw new Error(`Prometheus ${shown} returned ${response.status}: ${body.error ?? ''}`);
    }
    return body.data;
  };
  const prometheus: RunningPrometheus = {
    server,
    api,
    query: (expr) => {
      const data = api<{
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      if (data.resultType !== 'vector')
        throw new Error(`${expr} returned a ${data.resultType}, not a vector`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    selfMetric: (name) => {
      const text = curlIn(ns, `${base}/metrics`).body;
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? 0 : Number(line.slice(name.length + 1));
    },
  };
  const outcome = await waitFor(
    'Prometheus to become ready',
    () => {
      if (server.process.exitCode !== null) return 'exited';
      return curlIn(ns, `${base}/-/ready`).status === 200 ? 'ready' : undefined;
    },
    30_000,
  ).catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  if (outcome === 'exited') {
    throw new Error(`prometheus exited with ${server.process.exitCode}: ${server.stderr()}`);
  }
  return prometheus;
}
