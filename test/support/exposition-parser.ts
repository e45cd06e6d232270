// Strict parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0, for tests. It reads
// an exposition back into families and rejects anything malformed with the line number, so a
// test can compare whole families instead of matching fragments.
//
// Supported metric types: counter, gauge and untyped (text) or unknown (OpenMetrics). Other
// types, exemplars and OpenMetrics `_created` samples are rejected as unsupported because the
// exporter never writes them.

import type { ExpositionFormat } from '../../src/metrics/exposition.js';

/** One sample line. */
export interface ParsedSample {
  /** Sample name: the family name, or for an OpenMetrics counter the family name + `_total`. */
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The value as written (`12`, `NaN`, `+Inf`, `18446744073709551615`). */
  readonly value: string;
  /** Timestamp as written, when the line has one. */
  readonly timestamp?: string;
}

/** One metric family with its metadata. */
export interface ParsedFamily {
  /** TYPE; `untyped` (text) or `unknown` (OpenMetrics) when the family has no TYPE line. */
  type: string;
  /** Unescaped HELP; empty when the family has no HELP line. */
  help: string;
  /** OpenMetrics UNIT, when the family has a non-empty one. */
  unit?: string;
  readonly samples: ParsedSample[];
}

/** A malformed exposition; `line` is 1-based. */
export class ExpositionParseError extends Error {
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionParseError';
    this.line = line;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TEXT_TYPES = new Set(['counter', 'gauge', 'untyped']);
const OPENMETRICS_TYPES = new Set(['counter', 'gauge', 'unknown']);
const UNSUPPORTED_TYPES = new Set(['histogram', 'summary', 'gaugehistogram', 'stateset', 'info']);

interface FamilyState {
  readonly family: ParsedFamily;
  readonly series: Set<string>;
  hasHelp: boolean;
  hasType: boolean;
  hasUnit: boolean;
}

/**
 * Parses a whole exposition into families keyed by family name, in order of appearance.
 * For OpenMetrics the key is the family name of the TYPE line (a counter without `_total`).
 * Throws {@link ExpositionParseError} on the first malformed line.
 */
export function parseExposition(text: string, format: ExpositionFormat): Map<string, ParsedFamily> {
  return new Parser(format).parse(text);
}

class Parser {
  readonly #format: ExpositionFormat;
  readonly #families = new Map<string, FamilyState>();
  #current: FamilyState | undefined;
  #currentName = '';
  #lineNumber = 0;

  constructor(format: ExpositionFormat) {
    this.#format = format;
  }

  parse(text: string): Map<string, ParsedFamily> {
    const surrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(
      text,
    );
    if (surrogate !== null) {
      const line = text.slice(0, surrogate.index).split('\n').length;
      throw new ExpositionParseError(line, 'lone UTF-16 surrogate, which is not valid UTF-8');
    }
    const lines = text.split('\n');
    const last = lines.pop();
    if (last !== '') {
      const isBareEof = this.#format === 'openmetrics' && last === '# EOF';
      if (!isBareEof)
        throw new ExpositionParseError(lines.length + 1, 'last line does not end with a newline');
      lines.push(last);
    }

    let sawEof = false;
    for (const line of lines) {
      this.#lineNumber++;
      if (sawEof) throw this.#error('content after "# EOF"');
      if (this.#format === 'openmetrics' && line === '# EOF') sawEof = true;
      else this.#parseLine(line);
    }
    if (this.#format === 'openmetrics' && !sawEof) {
      throw new ExpositionParseError(
        this.#lineNumber,
        'OpenMetrics exposition does not end with "# EOF"',
      );
    }

    const out = new Map<string, ParsedFamily>();
    for (const [name, state] of this.#families) out.set(name, state.family);
    return out;
  }

  #error(message: string): ExpositionParseError {
    return new ExpositionParseError(this.#lineNumber, message);
  }

  #parseLine(line: string): void {
    const om = this.#format === 'openmetrics';
    if (line === '' || (!om && /^[ \t]*$/.test(line))) {
      if (om) throw this.#error('blank lines are not allowed in OpenMetrics');
      return;
    }
    if (line.startsWith('#')) {
      this.#parseComment(line);
      return;
    }
    this.#parseSample(line);
  }

  #parseComment(line: string): void {
    const om = this.#format === 'openmetrics';
    const match = /^# (HELP|TYPE|UNIT) ([^ ]*)(?: (.*))?$/.exec(line);
    const keyword = match?.[1];
    if (match === null || (keyword === 'UNIT' && !om)) {
      if (om) throw this.#error(`unexpected comment "${line}"`);
      return;
    }
    const name = match[2] ?? '';
    const rest = match[3];
    if (!fullMatch(METRIC_NAME, name))
      throw this.#error(`invalid metric name "${name}" in ${keyword}`);
    const state = this.#familyForMetadata(name);

    if (keyword === 'HELP') {
      if (state.hasHelp) throw this.#error(`second HELP for "${name}"`);
      state.hasHelp = true;
      state.family.help = this.#unescape(rest ?? '', om ? 'openmetrics-help' : 'text-help');
    } else if (keyword === 'TYPE') {
      if (state.hasType) throw this.#error(`second TYPE for "${name}"`);
      state.hasType = true;
      state.family.type = this.#checkType(rest ?? '');
    } else {
      if (state.hasUnit) throw this.#error(`second UNIT for "${name}"`);
      state.hasUnit = true;
      const unit = rest ?? '';
      if (unit !== '' && !fullMatch(/^[a-zA-Z0-9_:]+/, unit))
        throw this.#error(`invalid unit "${unit}"`);
      if (unit !== '' && !name.endsWith('_' + unit)) {
        throw this.#error(`unit "${unit}" is not a suffix of metric "${name}"`);
      }
      if (unit !== '') state.family.unit = unit;
    }
  }

