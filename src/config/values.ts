// Value types of the option table: how text from a flag or an environment variable, and a
// value from the TOML file, become typed configuration values. Each parser throws
// InvalidValue; the layer that read the value adds the setting's name.

import { isIPv4, isIPv6 } from 'node:net';
import { InvalidValue } from './errors.js';
import type { ListenAddress } from './types.js';

/** Parser of option values written as text, as flags are. */
export interface TextType<T> {
  /** Type name for the option table in the README, such as `integer` or `regex`. */
  readonly name: string;
  /** Placeholder of the value in help text, such as `N` or `REGEX`. */
  readonly placeholder: string;
  /** Accepted values, as the end of "expected ...". */
  readonly expected: string;
  /** Parses text from a flag or an environment variable. Throws InvalidValue. */
  fromText(text: string): T;
  /** Renders a value as a user would write it, for defaults in help text and docs. */
  format(value: T): string;
}

/** Parser of option values from text and from the TOML file. */
export interface ValueType<T> extends TextType<T> {
  /** Parses a value of the parsed TOML document. Throws InvalidValue. */
  fromToml(value: unknown): T;
}

/** Boolean: `true` or `false` in text and in TOML. As a flag it takes no value. */
export const booleanType: ValueType<boolean> = {
  name: 'boolean',
  placeholder: '',
  expected: 'true or false',
  fromText(text) {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new InvalidValue(text, this.expected);
  },
  fromToml(value) {
    if (typeof value === 'boolean') return value;
    throw new InvalidValue(value, this.expected);
  },
  format: (value) => String(value),
};

/** Decimal integer from `min` to `max`; `unit` is named in help text. */
export function integerType(min: number, max: number, unit = ''): ValueType<number> {
  const expected = `an integer from ${min} to ${max}${unit === '' ? '' : ` (${unit})`}`;
  const check = (value: unknown, number: number): number => {
    if (Number.isSafeInteger(number) && number >= min && number <= max) return number;
    throw new InvalidValue(value, expected);
  };
  return {
    name: 'integer',
    placeholder: 'N',
    expected,
    fromText: (text) => check(text, /^-?\d+$/.test(text) ? Number(text) : Number.NaN),
    fromToml: (value) => check(value, typeof value === 'number' ? value : Number.NaN),
    format: (value) => String(value),
  };
}

/** Creates a type that accepts one of a fixed set of strings. */
export function enumType<T extends string>(
  placeholder: string,
  choices: readonly T[],
): ValueType<T> {
  const expected = `one of ${choices.join(', ')}`;
  const check = (value: unknown): T => {
    const choice = choices.find((candidate) => candidate === value);
    if (choice !== undefined) return choice;
    throw new InvalidValue(value, expected);
  };
  return {
    name: choices.join(' | '),
    placeholder,
    expected,
    fromText: check,
    fromToml: check,
    format: (value) => value,
  };
}

/** Creates a value type over strings from a check of the text. */
function stringType(
  name: string,
  placeholder: string,
  expected: string,
  check: (text: string) => string | undefined,
): ValueType<string> {
  const parse = (value: unknown): string => {
    if (typeof value !== 'string') throw new InvalidValue(value, expected);
    const problem = check(value);
    if (problem !== undefined) throw new InvalidValue(value, expected, problem);
    return value;
  };
  return { name, placeholder, expected, fromText: parse, fromToml: parse, format: (v) => v };
}

/** File system path; relative paths are resolved against the working directory when used. */
export const pathType = stringType('path', 'PATH', 'a non-empty file system path', (text) => {
  if (text === '') return 'empty path';
  if (text.includes('\0')) return 'path contains a NUL character';
  return undefined;
});

