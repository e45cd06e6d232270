// Collectors made up by tests to drive the scrape pipeline and the HTTP server.

import type { CollectorName } from '../../src/collectors/names.js';
import type { CollectContext, Collector, ProbeResult } from '../../src/collectors/types.js';
import { defaultConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { createLogger, type Logger } from '../../src/log.js';
import {
  addSample,
  family,
  type MetricDescriptor,
  type MetricFamily,
} from '../../src/metrics/model.js';

/** Returns the descriptor of gauge `nft_test_<suffix>` with one `item` label. */
export function testDescriptor(suffix: string): MetricDescriptor {
  return {
    name: `nft_test_${suffix}`,
    type: 'gauge',
    help: `Test gauge ${suffix}.`,
    labels: ['item'],
    source: 'test',
  };
}

/** Builds a family of `count` samples labelled item="0".."count-1". */
export function testFamily(suffix: string, count: number): MetricFamily {
  const fam = family(testDescriptor(suffix));
  for (let i = 0; i < count; i++) addSample(fam, i, String(i));
  return fam;
}

/** Builds a collector under a real collector name with the given behaviour. */
export function fakeCollector(
  name: CollectorName,
  collect: (ctx: CollectContext) => Promise<MetricFamily[]>,
  probe: () => Promise<ProbeResult> = async () => ({ kind: 'available' }),
): Collector {
  return { name, descriptors: [], interfaceScoped: false, probe, collect };
}

/** Returns the default configuration with `overrides`, listening on an ephemeral loopback port. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...defaultConfig(), listenAddresses: [{ host: '127.0.0.1', port: 0 }], ...overrides };
}

/** Creates a logger that keeps its JSON records in `lines`. */
export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('debug', 'json', (line) => lines.push(line)), lines };
}

/** Creates a promise with its resolve function, to hold a collector until the test opens it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
