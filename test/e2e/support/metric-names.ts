// Metric names on both sides of the deployment files: the ones docs/metrics.md documents, and
// the ones a PromQL expression or a Grafana query reads.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/fixtures.js';

/** One documented metric family. */
export interface DocumentedMetric {
  readonly name: string;
  readonly type: string;
  /** Collector name, or `self` for the exporter's own metrics. */
  readonly section: string;
}

/** Path of the generated metric reference. */
export const METRICS_DOC = join(REPO_ROOT, 'docs', 'metrics.md');

/**
 * Reads the metric tables of docs/metrics.md: every row `| \`name\` | type | ...` under a
 * `## Collector \`NAME\`` heading or under `## Exporter self-metrics`.
 */
export function documentedMetrics(
  markdown = readFileSync(METRICS_DOC, 'utf8'),
): DocumentedMetric[] {
  const metrics: DocumentedMetric[] = [];
  let section: string | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (?:Collector `([a-z0-9_]+)`|(Exporter self-metrics))\s*$/.exec(line);
    if (heading !== null) {
      section = heading[1] ?? 'self';
      continue;
    }
    if (line.startsWith('## ')) {
      section = undefined;
      continue;
    }
    const row = /^\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \| ([a-z]+) \|/.exec(line);
    if (row !== null && section !== undefined) {
      metrics.push({ name: row[1]!, type: row[2]!, section });
    }
  }
  return metrics;
}

/** Words of PromQL that look like metric names but are operators or modifiers. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/** Removes string literals, which contain label values and regular expressions, not names. */
function withoutStrings(expr: string): string {
  return expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
}

/**
 * Returns the metric names that a PromQL expression selects, sorted and without repeats.
 * Names inside `{__name__="..."}` are not seen; the deployment files do not use that form.
 */
export function metricNamesInPromQL(expr: string): string[] {
  let text = withoutStrings(expr);
  // Label matchers, range and subquery brackets, and grouping label lists contain no names.
  text = text.replace(/\{[^}]*\}/g, ' ');
  text = text.replace(/\[[^\]]*\]/g, ' ');
  text = text.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  text = text.replace(/#[^\n]*/g, ' ');
  const names = new Set<string>();
  const identifier = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
  for (const match of text.matchAll(identifier)) {
    const word = match[0];
    const start = match.index;
    const before = text[start - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // a duration or number
    const after = text.slice(start + word.length).trimStart();
    if (after.startsWith('(')) continue; // a function or aggregation
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names].sort();
}

/**
 * Returns the metric names of a Grafana query: PromQL, or a templating call such as
 * `label_values(nft_link_up, device)` or `label_values(device)`, whose last argument is a
 * label name.
 */
export function metricNamesInGrafanaQuery(query: string): string[] {
  const call = /^\s*label_values\((.*)\)\s*$/s.exec(query);
  if (call === null) {
    return /^\s*(query_result|metrics|label_names)\(/.test(query) ? [] : metricNamesInPromQL(query);
  }
  const args = call[1]!;
  const comma = args.lastIndexOf(',');
  return comma < 0 ? [] : metricNamesInPromQL(args.slice(0, comma));
}
