// Collects the JavaScript heap once the response to a scrape is sent and no other scrape runs.
//
// A scrape builds its snapshots and samples within tens of milliseconds and drops them all
// once the response is written. They live long enough to be promoted to the old generation.
// With 68,000 series on Node.js 20, V8 let that generation reach about 40 MB before it
// collected it, with about 9 MB live, so the dead samples of several scrapes piled up in the
// resident set. A collection while the exporter is idle takes 2 to 9 ms there, and the next
// scrape starts from a heap that contains only what the process keeps.
//
// At idle no snapshot, cursor or sink is alive, so the collection would also free the hidden
// classes that only such objects use, and V8 would deoptimize the code compiled against them
// ("weak objects" in --trace-deopt). src/shape.ts keeps one object of each hot shape alive.
// Before it did, a scrape on that host took about 250 ms of CPU instead of about 160 ms.

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Growth of the heap in use since the last collection below which none is run, so that a
 * small host does not pay for a collection after every scrape.
 */
const MIN_GROWTH_BYTES = 8 * 1024 * 1024;

let collect: (() => void) | undefined;
/** Heap in use right after the last collection run here. */
let usedAfterLast = 0;

/** Returns V8's gc() function, made available through --expose-gc. */
export function gcFunction(): () => void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/**
 * Runs a full garbage collection on the next turn of the event loop when the heap in use has
 * grown by `minGrowthBytes` since the last one.
 */
export function collectGarbageSoon(minGrowthBytes = MIN_GROWTH_BYTES): void {
  const gc = gcFunction();
  setImmediate(() => {
    if (getHeapStatistics().used_heap_size < usedAfterLast + minGrowthBytes) return;
    gc();
    usedAfterLast = getHeapStatistics().used_heap_size;
  });
}
