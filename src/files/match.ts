// Whole-string matching for the configured include and exclude patterns.

/** Returns `pattern` anchored so that it matches only a whole string. */
export function wholeMatch(pattern: RegExp): RegExp {
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
}
