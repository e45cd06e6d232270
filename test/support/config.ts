// Configuration and collector context for tests of the file collectors.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CollectContext } from '../../src/collectors/types.js';
import { defaultConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { createLogger } from '../../src/log.js';

/** Returns the default configuration with `overrides` applied on top. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...defaultConfig(), ...overrides };
}

/** Directory of the file-collector fixture trees, from dist/test/support/ where this runs. */
export const FILE_FIXTURES = fileURLToPath(
  new URL('../../../test/fixtures/files/', import.meta.url),
);

/** Returns a configuration whose procfs and sysfs roots are the fixture tree `name`. */
export function fixtureConfig(name: string, overrides: Partial<Config> = {}): Config {
  return testConfig({
    pathProcfs: join(FILE_FIXTURES, name, 'proc'),
    pathSysfs: join(FILE_FIXTURES, name, 'sys'),
    ...overrides,
  });
}

/** A collector context whose statistics and log lines are recorded for assertions. */
export interface RecordingContext extends CollectContext {
  /** Sum of the counts passed to `stats.addSkipped`. */
  readonly skipped: () => number;
  readonly logLines: string[];
}

/** Options of {@link testContext}. */
export interface TestContextOptions {
  readonly netns?: string;
  readonly interfaceAllowed?: (name: string) => boolean;
}

/** Creates a collector context for `config` that records skipped counts and log lines. */
export function testContext(config: Config, options: TestContextOptions = {}): RecordingContext {
  let skipped = 0;
  const logLines: string[] = [];
  const ctx: RecordingContext = {
    config,
    log: createLogger('debug', 'json', (line) => logLines.push(line)),
    signal: new AbortController().signal,
    interfaceAllowed: options.interfaceAllowed ?? (() => true),
    stats: {
      addDumpRestarts: () => {},
      addCapDropped: () => {},
      addSkipped: (count) => {
        skipped += count;
      },
    },
    skipped: () => skipped,
    logLines,
  };
  return options.netns === undefined ? ctx : { ...ctx, netns: options.netns };
}
