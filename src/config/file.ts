// The TOML configuration file. Top-level keys and tables follow the option table:
// `scrape_timeout_ms = 9000`, `[collectors] netstat = true`, `[nftables] max_rule_series = 500`.

import { parse, TomlError } from 'smol-toml';
import {
  ConfigError,
  closestName,
  formatValue,
  InvalidValue,
  invalidValueError,
} from './errors.js';
import {
  emptyListError,
  type LayerValues,
  parseListSetting,
  parseSetting,
  unknownCollectorError,
} from './layer.js';
import { OPTION_TABLE, type OptionRow, optionByKey } from './options.js';

/** Reads a whole text file; throws an error with `code` ENOENT when the file does not exist. */
export type ReadTextFile = (path: string) => string;

/** Setting that named the file path, or undefined for the default path. */
export type FileOrigin = { readonly name: string } | undefined;

const FILE_EXPECTED = 'the path of a readable TOML file';

/**
 * Reads and parses the configuration file at `path`. Returns undefined when the default file
 * (`origin` undefined) does not exist. Throws ConfigError when a named file is missing, when
 * any file cannot be read or is not valid TOML, and on unknown keys and invalid values.
 */
export function readConfigFile(
  path: string,
  origin: FileOrigin,
  readFile: ReadTextFile,
): LayerValues | undefined {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' && origin === undefined) return undefined;
    const problem = code === 'ENOENT' ? 'no such file' : `cannot read it (${describe(error)})`;
    if (origin !== undefined) {
      throw invalidValueError(origin.name, new InvalidValue(path, FILE_EXPECTED, problem));
    }
    throw new ConfigError(
      `cannot read the configuration file ${JSON.stringify(path)} in the working directory ` +
        `(${describe(error)}): fix its permissions or name another file with --config`,
    );
  }

  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw new ConfigError(
      `invalid TOML in ${path} at line ${error.line}, column ${error.column}: ${reason}`,
    );
  }

  const values: LayerValues = new Map();
  readTable(document, '', ` in ${path}`, values);
  return values;
}

/** Keys that name a table of options, such as `nftables`. */
const TABLE_KEYS = new Set(
  OPTION_TABLE.filter((row) => row.key.includes('.')).map((row) => row.key.split('.')[0]!),
);

/** Reads the options of one table (the document when `prefix` is empty) into `values`. */
function readTable(
  table: Record<string, unknown>,
  prefix: string,
  where: string,
  values: LayerValues,
): void {
  for (const [name, raw] of Object.entries(table)) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    const row = optionByKey(key);
    if (row?.inFile) {
      values.set(row.key, { value: readValue(row, raw, key, where), name: key });
    } else if (prefix === '' && TABLE_KEYS.has(key)) {
      if (!isTable(raw)) throw invalidValueError(key, new InvalidValue(raw, 'a table'), where);
      readTable(raw, key, where, values);
    } else {
      throw unknownKeyError(key, prefix, where);
    }
  }
}

function readValue(row: OptionRow, raw: unknown, key: string, where: string): unknown {
  if (!row.list) return parseSetting(() => row.type.fromToml(raw), key, where);
  const items = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(items)) {
    const expected = `a string or an array of strings, each ${row.type.expected}`;
    throw invalidValueError(key, new InvalidValue(raw, expected), where);
  }
  if (items.length === 0) throw emptyListError(row, raw, key, where);
  return parseListSetting(
    row,
    items.map((item) => ({ raw: item, name: key })),
    (item) => row.type.fromToml(item),
    where,
  );
}

function unknownKeyError(key: string, prefix: string, where: string): ConfigError {
  if (prefix === 'collectors')
    return unknownCollectorError(key.slice(prefix.length + 1), key, where);
  const siblings = OPTION_TABLE.filter((row) => row.inFile)
    .map((row) => row.key as string)
    .filter((candidate) =>
      prefix === '' ? !candidate.includes('.') : candidate.startsWith(`${prefix}.`),
    );
  const suggestion = closestName(key, siblings);
  if (suggestion !== undefined) {
    return new ConfigError(`unknown key ${key}${where}: did you mean ${suggestion}?`);
  }
  const tables = prefix === '' ? [...TABLE_KEYS].map((table) => `[${table}]`) : [];
  const accepted = [...siblings, ...tables].join(', ');
  return new ConfigError(`unknown key ${key}${where}: expected one of ${accepted}`);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : formatValue(error);
}
