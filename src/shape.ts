// Hidden classes that survive the exporter's idle heap collections.
//
// After a scrape the exporter runs a full collection while no snapshot, cursor or sink is
// alive (src/scrape/heap.ts). V8 then also collects the hidden classes that only those
// objects had, and deoptimizes every function compiled against them. The next scrape runs
// slower until they are compiled again. So one object of each hot shape is kept for the life
// of the process, which keeps its hidden class and the compiled code alive.

const shapeSamples: object[] = [];
const latest = new Map<string, object>();

/** Keeps `sample` alive for the life of the process. */
export function keepShape(sample: object): void {
  shapeSamples.push(sample);
}

/** Keeps `sample` alive in place of the previous object kept under `kind`. */
export function keepLatest(kind: string, sample: object): void {
  latest.set(kind, sample);
}
