// The landing page: name, version, links and a table of collectors with their state. Plain
// HTML with inline CSS, no JavaScript and no external resources.

import type { CollectorName } from '../collectors/names.js';
import type { CollectorState } from '../scrape/scraper.js';

/** Landing-page row of one collector. */
export interface LandingRow {
  readonly name: CollectorName;
  readonly enabled: boolean;
  readonly state: CollectorState | undefined;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function stateCell(row: LandingRow): [string, string] {
  if (!row.enabled) return ['disabled', 'disabled'];
  const state = row.state;
  if (state === undefined) return ['pending', 'not probed'];
  if (state.status === 'pending') return ['pending', 'probing'];
  if (state.status === 'available') return ['available', 'available'];
  return [state.status, `${state.status}: ${state.reason ?? ''}`];
}

function lastCells(row: LandingRow): [string, string] {
  const state = row.state;
  if (!row.enabled || state === undefined || state.lastSuccess === undefined) return ['', ''];
  // NB: an unavailable collector is not run, so it has no duration to show.
  if (state.status !== 'available') return ['', state.lastError ?? ''];
  const duration = `${(state.lastDurationSeconds * 1000).toFixed(1)} ms`;
  return [duration, state.lastError ?? ''];
}

/** Renders the landing page. */
export function renderLanding(opts: {
  version: string;
  revision: string;
  telemetryPath: string;
  ready: boolean;
  rows: readonly LandingRow[];
}): string {
  const rows = opts.rows
    .map((row) => {
      const [cls, text] = stateCell(row);
      const [duration, error] = lastCells(row);
      return (
        `<tr data-collector="${escapeHtml(row.name)}" class="${cls}"><td>${escapeHtml(row.name)}</td>` +
        `<td>${row.enabled ? 'yes' : 'no'}</td><td class="state">${escapeHtml(text)}</td>` +
        `<td>${escapeHtml(duration)}</td><td class="error">${escapeHtml(error)}</td></tr>`
      );
    })
    .join('\n');
  const path = escapeHtml(opts.telemetryPath);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>netlink_exporter</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
th { background: #f0f0f0; }
tr.available td.state { color: #166534; }
tr.unavailable td.state, tr.forbidden td.state { color: #9a3412; }
tr.disabled td { color: #888; }
td.error { color: #b91c1c; }
</style>
</head>
<body>
<h1>netlink_exporter</h1>
<p>Prometheus exporter for the Linux network stack, read over netlink. Version ${escapeHtml(opts.version)} (revision ${escapeHtml(opts.revision)}).</p>
<ul>
<li><a href="${path}">Metrics</a> (${path})</li>
<li><a href="/healthz">Health</a> (/healthz)</li>
<li><a href="/ready">Readiness</a> (/ready): ${opts.ready ? 'ready' : 'startup probes still running'}</li>
</ul>
<h2>Collectors</h2>
<table id="collectors">
<thead><tr><th>Collector</th><th>Enabled</th><th>State</th><th>Last duration</th><th>Last error</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
