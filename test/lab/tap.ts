// Parses the TAP 13 that `node --test --test-reporter=tap` prints into a tree of test results.
// Node indents each level of subtests by 4 spaces and follows each result line with a YAML
// block (indented 2 more) whose keys include duration_ms, location, error and stack.

export type TapStatus = 'pass' | 'fail' | 'skip' | 'todo';

export interface TapTest {
  readonly name: string;
  readonly status: TapStatus;
  /** Reason after a SKIP or TODO directive, empty when there is none. */
  readonly reason: string;
  /** Top-level keys of the YAML block. Nested maps and block scalars are de-indented text. */
  readonly details: Readonly<Record<string, string>>;
  /**
   * Comment lines printed between the previous result and this one at this level or one deeper,
   * without their "# ": what the test wrote, or a test file's stderr when it failed to load.
   */
  readonly output: readonly string[];
  readonly subtests: readonly TapTest[];
}

export interface TapReport {
  readonly tests: readonly TapTest[];
  /** Closing counters such as tests, pass and fail. */
  readonly summary: Readonly<Record<string, number>>;
  /** Names of subtests that started but printed no result line (the run was cut short). */
  readonly unfinished: readonly string[];
}

const RESULT = /^(not ok|ok) \d+(?: - (.*))?$/;
const SUBTEST = /^# Subtest: (.*)$/;
const SUMMARY = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/;

/** Undoes the escaping node applies to names: backslash, '#' and newline. */
function unescapeName(text: string): string {
  return text.replace(/\\([\\#n])/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

/** Splits "name # SKIP reason" at the first unescaped " # " into name and directive. */
function splitDirective(text: string): { name: string; status?: TapStatus; reason: string } {
  const match = /^((?:[^\\#]|\\.)*?) # (SKIP|TODO)\b ?(.*)$/i.exec(text);
  if (match === null) return { name: unescapeName(text), reason: '' };
  const status = match[2]!.toUpperCase() === 'SKIP' ? 'skip' : 'todo';
  return { name: unescapeName(match[1]!), status, reason: match[3]! };
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    return value.slice(1, -1).replaceAll("''", "'");
  }
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value;
    }
  }
  return value;
}

/** Parses the lines of one YAML block (without its --- and ... markers) at indent `base`. */
function parseDetails(lines: readonly string[], base: number): Record<string, string> {
  const details: Record<string, string> = {};
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    index += 1;
    const match = /^([A-Za-z_][\w-]*):(?: (.*))?$/.exec(line.slice(base));
    if (indentOf(line) !== base || match === null) continue;
    const key = match[1]!;
    const inline = match[2] ?? '';
    const nested: string[] = [];
    while (index < lines.length) {
      const next = lines[index]!;
      if (next.trim() !== '' && indentOf(next) <= base) break;
      nested.push(next.slice(base + 2));
      index += 1;
    }
    const isBlock = inline === '' || inline === '|-' || inline === '|' || inline === '>-';
    details[key] = isBlock ? nested.join('\n').trimEnd() : unquote(inline);
  }
  return details;
}

interface Level {
  /** Finished tests at this depth that wait for their parent's result line. */
  finished: TapTest[];
  /** Names announced by "# Subtest:" whose result line has not come yet. */
  started: string[];
  /** Comment lines since the last result at this depth. */
  comments: string[];
}

/** Parses node's TAP output. Lines that are not TAP (a test's own output) are ignored. */
export function parseTap(text: string): TapReport {
  const lines = text.replaceAll('\r\n', '\n').split('\n');
  const levels: Level[] = [];
  const levelAt = (depth: number): Level => {
    while (levels.length <= depth) levels.push({ finished: [], started: [], comments: [] });
    return levels[depth]!;
  };
  const summary: Record<string, number> = {};

  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    index += 1;
    const indent = indentOf(line);
    const depth = Math.floor(indent / 4);
    const body = line.slice(indent);

    const subtest = indent % 4 === 0 ? SUBTEST.exec(body) : null;
    if (subtest !== null) {
      levelAt(depth).started.push(unescapeName(subtest[1]!));
      continue;
    }
    const counter = depth === 0 ? SUMMARY.exec(body) : null;
    if (counter !== null) {
      summary[counter[1]!] = Number(counter[2]);
      continue;
    }
    if (indent % 4 === 0 && (body === '#' || body.startsWith('# '))) {
      levelAt(depth).comments.push(body.slice(2));
      continue;
    }
    const result = indent % 4 === 0 ? RESULT.exec(body) : null;
    if (result === null) continue;

    // The YAML block, if any, follows at the result's indent + 2.
    const yaml: string[] = [];
    if (lines[index]?.trim() === '---' && indentOf(lines[index]!) === indent + 2) {
      index += 1;
      while (index < lines.length && lines[index]!.trim() !== '...') {
        yaml.push(lines[index]!);
        index += 1;
      }
      index += 1;
    }
    const { name, status, reason } = splitDirective(result[2] ?? '');
    const level = levelAt(depth);
    level.started.pop();
    const children = levelAt(depth + 1);
    level.finished.push({
      name,
      status: status ?? (result[1] === 'ok' ? 'pass' : 'fail'),
      reason,
      details: parseDetails(yaml, indent + 2),
      output: [...level.comments, ...children.comments],
      subtests: children.finished,
    });
    level.comments = [];
    children.finished = [];
    children.started = [];
    children.comments = [];
  }
  const unfinished = levels.flatMap((level) => level.started);
  return { tests: levelAt(0).finished, summary, unfinished };
}
