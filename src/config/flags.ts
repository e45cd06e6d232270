// Command-line flags in the GNU double-dash style of Prometheus exporters: `--flag value`,
// `--flag=value`, and value-less switches `--flag` / `--no-flag` for booleans.

import { ConfigError, closestName } from './errors.js';
import {
  type LayerValues,
  parseListSetting,
  parseSetting,
  unknownCollectorError,
} from './layer.js';
import { isSwitch, OPTION_TABLE, type OptionRow } from './options.js';

/** Flags that print help or the version instead of running. */
export const HELP_FLAGS = ['-h', '--help'] as const;
export const VERSION_FLAG = '--version';

/** Result of scanning the command line. */
export type FlagScan =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'options'; readonly values: LayerValues };

interface FlagTarget {
  readonly row: OptionRow;
  /** Whether the flag is the `--no-` form of a switch. */
  readonly negated: boolean;
}

/** Every accepted flag name, including the `--no-` forms of switches. */
const FLAG_INDEX: ReadonlyMap<string, FlagTarget> = new Map(
  OPTION_TABLE.flatMap((row) =>
    row.flags.flatMap((flag): [string, FlagTarget][] => {
      const plain: [string, FlagTarget] = [flag, { row, negated: false }];
      if (!isSwitch(row)) return [plain];
      return [plain, [`--no-${flag.slice(2)}`, { row, negated: true }]];
    }),
  ),
);

/** One occurrence of a flag on the command line. */
interface Occurrence {
  /** The flag as written, without any `=value`. */
  readonly name: string;
  /** The value text, or undefined for a switch. */
  readonly text: string | undefined;
  readonly negated: boolean;
}

/**
 * Scans `argv` (the arguments after the script). `-h`/`--help` anywhere returns help, then
 * `--version` returns version, before any other argument is checked. Throws ConfigError on
 * an unknown flag, a missing or invalid value, a value given to a switch, a repeated flag
 * that takes one value, and any argument that is not a flag.
 */
export function scanFlags(argv: readonly string[]): FlagScan {
  if (argv.some((arg) => (HELP_FLAGS as readonly string[]).includes(arg))) return { kind: 'help' };
  if (argv.includes(VERSION_FLAG)) return { kind: 'version' };

  const occurrences = new Map<OptionRow, Occurrence[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const separator = arg.indexOf('=');
    const name = separator < 0 ? arg : arg.slice(0, separator);
    const target = lookUpFlag(name);
    let text = separator < 0 ? undefined : arg.slice(separator + 1);

    if (isSwitch(target.row)) {
      if (text !== undefined) throw switchValueError(name, text, target.row);
    } else if (text === undefined) {
      text = argv[i + 1];
      if (text === undefined) {
        const expected = (target.row.flagType ?? target.row.type).expected;
        throw new ConfigError(`missing value for ${name}: expected ${expected}`);
      }
      i++;
    }

    const previous = occurrences.get(target.row) ?? [];
    const occurrence = { name, text, negated: target.negated };
    if (previous.length > 0 && !target.row.list) throw repeatedFlagError(previous[0]!, occurrence);
    occurrences.set(target.row, [...previous, occurrence]);
  }

  const values: LayerValues = new Map();
  for (const [row, list] of occurrences) {
    values.set(row.key, { value: flagValue(row, list), name: list[0]!.name });
  }
  return { kind: 'options', values };
}

/** Returns the option a flag name sets. Throws ConfigError for anything else. */
function lookUpFlag(name: string): FlagTarget {
  const target = FLAG_INDEX.get(name);
  if (target !== undefined) return target;

  if ((HELP_FLAGS as readonly string[]).includes(name) || name === VERSION_FLAG) {
    throw new ConfigError(`invalid use of ${name}: the flag takes no value; give it as ${name}`);
  }
  if (!name.startsWith('-') || name === '-') {
    throw new ConfigError(
      `unexpected argument ${JSON.stringify(name)}: netlink_exporter takes only flags, see --help`,
    );
  }
  const collector = /^--(?:no-)?collector\.([a-z0-9_]+)$/.exec(name);
  if (collector !== null) throw unknownCollectorError(collector[1]!, name);
  const suggestion = closestName(name, [...FLAG_INDEX.keys()]);
  const hint =
    suggestion === undefined ? 'see --help for the accepted flags' : `did you mean ${suggestion}?`;
  throw new ConfigError(`unknown flag ${name}: ${hint}`);
}

/** Parses the occurrences of one flag into the option's value. */
function flagValue(row: OptionRow, list: readonly Occurrence[]): unknown {
  const parser = row.flagType ?? row.type;
  if (isSwitch(row)) return !list[0]!.negated;
  if (!row.list) {
    const { name, text } = list[0]!;
    return parseSetting(() => parser.fromText(text!), name);
  }
  const items = list.map(({ name, text }) => ({ raw: text, name }));
  return parseListSetting(row, items, (raw) => parser.fromText(raw as string));
}

function switchValueError(name: string, text: string, row: OptionRow): ConfigError {
  const flag = row.flags[0]!.slice(2);
  return new ConfigError(
    `invalid value ${JSON.stringify(text)} for ${name}: the flag takes no value; ` +
      `expected --${flag} or --no-${flag}`,
  );
}

function repeatedFlagError(first: Occurrence, second: Occurrence): ConfigError {
  const spell = (occurrence: Occurrence): string =>
    occurrence.text === undefined ? occurrence.name : `${occurrence.name}=${occurrence.text}`;
  return new ConfigError(`${spell(first)} and ${spell(second)} set the same option: give it once`);
}
