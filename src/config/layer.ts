// Helpers shared by the three configuration sources (flags, environment, TOML file): the
// values one source sets, and the errors that name a setting as that source spells it.

import { COLLECTOR_NAMES } from '../collectors/names.js';
import { ConfigError, InvalidValue, invalidValueError } from './errors.js';
import type { OptionKey, OptionRow } from './options.js';

/** A value set by one source, with the setting's name as the user wrote it. */
export interface Setting {
  readonly value: unknown;
  /** Flag, environment variable or TOML key, such as `--log-level` or `NLX_LOG_LEVEL`. */
  readonly name: string;
}

/** The settings of one source by option key. */
export type LayerValues = Map<OptionKey, Setting>;

/**
 * Parses one value with `parse` and returns it. Throws a ConfigError naming `name` and the
 * optional `where` (such as ` in nft_exporter.toml`) when the value is invalid.
 */
export function parseSetting<T>(parse: () => T, name: string, where = ''): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidValue) throw invalidValueError(name, error, where);
    throw error;
  }
}

/** One item of a list option, with the setting that gave it. */
export interface ListItem {
  readonly raw: unknown;
  readonly name: string;
}

/**
 * Parses the items of a list option and returns their values. Throws a ConfigError naming
 * the item's setting when the list is empty, an item is invalid or an item repeats.
 */
export function parseListSetting(
  row: OptionRow,
  items: readonly ListItem[],
  parseItem: (raw: unknown) => unknown,
  where = '',
): unknown[] {
  const seen = new Set<string>();
  return items.map(({ raw, name }) => {
    const value = parseSetting(() => parseItem(raw), name, where);
    const text = row.type.format(value);
    if (seen.has(text)) {
      const invalid = new InvalidValue(raw, `each ${row.type.name} once`, 'given twice');
      throw invalidValueError(name, invalid, where);
    }
    seen.add(text);
    return value;
  });
}

/** Builds the error for a list option that `name` sets to no items. */
export function emptyListError(
  row: OptionRow,
  raw: unknown,
  name: string,
  where = '',
): ConfigError {
  const invalid = new InvalidValue(raw, `at least one ${row.type.expected}`, 'empty list');
  return invalidValueError(name, invalid, where);
}

/** Builds the error for an unknown collector `collector` named by `name`. */
export function unknownCollectorError(collector: string, name: string, where = ''): ConfigError {
  return new ConfigError(
    `unknown collector "${collector}" in ${name}${where}: ` +
      `expected one of ${COLLECTOR_NAMES.join(', ')}`,
  );
}
