// NLX_* environment variables. The prefix is stripped, the rest lower-cased and `__` nests:
// NLX_COLLECTORS__NIC_PCIE=true sets `collectors.nic_pcie`. List options take items separated
// by commas. Unknown NLX_* variables are errors because they are almost always typos.

import { ConfigError, closestName } from './errors.js';
import {
  emptyListError,
  type LayerValues,
  parseListSetting,
  parseSetting,
  unknownCollectorError,
} from './layer.js';
import { OPTION_TABLE, optionByKey } from './options.js';

/** Prefix of the exporter's environment variables. */
export const ENV_PREFIX = 'NLX_';

/**
 * Reads the NLX_* variables of `env` and returns their values by option key. Throws
 * ConfigError on an unknown variable, an unknown collector or an invalid value.
 */
export function readEnvironment(env: NodeJS.ProcessEnv): LayerValues {
  const values: LayerValues = new Map();
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX))
    .sort();
  for (const name of names) {
    const text = env[name];
    if (text === undefined) continue;
    const key = name.slice(ENV_PREFIX.length).toLowerCase().split('__').join('.');
    const row = optionByKey(key);
    if (row === undefined) throw unknownVariableError(name, key, text);

    if (!row.list) {
      values.set(row.key, { value: parseSetting(() => row.type.fromText(text), name), name });
      continue;
    }
    if (text.trim() === '') throw emptyListError(row, text, name);
    const items = text.split(',').map((item) => ({ raw: item.trim(), name }));
    const value = parseListSetting(row, items, (raw) => row.type.fromText(raw as string));
    values.set(row.key, { value, name });
  }
  return values;
}

function unknownVariableError(name: string, key: string, text: string): ConfigError {
  const collector = /^collectors\.(.*)$/.exec(key);
  if (collector !== null) return unknownCollectorError(collector[1]!, name);
  const suggestion = closestName(
    name,
    OPTION_TABLE.map((row) => row.env),
  );
  const hint =
    suggestion === undefined
      ? 'no option has this name, see --help for the NLX_* variables'
      : `did you mean ${suggestion}?`;
  return new ConfigError(
    `unknown environment variable ${name} (value ${JSON.stringify(text)}): ${hint}`,
  );
}
