// Writes docs/metrics.md from the collectors' descriptor tables. Usage: npm run docs

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildMetricsDoc } from '../src/metrics/docs-build.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
writeFileSync(`${root}docs/metrics.md`, buildMetricsDoc(root));
console.log('wrote docs/metrics.md');
