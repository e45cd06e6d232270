// Content negotiation for /metrics: the exposition format from the Accept header and gzip from
// Accept-Encoding, both honouring the q-values of HTTP (0 to 1, where 0 means not acceptable).

import type { ExpositionFormat } from './exposition.js';

/** Chosen exposition format and the Content-Type header that states it. */
export interface Negotiated {
  readonly format: ExpositionFormat;
  readonly contentType: string;
}

/** Content-Type of the Prometheus text format. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const OPENMETRICS_TYPE = 'application/openmetrics-text';
const OPENMETRICS_VERSIONS = new Set(['1.0.0', '0.0.1']);
const DEFAULT_OPENMETRICS_VERSION = '1.0.0';

/** One element of an Accept or Accept-Encoding header. */
interface Preference {
  /** Lower-cased media range (`text/plain`, `*\/*`) or content coding (`gzip`, `*`). */
  readonly token: string;
  /** Parameters other than q, with lower-cased names and unquoted values. */
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  /** Position in the header, for ties between equal q-values. */
  readonly index: number;
}

/**
 * Chooses the exposition format for an Accept header.
 *
 * OpenMetrics is chosen only when `application/openmetrics-text` with version 1.0.0 or 0.0.1
 * (1.0.0 when no version is given) has q > 0 and a higher q than text/plain, or the same q
 * and an earlier position. text/plain takes its q from the most specific range that matches
 * it: `text/plain`, then `text/*`, then `*\/*`. Every other case, including a missing header,
 * an unparsable one or one that accepts neither format, gets text 0.0.4: Prometheus and
 * scrapers in general expect a body rather than 406.
 */
export function negotiate(accept: string | undefined): Negotiated {
  const text: Negotiated = { format: 'text', contentType: TEXT_CONTENT_TYPE };
  if (accept === undefined) return text;
  const preferences = parsePreferences(accept);

  let openMetrics: Preference | undefined;
  for (const pref of preferences) {
    if (pref.token !== OPENMETRICS_TYPE || pref.q <= 0) continue;
    const version = pref.params.get('version') ?? DEFAULT_OPENMETRICS_VERSION;
    if (!OPENMETRICS_VERSIONS.has(version)) continue;
    if (openMetrics === undefined || pref.q > openMetrics.q) openMetrics = pref;
  }
  if (openMetrics === undefined) return text;

  const plain = mostSpecificTextRange(preferences);
  if (
    plain !== undefined &&
    (plain.q > openMetrics.q || (plain.q === openMetrics.q && plain.index < openMetrics.index))
  ) {
    return text;
  }
  const version = openMetrics.params.get('version') ?? DEFAULT_OPENMETRICS_VERSION;
  return {
    format: 'openmetrics',
    contentType: `${OPENMETRICS_TYPE}; version=${version}; charset=utf-8`,
  };
}

function mostSpecificTextRange(preferences: readonly Preference[]): Preference | undefined {
  const rank = (token: string): number => {
    if (token === 'text/plain') return 3;
    if (token === 'text/*') return 2;
    return token === '*/*' ? 1 : 0;
  };
  let best: Preference | undefined;
  for (const pref of preferences) {
    const r = rank(pref.token);
    if (r === 0) continue;
    if (best === undefined || r > rank(best.token)) best = pref;
    else if (r === rank(best.token) && pref.q > best.q) best = pref;
  }
  return best;
}

/**
 * Reports whether an Accept-Encoding header accepts gzip: `gzip` or `x-gzip` with q > 0, or,
 * when neither is listed, `*` with q > 0. A missing or empty header means no gzip.
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  let gzip: number | undefined;
  let wildcard: number | undefined;
  for (const pref of parsePreferences(acceptEncoding)) {
    if (pref.token === 'gzip' || pref.token === 'x-gzip') gzip = Math.max(gzip ?? 0, pref.q);
    else if (pref.token === '*') wildcard = Math.max(wildcard ?? 0, pref.q);
  }
  return (gzip ?? wildcard ?? 0) > 0;
}

/**
 * Splits a header into its comma-separated elements. An element whose q is not a valid
 * qvalue (0 to 1, at most three decimals) is ignored, as is an empty one.
 */
function parsePreferences(header: string): Preference[] {
  const out: Preference[] = [];
  splitOutsideQuotes(header, ',').forEach((element, index) => {
    const [token = '', ...rawParams] = splitOutsideQuotes(element, ';');
    const name = token.trim().toLowerCase();
    if (name === '') return;
    const params = new Map<string, string>();
    let q = 1;
    for (const raw of rawParams) {
      const eq = raw.indexOf('=');
      if (eq < 0) continue;
      const key = raw.slice(0, eq).trim().toLowerCase();
      const value = unquote(raw.slice(eq + 1).trim());
      if (key !== 'q') params.set(key, value);
      else if (/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value)) q = Number(value);
      else return;
    }
    out.push({ token: name, params, q, index });
  });
  return out;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) i++;
    else if (c === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}
