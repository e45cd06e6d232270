// Checks the Prometheus rules and the Grafana dashboard under deploy/. promtool must accept
// the rules and pass their unit tests. Every metric that a rule or a panel reads must be
// documented in docs/metrics.md, so a renamed metric cannot leave a silent alert or an empty
// panel behind.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../support/fixtures.js';
import { toolMissing } from './support/harness.js';
import {
  documentedMetrics,
  metricNamesInGrafanaQuery,
  metricNamesInPromQL,
} from './support/metric-names.js';

const PROMETHEUS_DIR = join(REPO_ROOT, 'deploy', 'prometheus');
const DASHBOARD = join(REPO_ROOT, 'deploy', 'grafana', 'netlink-exporter.json');
/** Series that Prometheus itself adds to every scrape. */
const PROMETHEUS_SERIES = new Set(['up']);
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template.
const DATASOURCE_VARIABLE = '${datasource}';

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly targets?: { readonly expr: string; readonly datasource?: { uid: string } }[];
}

interface Dashboard {
  readonly panels: Panel[];
  readonly templating: { list: { name: string; query: string | Record<string, unknown> }[] };
}

function loadRules(): Rule[] {
  const file = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  };
  return file.groups.flatMap((group) => group.rules);
}

function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

/** Returns `where: name` for each used name that is neither documented nor in `extra`. */
function undocumented(
  uses: readonly { where: string; names: string[] }[],
  extra: ReadonlySet<string>,
): string[] {
  const documented = new Set(documentedMetrics().map((m) => m.name));
  return uses.flatMap(({ where, names }) =>
    names
      .filter((name) => !documented.has(name) && !extra.has(name))
      .map((name) => `${where}: ${name}`),
  );
}

describe('metric names in PromQL', () => {
  test('selectors, functions and labels', () => {
    const expr =
      'sum by (device) (rate(nft_link_receive_errors_total{device!~"lo|veth.*"}[5m])) ' +
      '/ ignoring (kind) nft_link_up offset 1h > 1e3 and on (instance) up == 0';
    assert.deepStrictEqual(metricNamesInPromQL(expr), [
      'nft_link_receive_errors_total',
      'nft_link_up',
      'up',
    ]);
  });

  test('recording rule names', () => {
    assert.deepStrictEqual(
      metricNamesInPromQL('instance_device:nft_link_receive_errors:rate5m > 0'),
      ['instance_device:nft_link_receive_errors:rate5m'],
    );
  });

  test('Grafana label_values query', () => {
    assert.deepStrictEqual(
      metricNamesInGrafanaQuery('label_values(nft_link_up{job="$job"}, device)'),
      ['nft_link_up'],
    );
    assert.deepStrictEqual(metricNamesInGrafanaQuery('label_values(job)'), []);
  });

  test('undocumented name is reported', () => {
    const uses = [{ where: 'alert Example', names: ['nft_link_up', 'nft_no_such_metric_total'] }];
    assert.deepStrictEqual(undocumented(uses, new Set()), [
      'alert Example: nft_no_such_metric_total',
    ]);
  });
});

describe('Prometheus rules', () => {
  const skip = toolMissing('promtool', ['--version'], 'prometheus');

  test('promtool check rules accepts alerts.yml', { skip }, () => {
    const result = spawnSync('promtool', ['check', 'rules', 'alerts.yml'], {
      cwd: PROMETHEUS_DIR,
      encoding: 'utf8',
    });
    const rules = loadRules().length;
    assert.deepStrictEqual(
      { status: result.status, stdout: result.stdout, stderr: result.stderr },
      { status: 0, stdout: `Checking alerts.yml\n  SUCCESS: ${rules} rules found\n\n`, stderr: '' },
    );
  });

  test('promtool unit tests pass', { skip }, () => {
    const result = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], {
      cwd: PROMETHEUS_DIR,
      encoding: 'utf8',
    });
    assert.deepStrictEqual(
      { status: result.status, stdout: result.stdout, stderr: result.stderr },
      { status: 0, stdout: 'Unit Testing:  alerts.test.yml\n  SUCCESS\n\n', stderr: '' },
    );
  });

  test('every alert is tested', () => {
    const tests = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const firing = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    const untested = loadRules()
      .flatMap((rule) => (rule.alert === undefined ? [] : [rule.alert]))
      .filter((alert) => !firing.has(alert));
    assert.deepStrictEqual(untested, []);
  });

  test('every alert has severity, summary and description', () => {
    const incomplete = loadRules()
      .filter((rule) => rule.alert !== undefined)
      .filter(
        (rule) =>
          !['critical', 'warning', 'info'].includes(rule.labels?.['severity'] ?? '') ||
          rule.annotations?.['summary'] === undefined ||
          rule.annotations['description'] === undefined,
      )
      .map((rule) => rule.alert);
    assert.deepStrictEqual(incomplete, []);
  });

  test('rules read only documented metrics', () => {
    const rules = loadRules();
    const recorded = new Set(
      rules.flatMap((rule) => (rule.record === undefined ? [] : [rule.record])),
    );
    const uses = rules.map((rule) => ({
      where: rule.alert !== undefined ? `alert ${rule.alert}` : `record ${rule.record ?? ''}`,
      names: metricNamesInPromQL(rule.expr),
    }));
    assert.deepStrictEqual(undocumented(uses, new Set([...recorded, ...PROMETHEUS_SERIES])), []);
  });
});

describe('Grafana dashboard', () => {
  test('panel ids are unique', () => {
    const ids = loadDashboard().panels.map((panel) => panel.id);
    assert.deepStrictEqual(ids, [...new Set(ids)]);
  });

  test('every query uses the datasource variable', () => {
    const fixed = loadDashboard()
      .panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({ panel: panel.title, target })),
      )
      .filter(({ target }) => target.datasource?.uid !== DATASOURCE_VARIABLE)
      .map(({ panel }) => panel);
    assert.deepStrictEqual(fixed, []);
  });

  test('panels and variables read only documented metrics', () => {
    const dashboard = loadDashboard();
    const panelUses = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        where: `panel "${panel.title}"`,
        names: metricNamesInPromQL(target.expr),
      })),
    );
    const variableUses = dashboard.templating.list
      .filter((variable) => typeof variable.query === 'string' && variable.name !== 'datasource')
      .map((variable) => ({
        where: `variable ${variable.name}`,
        names: metricNamesInGrafanaQuery(variable.query as string),
      }));
    assert.deepStrictEqual(undocumented([...panelUses, ...variableUses], PROMETHEUS_SERIES), []);
  });

  test('every documented collector has a panel', () => {
    const panelMetrics = new Set(
      loadDashboard().panels.flatMap((panel) =>
        (panel.targets ?? []).flatMap((t) => metricNamesInPromQL(t.expr)),
      ),
    );
    const sections = new Map<string, boolean>();
    for (const metric of documentedMetrics()) {
      sections.set(
        metric.section,
        (sections.get(metric.section) ?? false) || panelMetrics.has(metric.name),
      );
    }
    const withoutPanel = [...sections]
      .filter(([, hasPanel]) => !hasPanel)
      .map(([section]) => section);
    assert.deepStrictEqual(withoutPanel, []);
    assert.ok(sections.size > 1, 'docs/metrics.md lists no collector');
  });
});
