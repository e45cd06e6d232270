// Objects kept for their hidden class survive full collections. A replaced one does not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { keepLatest, keepShape } from '../../src/shape.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs full collections until finalizers have had a chance to run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('kept shape survives collection', async () => {
  const ref = (() => {
    const cursor = { kind: 'cursor' };
    keepShape(cursor);
    return new WeakRef(cursor);
  })();
  await collect();
  assert.notEqual(ref.deref(), undefined);
});

test('keepLatest keeps only the newest object', async () => {
  const [first, second] = (() => {
    const older = { n: 1 };
    const newer = { n: 2 };
    keepLatest('datagram', older);
    keepLatest('datagram', newer);
    return [new WeakRef(older), new WeakRef(newer)];
  })();
  await collect();
  assert.equal(first.deref(), undefined);
  assert.notEqual(second.deref(), undefined);
});

test('unkept object is collected', async () => {
  let loose: object | undefined = { n: 3 };
  const ref = new WeakRef(loose);
  loose = undefined;
  await collect();
  assert.equal(ref.deref(), undefined);
});
