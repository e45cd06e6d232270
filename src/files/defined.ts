// Snapshots leave a field out rather than set it to undefined. Tests compare whole snapshots
// with deepStrictEqual, which treats a missing field and an undefined one as different.

/** Returns a copy of `fields` without the properties whose value is undefined. */
export function omitUndefined<T extends object>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    if (fields[key] !== undefined) out[key] = fields[key];
  }
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
