// Builds docs/metrics.md from the registered collectors, the self-metrics and the notes in
// docs/metrics-notes/ (intro.md, self.md, and one <collector>.md each).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registeredCollectors } from '../collectors/index.js';
import { SELF_DESCRIPTOR_LIST } from '../scrape/self.js';
import { renderMetricsDoc } from './docs.js';
import { PROCESS_DESCRIPTOR_LIST } from './process.js';

/** Renders the metrics page for the repository rooted at `root`. */
export function buildMetricsDoc(root: string): string {
  const notesDir = join(root, 'docs', 'metrics-notes');
  const notes: Record<string, string> = {};
  if (existsSync(notesDir)) {
    for (const file of readdirSync(notesDir).sort()) {
      if (file.endsWith('.md'))
        notes[file.slice(0, -3)] = readFileSync(join(notesDir, file), 'utf8').trim();
    }
  }
  const { intro, self, ...collectors } = notes;
  return renderMetricsDoc(
    [...registeredCollectors().values()].map((c) => ({ name: c.name, descriptors: c.descriptors })),
    [...SELF_DESCRIPTOR_LIST, ...PROCESS_DESCRIPTOR_LIST],
    {
      ...(intro === undefined ? {} : { intro }),
      ...(self === undefined ? {} : { self }),
      collectors,
    },
  );
}
