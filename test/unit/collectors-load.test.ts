// The collector loader: each name maps to the module that registers it. This file must not
// import src/collectors/index.js, which would register every collector in advance.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCollectors } from '../../src/collectors/load.js';
import { COLLECTOR_NAMES } from '../../src/collectors/names.js';
import { registeredCollectors } from '../../src/collectors/types.js';

test('loading a collector imports its module and no other', async () => {
  assert.equal(registeredCollectors().size, 0);
  const [first] = await loadCollectors(['sockstat']);
  assert.equal(first?.name, 'sockstat');
  assert.deepEqual([...registeredCollectors().keys()], ['sockstat']);
});

test('every collector name loads its own module, in the order asked for', async () => {
  for (const name of COLLECTOR_NAMES) {
    const [collector] = await loadCollectors([name]);
    assert.equal(collector?.name, name);
  }
  const all = await loadCollectors([...COLLECTOR_NAMES].reverse());
  assert.deepEqual(
    all.map((c) => c.name),
    [...COLLECTOR_NAMES].reverse(),
  );
});
