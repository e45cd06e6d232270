// Errors of configuration loading. Every message is one line that names the setting as the
// user wrote it (flag, environment variable or TOML key), the rejected value and what is
// accepted, so main.ts can print it as is and exit with status 2.

/** Invalid command line, environment variable or configuration file. The message is one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Problem with one value, raised by the value types before the caller knows where the value
 * came from. The layer that read the value turns it into a ConfigError naming the setting.
 */
export class InvalidValue extends Error {
  override readonly name = 'InvalidValue';

  /**
   * @param value The rejected value, or the rejected item of a list.
   * @param expected What is accepted, completing "expected ...".
   * @param problem What is wrong when "expected" alone would not say it.
   */
  constructor(
    readonly value: unknown,
    readonly expected: string,
    readonly problem?: string,
  ) {
    super(`${problem ?? 'invalid value'}; expected ${expected}`);
  }
}

/**
 * Builds the ConfigError for `invalid` read from `setting`, for example
 * `invalid value "abc" for --web.max-requests: expected an integer from 1 to 1024`.
 * `where` is appended to the setting name, such as ` in nft_exporter.toml`.
 */
export function invalidValueError(setting: string, invalid: InvalidValue, where = ''): ConfigError {
  const problem = invalid.problem === undefined ? '' : `${invalid.problem}; `;
  return new ConfigError(
    `invalid value ${formatValue(invalid.value)} for ${setting}${where}: ` +
      `${problem}expected ${invalid.expected}`,
  );
}

/** Renders a value from a flag, the environment or TOML on one line, strings in double quotes. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? String(value);
}

/** Returns the candidate closest to `name` by edit distance, or undefined when none is close. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 4));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance between `a` and `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
