#!/usr/bin/env -S node --max-semi-space-size=2
// netlink_exporter: composition root. Parses the configuration, probes the collectors,
// serves HTTP, and stops cleanly on SIGTERM or SIGINT.

import { endianness } from 'node:os';
import { loadCollectors } from './collectors/load.js';
import { COLLECTOR_NAMES } from './collectors/names.js';
import type { Collector } from './collectors/types.js';
import { ConfigError, parseCommandLine } from './config/load.js';
import type { Config } from './config/types.js';
import { ExporterServer, ListenError } from './http/server.js';
import { createLogger, type Logger } from './log.js';
import { ProcessMetrics } from './metrics/process.js';
import { Scraper } from './scrape/scraper.js';
import { REVISION, VERSION } from './version.js';

/** Exit code for invalid configuration or command line. */
const EXIT_USAGE = 2;
/** Time that in-flight scrapes get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 30_000;

function enabledCollectors(config: Config): Promise<Collector[]> {
  return loadCollectors(COLLECTOR_NAMES.filter((name) => config.collectors[name]));
}

async function run(config: Config, log: Logger): Promise<void> {
  const collectors = await enabledCollectors(config);
  const processMetrics = new ProcessMetrics({ procfs: config.pathProcfs });
  const scraper = new Scraper({ collectors, config, log, processMetrics });
  const server = new ExporterServer({
    config,
    scraper,
    log,
    enabled: collectors.map((c) => c.name),
  });
  log.info('netlink_exporter starting', {
    version: VERSION,
    revision: REVISION,
    node: process.version,
    collectors: collectors.map((c) => c.name).join(','),
  });
  const nodeFlags = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].join(' ');
  if (!nodeFlags.includes('--max-semi-space-size')) {
    log.info(
      'Node.js runs without --max-semi-space-size=2, so large scrapes peak at a higher resident set; see "Memory" in docs/operations.md',
    );
  }
  try {
    await server.start();
  } catch (err) {
    if (err instanceof ListenError) {
      log.error(err.message);
      process.exitCode = 1;
      await scraper.close();
      processMetrics.close();
      return;
    }
    throw err;
  }

  const probes = scraper.probeAll().then(() => {
    scraper.startReprobing();
    log.info('startup probes finished; ready');
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => {
      log.error('in-flight requests did not finish in time; exiting', {
        grace_ms: SHUTDOWN_GRACE_MS,
      });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    await server.stop();
    await probes;
    await scraper.close();
    processMetrics.close();
    log.info('stopped');
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

function main(): void {
  if (endianness() !== 'LE') {
    process.stderr.write('netlink_exporter supports little-endian hosts only\n');
    process.exit(1);
  }
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    throw err;
  }
  if (parsed.kind !== 'run') {
    process.stdout.write(parsed.text);
    return;
  }
  const config = parsed.config;
  const log = createLogger(config.logLevel, config.logFormat);
  run(config, log).catch((err: unknown) => {
    log.error('exporter failed', { err });
    process.exit(1);
  });
}

main();
