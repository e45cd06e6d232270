// Encoding speed of 100,000 counter series in both exposition formats.
// Usage: npm run build && node dist/bench/encode.js

import { encodeFamilies } from '../src/metrics/exposition.js';
import type { MetricFamily } from '../src/metrics/model.js';

const fam: MetricFamily = {
  desc: {
    name: 'nft_bench_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Benchmark counter in bytes.',
    labels: ['device', 'queue'],
    source: 'benchmark',
  },
  samples: [],
};
for (let i = 0; i < 100_000; i++) {
  fam.samples.push({ labels: [`veth${i >> 4}`, String(i & 15)], value: BigInt(i) * 1_000_003n });
}

for (const format of ['text', 'openmetrics'] as const) {
  const cpu: number[] = [];
  let bytes = 0;
  for (let round = 0; round < 10; round++) {
    const start = process.cpuUsage();
    bytes = encodeFamilies([fam], format).length;
    const used = process.cpuUsage(start);
    cpu.push((used.user + used.system) / 1000);
  }
  cpu.sort((a, b) => a - b);
  console.log(
    `${format}: 100000 series, ${(bytes / 1e6).toFixed(1)} MB, CPU ms per encode min ${cpu[0]!.toFixed(1)} median ${cpu[5]!.toFixed(1)}`,
  );
}
