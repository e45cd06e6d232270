// Drives Debian's headless Chromium through playwright-core against the exporter's landing
// page with JavaScript disabled. The collector table must show each collector's state as the
// exporter logged it, every link must lead to a page with status 200, and the page must load
// nothing from another origin. A screenshot is saved to test-artifacts/landing-page.png.
//
// The exporter and Chromium both run inside a network namespace that the test creates, so
// the browser can reach nothing but the exporter on the namespace's loopback.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import {
  COLLECTOR_NAMES,
  type CollectorName,
  enabledByDefault,
} from '../../src/collectors/names.js';
import { MAIN } from '../support/exporter.js';
import { createNamespace, kernelTestBlocker, type TestNamespace } from '../support/netns.js';
import { artifactPath, type Background, startIn, toolMissing, waitFor } from './support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const PORT = 33400;
const ORIGIN = `http://127.0.0.1:${PORT}`;
/** Flags that keep Chromium from starting background services or reaching the network. */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** One file collector on top of the default netlink ones, so the table shows both states. */
const EXTRA_COLLECTOR: CollectorName = 'softnet';

/** One row of the collector table as the browser shows it. */
interface Row {
  readonly collector: string;
  readonly enabled: string;
  readonly state: string;
}

function blocker(): string | undefined {
  const kernel = kernelTestBlocker();
  if (kernel !== undefined) {
    if (process.env['CI'] === 'true')
      throw new Error(`end-to-end test cannot run in CI: ${kernel}`);
    return kernel;
  }
  return toolMissing(CHROMIUM, ['--version'], 'chromium');
}

/**
 * Returns the state text each enabled collector should show, from the exporter's JSON log
 * lines "collector available", "collector unavailable" and "collector forbidden".
 */
function statesFromLog(log: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as { msg: string; collector?: string; reason?: string };
    const status = /^collector (available|unavailable|forbidden)$/.exec(record.msg)?.[1];
    if (status === undefined || record.collector === undefined) continue;
    states.set(
      record.collector,
      status === 'available' ? status : `${status}: ${record.reason ?? ''}`,
    );
  }
  return states;
}

async function readTable(page: Page): Promise<Row[]> {
  const rows = page.locator('table#collectors tbody tr');
  const result: Row[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    result.push({
      collector: (await row.getAttribute('data-collector')) ?? '',
      // biome-ignore lint/performance/useDomNodeTextContent: the test reads the rendered text.
      enabled: await row.locator('td').nth(1).innerText(),
      // biome-ignore lint/performance/useDomNodeTextContent: the test reads the rendered text.
      state: await row.locator('td.state').innerText(),
    });
  }
  return result;
}

const skip = blocker();

describe('landing page in Chromium', { skip, timeout: 120_000 }, () => {
  let ns: TestNamespace;
  let scratch: string;
  let exporter: Background;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nlx-e2e-landing-'));
    ns = createNamespace('e2e-web');
    exporter = startIn(
      ns.name,
      process.execPath,
      [MAIN, `--collector.${EXTRA_COLLECTOR}`, '--log.format=json'],
      {
        cwd: scratch,
      },
    );
    await waitFor(
      'the exporter to become ready',
      () => {
        if (exporter.process.exitCode !== null) {
          throw new Error(
            `exporter exited with ${exporter.process.exitCode}: ${exporter.stderr()}`,
          );
        }
        return ns.exec('curl', '-sf', `${ORIGIN}/ready`) === 'OK\n' ? true : undefined;
      },
      20_000,
    );

    // playwright-core starts the executable it is given; this wrapper starts Chromium inside
    // the namespace and keeps the pipe file descriptors that playwright uses.
    const wrapper = join(scratch, 'chromium-in-netns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns.name} ${CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
      executablePath: wrapper,
      headless: true,
      args: CHROMIUM_FLAGS,
      javaScriptEnabled: false,
      viewport: { width: 1100, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${ORIGIN}/`);
    assert.equal(response?.status(), 200);
  });

  after(async () => {
    await context?.close();
    await exporter?.stop();
    ns?.remove();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  test('collector table shows each state', async () => {
    const logged = statesFromLog(exporter.stderr());
    const expected = COLLECTOR_NAMES.map((name) => {
      const enabled = name === EXTRA_COLLECTOR || enabledByDefault(name);
      return {
        collector: name,
        enabled: enabled ? 'yes' : 'no',
        state: enabled ? (logged.get(name) ?? 'no log line') : 'disabled',
      };
    });
    assert.deepStrictEqual(await readTable(page), expected);
  });

  test('page has no script', async () => {
    assert.equal(await page.locator('script').count(), 0);
  });

  test('every link returns 200', async () => {
    const links = page.locator('a');
    const hrefs: string[] = [];
    for (let i = 0; i < (await links.count()); i++)
      hrefs.push((await links.nth(i).getAttribute('href')) ?? '');
    assert.deepStrictEqual(hrefs, ['/metrics', '/healthz', '/ready']);

    const statuses: Record<string, number | undefined> = {};
    for (const href of hrefs) {
      await page.goto(`${ORIGIN}/`);
      const [response] = await Promise.all([
        page.waitForNavigation(),
        page.click(`a[href="${href}"]`),
      ]);
      statuses[href] = response?.status();
    }
    assert.deepStrictEqual(statuses, { '/metrics': 200, '/healthz': 200, '/ready': 200 });
  });

  test('page loads nothing from elsewhere', () => {
    const foreign = requested.filter((url) => !url.startsWith(`${ORIGIN}/`));
    assert.deepStrictEqual(foreign, []);
  });

  test('screenshot is saved', async () => {
    await page.goto(`${ORIGIN}/`);
    const path = artifactPath('landing-page.png');
    await page.screenshot({ path, fullPage: true });
    const png = readFileSync(path);
    assert.deepStrictEqual(
      [...png.subarray(0, 8)],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    );
  });
});