  #checkType(type: string): string {
    const allowed = this.#format === 'openmetrics' ? OPENMETRICS_TYPES : TEXT_TYPES;
    if (allowed.has(type)) return type;
    if (UNSUPPORTED_TYPES.has(type))
      throw this.#error(`type "${type}" is not supported by this parser`);
    throw this.#error(`invalid type "${type}"`);
  }

  /** Returns the family for a HELP, TYPE or UNIT line, starting it when the name is new. */
  #familyForMetadata(name: string): FamilyState {
    if (this.#current !== undefined && this.#currentName === name) {
      if (this.#current.family.samples.length > 0) {
        throw this.#error(`metadata for "${name}" after its samples`);
      }
      return this.#current;
    }
    return this.#startFamily(name);
  }

  #startFamily(name: string): FamilyState {
    if (this.#families.has(name))
      throw this.#error(`family "${name}" appears twice; its lines must be grouped`);
    const om = this.#format === 'openmetrics';
    const state: FamilyState = {
      family: { type: om ? 'unknown' : 'untyped', help: '', samples: [] },
      series: new Set(),
      hasHelp: false,
      hasType: false,
      hasUnit: false,
    };
    if (om && this.#current !== undefined && this.#current.family.type === 'counter') {
      if (this.#currentName + '_total' === name) {
        throw this.#error(
          `family "${name}" clashes with the samples of counter "${this.#currentName}"`,
        );
      }
    }
    this.#families.set(name, state);
    this.#current = state;
    this.#currentName = name;
    return state;
  }

  #parseSample(line: string): void {
    const om = this.#format === 'openmetrics';
    const nameMatch = METRIC_NAME.exec(line);
    if (nameMatch === null) throw this.#error(`invalid sample line "${line}"`);
    const name = nameMatch[0];
    let pos = name.length;

    const labels: Record<string, string> = {};
    if (line[pos] === '{') pos = this.#parseLabels(line, pos + 1, labels);

    const tail = line.slice(pos);
    if (tail.includes(' # ')) throw this.#error('exemplars are not supported by this parser');
    let parts: string[];
    if (om) {
      if (!tail.startsWith(' '))
        throw this.#error(`expected one space before the value in "${line}"`);
      parts = tail.slice(1).split(' ');
    } else {
      if (!/^[ \t]/.test(tail)) throw this.#error(`expected a space before the value in "${line}"`);
      parts = tail.trim().split(/[ \t]+/);
    }
    if (parts.length > 2) throw this.#error(`unexpected text after the value in "${line}"`);
    const value = parts[0] ?? '';
    const timestamp = parts[1];
    if (!isValue(value)) throw this.#error(`invalid value "${value}"`);
    if (timestamp !== undefined && !isTimestamp(timestamp, om)) {
      throw this.#error(`invalid timestamp "${timestamp}"`);
    }

    const state = this.#familyForSample(name);
    if (om && state.family.type === 'counter' && (value === 'NaN' || value.startsWith('-'))) {
      throw this.#error(`counter value "${value}" must not be negative or NaN`);
    }
    const key = name + JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (state.series.has(key)) throw this.#error(`duplicate series in "${line}"`);
    state.series.add(key);
    const sample: ParsedSample =
      timestamp === undefined ? { name, labels, value } : { name, labels, value, timestamp };
    state.family.samples.push(sample);
  }

  /** Returns the family that a sample named `name` belongs to, checking the suffix rules. */
  #familyForSample(name: string): FamilyState {
    const current = this.#current;
    if (current !== undefined) {
      const type = current.family.type;
      if (this.#format === 'openmetrics' && type === 'counter') {
        if (name === this.#currentName + '_total') return current;
        if (name === this.#currentName) {
          throw this.#error(`counter sample "${name}" must be named "${name}_total"`);
        }
        if (name === this.#currentName + '_created') {
          throw this.#error('_created samples are not supported by this parser');
        }
      } else if (name === this.#currentName) {
        return current;
      }
    }
    return this.#startFamily(name);
  }

  /** Parses the labels after `{` into `labels` and returns the position after `}`. */
  #parseLabels(line: string, start: number, labels: Record<string, string>): number {
    const om = this.#format === 'openmetrics';
    let pos = start;
    const skipBlanks = () => {
      if (!om) while (line[pos] === ' ' || line[pos] === '\t') pos++;
    };
    skipBlanks();
    while (line[pos] !== '}') {
      const nameMatch = LABEL_NAME.exec(line.slice(pos));
      if (nameMatch === null) throw this.#error(`invalid label name at column ${pos + 1}`);
      const labelName = nameMatch[0];
      pos += labelName.length;
      skipBlanks();
      if (line[pos] !== '=') throw this.#error(`expected "=" after label "${labelName}"`);
      pos++;
      skipBlanks();
      if (line[pos] !== '"') throw this.#error(`expected a quoted value for label "${labelName}"`);
      const end = findClosingQuote(line, pos + 1);
      if (end < 0) throw this.#error(`unterminated value of label "${labelName}"`);
      if (Object.hasOwn(labels, labelName)) throw this.#error(`label "${labelName}" appears twice`);
      labels[labelName] = this.#unescape(line.slice(pos + 1, end), 'label');
      pos = end + 1;
      skipBlanks();
      if (line[pos] === ',') {
        pos++;
        skipBlanks();
        if (om && line[pos] === '}') throw this.#error('trailing comma in the label set');
      } else if (line[pos] !== '}') {
        throw this.#error(`expected "," or "}" after the value of label "${labelName}"`);
      }
    }
    return pos + 1;
  }

  /**
   * Resolves escape sequences. Label values and OpenMetrics help allow `\\`, `\"` and `\n`,
   * and OpenMetrics help must not contain a raw double quote. Text help allows `\\` and `\n`.
   */
  #unescape(raw: string, kind: 'label' | 'text-help' | 'openmetrics-help'): string {
    if (kind === 'openmetrics-help' && /(^|[^\\])(\\\\)*"/.test(raw)) {
      throw this.#error('unescaped double quote in OpenMetrics HELP');
    }
    return raw.replace(/\\(.?)/g, (_, c: string) => {
      if (c === '\\') return '\\';
      if (c === 'n') return '\n';
      if (c === '"' && kind !== 'text-help') return '"';
      throw this.#error(`invalid escape sequence "\\${c}"`);
    });
  }
}

function fullMatch(pattern: RegExp, text: string): boolean {
  const match = pattern.exec(text);
  return match !== null && match[0].length === text.length;
}

function findClosingQuote(line: string, start: number): number {
  for (let i = start; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') return i;
  }
  return -1;
}

function isValue(value: string): boolean {
  return value === 'NaN' || value === '+Inf' || value === '-Inf' || FLOAT.test(value);
}

function isTimestamp(timestamp: string, openMetrics: boolean): boolean {
  return openMetrics ? FLOAT.test(timestamp) : /^-?\d+$/.test(timestamp);
}