/** Path of an HTTP route, such as `/metrics`. */
export const urlPathType = stringType(
  'URL path',
  'PATH',
  'a URL path that starts with /, such as /metrics',
  (text) => {
    if (!text.startsWith('/')) return 'path does not start with /';
    if (/[\s?#]/.test(text)) return 'path contains white space, ? or #';
    if (text === '/' || text === '/healthz' || text === '/ready') {
      return 'the exporter serves its landing page, /healthz and /ready on those paths';
    }
    // Requests are matched on the parsed path, which percent-encodes non-ASCII characters,
    // resolves . and .. segments and reads a leading // as a host.
    const parsed = new URL(text, 'http://localhost').pathname;
    if (parsed !== text) return `requests never arrive with this path; it parses as ${parsed}`;
    return undefined;
  },
);

/** Options of regexType. */
export interface RegexTypeOptions {
  /** Whether an empty pattern means "unset"; otherwise an empty pattern is rejected. */
  readonly emptyIsUnset: boolean;
}

/**
 * Regular expression in JavaScript syntax, anchored to match whole names. With
 * `emptyIsUnset`, an empty pattern yields undefined, so the environment can clear a pattern
 * that the file sets.
 */
export function regexType(options: { emptyIsUnset: true }): ValueType<RegExp | undefined>;
export function regexType(options: { emptyIsUnset: false }): ValueType<RegExp>;
export function regexType(options: RegexTypeOptions): ValueType<RegExp | undefined> {
  const expected = options.emptyIsUnset
    ? 'a JavaScript regular expression that matches whole names, or an empty string for no filter'
    : 'a non-empty JavaScript regular expression that matches whole names';
  const parse = (value: unknown): RegExp | undefined => {
    if (typeof value !== 'string') throw new InvalidValue(value, expected);
    if (value === '') {
      if (options.emptyIsUnset) return undefined;
      throw new InvalidValue(value, expected);
    }
    return compileAnchored(value, expected);
  };
  return {
    name: 'regex',
    placeholder: 'REGEX',
    expected,
    fromText: parse,
    fromToml: parse,
    format: (value) => (value === undefined ? '' : patternOf(value)),
  };
}

/**
 * Compiles `pattern` as `^(?:pattern)$`. Throws InvalidValue naming the syntax error, which
 * is checked on the bare pattern so that the message shows the pattern as written.
 */
export function compileAnchored(pattern: string, expected = 'a regular expression'): RegExp {
  try {
    new RegExp(pattern);
    return new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const detail = message.slice(message.lastIndexOf(': ') + 2);
    throw new InvalidValue(pattern, expected, detail.charAt(0).toLowerCase() + detail.slice(1));
  }
}

/** Returns the pattern that compileAnchored wrapped into `regex`. */
export function patternOf(regex: RegExp): string {
  return regex.source.slice('^(?:'.length, -')$'.length);
}

/** Milliseconds per duration unit, in the order Prometheus durations write them. */
const DURATION_UNITS = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
] as const;

const DURATION_PATTERN =
  /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Options of durationType. */
export interface DurationTypeOptions {
  /** Milliseconds per unit of the parsed number: 1 for milliseconds, 1000 for seconds. */
  readonly unitMs: number;
  /** Name of the unit when it is not milliseconds, such as `seconds`. */
  readonly unitName?: string;
  /** Smallest and largest accepted value, in units. */
  readonly min: number;
  readonly max: number;
  /** Two typical values for the message, such as `9s` and `500ms`. */
  readonly examples: readonly [string, string];
}

/**
 * Prometheus duration (`9s`, `1m30s`, `500ms`) converted to a number of `unitMs` units; the
 * duration must be a whole number of units from `min` to `max`.
 */
export function durationType(options: DurationTypeOptions): TextType<number> {
  const { unitMs, unitName, min, max, examples } = options;
  const format = (units: number): string => formatDuration(units * unitMs);
  const whole = unitName === undefined ? '' : ` of whole ${unitName}`;
  const expected =
    `a duration${whole} from ${format(min)} to ${format(max)}, ` +
    `such as ${examples[0]} or ${examples[1]}`;
  return {
    name: 'duration',
    placeholder: 'DURATION',
    expected,
    fromText(text) {
      const ms = parseDurationMs(text);
      if (ms === undefined || ms % unitMs !== 0) throw new InvalidValue(text, expected);
      const units = ms / unitMs;
      if (units < min || units > max) throw new InvalidValue(text, expected);
      return units;
    },
    format,
  };
}

/** Parses a Prometheus duration into milliseconds; returns undefined when it is malformed. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const match = DURATION_PATTERN.exec(text);
  if (match === null || text === '') return undefined;
  let ms = 0;
  DURATION_UNITS.forEach(([, unitMs], index) => {
    const count = match[index + 1];
    if (count !== undefined) ms += Number(count) * unitMs;
  });
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Renders milliseconds as a Prometheus duration, largest units first (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, unitMs] of DURATION_UNITS) {
    if (rest >= unitMs) {
      text += `${Math.floor(rest / unitMs)}${unit}`;
      rest %= unitMs;
    }
  }
  return text;
}

const LISTEN_EXPECTED = 'host:port, :port or [IPv6]:port with a port from 1 to 65535';

/** Host name as RFC 1123 allows it: dot-separated labels of letters, digits and hyphens. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** HTTP listen address; an empty host (`:port`) means every local address. */
export const listenAddressType: ValueType<ListenAddress> = {
  name: 'address',
  placeholder: 'ADDR',
  expected: LISTEN_EXPECTED,
  fromText: parseListenAddress,
  fromToml(value) {
    if (typeof value !== 'string') throw new InvalidValue(value, LISTEN_EXPECTED);
    return parseListenAddress(value);
  },
  format: ({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`),
};

/** Parses `host:port`, `:port` or `[IPv6]:port`. Throws InvalidValue. */
function parseListenAddress(text: string): ListenAddress {
  const fail = (problem: string): never => {
    throw new InvalidValue(text, LISTEN_EXPECTED, problem);
  };
  const separator = text.lastIndexOf(':');
  if (separator < 0) return fail('missing port');
  let host = text.slice(0, separator);
  const portText = text.slice(separator + 1);

  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) fail(`invalid IPv6 address "${host}"`);
  } else if (host.includes(':')) {
    fail('an IPv6 address needs brackets, as in [::1]:33400');
  } else if (/^[\d.]+$/.test(host) ? !isIPv4(host) : host !== '' && !HOST_NAME.test(host)) {
    fail(`invalid host "${host}"`);
  }

  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) fail(`invalid port "${portText}"`);
  return { host, port };
}
