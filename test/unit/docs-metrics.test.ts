// docs/metrics.md must be what the descriptor tables generate.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withOptionTable } from '../../scripts/gen-readme-options.js';
import { registeredCollectors } from '../../src/collectors/index.js';
import { COLLECTOR_NAMES } from '../../src/collectors/names.js';
import { buildMetricsDoc } from '../../src/metrics/docs-build.js';
import { REPO_ROOT } from '../support/fixtures.js';

test('docs/metrics.md is up to date', () => {
  const committed = readFileSync(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
  assert.equal(committed, buildMetricsDoc(REPO_ROOT), 'docs/metrics.md is stale: run npm run docs');
});

test('every descriptor follows the naming rules', () => {
  for (const collector of registeredCollectors().values()) {
    for (const desc of collector.descriptors) {
      const where = `${collector.name}: ${desc.name}`;
      assert.match(desc.name, /^nft_[a-z0-9_]+$/, where);
      assert.equal(
        desc.name.endsWith('_total'),
        desc.type === 'counter',
        `${where}: counters and only counters end in _total`,
      );
      assert.equal(
        /_count$/.test(desc.name),
        false,
        `${where}: a gauge named _count reads as a summary`,
      );
      if (desc.unit !== undefined) {
        assert.ok(
          desc.name.replace(/_total$/, '').endsWith(`_${desc.unit}`),
          `${where}: name must end in its unit`,
        );
      }
      assert.ok(
        desc.help.length > 10 && desc.source.length > 0,
        `${where}: help and source are required`,
      );
    }
  }
});

test('README option table is up to date', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  assert.equal(
    readme,
    withOptionTable(readme),
    'the option table in README.md is stale: run npm run docs',
  );
});

test('every collector name has a registered module', () => {
  assert.deepEqual([...registeredCollectors().keys()].sort(), [...COLLECTOR_NAMES].sort());
});
