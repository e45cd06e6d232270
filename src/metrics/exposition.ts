// Exposition encoders for the Prometheus text format 0.0.4 and OpenMetrics 1.0.
//
// Both formats share one pass over the families: sort by name, validate each descriptor once,
// then write each sample line as UTF-8 straight into fixed-size byte chunks. Label values and
// help text are escaped only when a character scan finds something to escape, so the common
// case does no regex work per sample.

import { keepShape } from '../shape.js';
import type { MetricDescriptor, MetricFamily, Sample } from './model.js';

/** Exposition format: Prometheus text 0.0.4 or OpenMetrics 1.0. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** Family or samples that the encoder left out, with the reason. */
export interface EncodeDrop {
  /** Metric name from the descriptor, as the collector declared it. */
  readonly metric: string;
  /** Number of samples left out; a dropped family counts all of its samples. */
  readonly samples: number;
  readonly reason: string;
}

/** Options of {@link encodeFamilies}. */
export interface EncodeOptions {
  /** Called once per family and reason when something is left out of the output. */
  readonly onDrop?: (drop: EncodeDrop) => void;
}

/**
 * Size of the byte chunks that the exposition is written into. A line string dies as soon as
 * it is copied into a chunk. Building one string of the whole exposition kept every line alive
 * until the end, and the heap grew with them.
 */
const CHUNK_BYTES = 64 * 1024;

/** Collects UTF-8 bytes in chunks of CHUNK_BYTES. */
class ByteSink {
  private readonly chunks: Buffer[] = [];
  // NB: empty until the first write, so that the instance kept for its shape costs nothing.
  private chunk = Buffer.alloc(0);
  private pos = 0;
  private size = 0;

  write(text: string): void {
    // NB: one UTF-16 code unit takes at most 3 bytes of UTF-8.
    const room = text.length * 3;
    if (this.pos + room > this.chunk.length) this.nextChunk(room);
    this.pos += this.chunk.write(text, this.pos, 'utf8');
  }

  private nextChunk(room: number): void {
    if (this.pos > 0) {
      this.chunks.push(this.chunk.subarray(0, this.pos));
      this.size += this.pos;
    }
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
    this.pos = 0;
  }

  /** Ends the output and returns its chunks. */
  finish(): Buffer[] {
    if (this.pos > 0) {
      this.chunks.push(this.chunk.subarray(0, this.pos));
      this.size += this.pos;
      this.pos = 0;
    }
    return this.chunks;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

keepShape(new ByteSink());

/**
 * Encodes `families` in `format` and returns the whole exposition as a string, for tests and
 * tools. The HTTP server sends the chunks of {@link encodeFamiliesToChunks} instead.
 */
export function encodeFamilies(
  families: readonly MetricFamily[],
  format: ExpositionFormat,
  options: EncodeOptions = {},
): string {
  return Buffer.concat(encodeFamiliesToChunks(families, format, options)).toString('utf8');
}

/**
 * Encodes `families` in `format` and returns the exposition as UTF-8 bytes in chunks of
 * about 64 KiB, to be sent in order.
 *
 * Families are sorted byte-wise by name, and samples keep their order. Families without
 * samples are skipped. A family with an invalid descriptor, a family whose name was already
 * written, and samples whose label count or counter value is invalid are left out and
 * reported through `options.onDrop`. Nothing here throws on bad input, and the families are
 * never mutated.
 */
export function encodeFamiliesToChunks(
  families: readonly MetricFamily[],
  format: ExpositionFormat,
  options: EncodeOptions = {},
): Buffer[] {
  const onDrop = options.onDrop ?? (() => {});
  const sorted = [...families].sort(compareByName);
  const written = new Set<string>();
  const sink = new ByteSink();

  for (const fam of sorted) {
    const desc = fam.desc;
    const invalid = validateDescriptor(desc);
    if (invalid !== undefined) {
      if (fam.samples.length > 0)
        onDrop({ metric: desc.name, samples: fam.samples.length, reason: invalid });
      continue;
    }
    const familyName = format === 'openmetrics' ? openMetricsFamilyName(desc) : desc.name;
    if (written.has(familyName)) {
      if (fam.samples.length > 0) {
        const reason = `a family named "${familyName}" was already written; the first one wins`;
        onDrop({ metric: desc.name, samples: fam.samples.length, reason });
      }
      continue;
    }
    if (encodeFamily(sink, fam, familyName, format, onDrop) > 0) written.add(familyName);
  }

  if (format === 'openmetrics') sink.write('# EOF\n');
  return sink.finish();
}

function compareByName(a: MetricFamily, b: MetricFamily): number {
  if (a.desc.name < b.desc.name) return -1;
  return a.desc.name > b.desc.name ? 1 : 0;
}

/** Writes the metadata and samples of one family and returns the number of samples written. */
function encodeFamily(
  sink: ByteSink,
  fam: MetricFamily,
  familyName: string,
  format: ExpositionFormat,
  onDrop: (drop: EncodeDrop) => void,
): number {
  const desc = fam.desc;
  const help =
    format === 'openmetrics' ? escapeOpenMetricsHelp(desc.help) : escapeTextHelp(desc.help);
  // NB: the metadata is written with the first valid sample, so a family whose samples are
  // all dropped leaves nothing behind.
  let header = `# HELP ${familyName} ${help}\n# TYPE ${familyName} ${desc.type}\n`;
  if (format === 'openmetrics' && desc.unit !== undefined) {
    header += `# UNIT ${familyName} ${desc.unit}\n`;
  }

  const prefixes = labelPrefixes(desc);
  const labelCount = desc.labels.length;
  const isCounter = desc.type === 'counter';
  let wrongLabelCount = 0;
  let invalidCounter = 0;
  let count = 0;
  const samples = fam.samples;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    if (sample.labels.length !== labelCount) {
      wrongLabelCount++;
    } else if (isCounter && !isValidCounterValue(sample.value)) {
      invalidCounter++;
    } else {
      if (count === 0) sink.write(header);
      sink.write(sampleLine(desc.name, prefixes, sample));
      count++;
    }
  }

  if (wrongLabelCount > 0) {
    const names = desc.labels.join(', ');
    const reason = `sample label values do not match the descriptor's ${labelCount} labels (${names})`;
    onDrop({ metric: desc.name, samples: wrongLabelCount, reason });
  }
  if (invalidCounter > 0) {
    const reason = 'counter value is negative or NaN';
    onDrop({ metric: desc.name, samples: invalidCounter, reason });
  }
  return count;
}

/**
 * Returns the text before each label value: `{name="` for the first label, `",name="` for the
 * others. Empty for a family without labels.
 */
function labelPrefixes(desc: MetricDescriptor): string[] {
  return desc.labels.map((label, i) => (i === 0 ? '{' : '",') + label + '="');
}

function sampleLine(name: string, prefixes: readonly string[], sample: Sample): string {
  const value = formatValue(sample.value);
  if (prefixes.length === 0) return name + ' ' + value + '\n';
  let line = name;
  for (let i = 0; i < prefixes.length; i++) {
    line += prefixes[i]! + escapeLabelValue(sample.labels[i]!);
  }
  return line + '"} ' + value + '\n';
}

function isValidCounterValue(value: number | bigint): boolean {
  return typeof value === 'bigint' ? value >= 0n : value >= 0;
}

/**
 * Formats a sample value: bigints exactly, finite numbers as JavaScript's shortest
 * round-trip form (`1e+21` and `1.5e-7` are valid Go float syntax), and `NaN`, `+Inf`, `-Inf`.
 */
export function formatValue(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/**
 * Returns why `desc` cannot be encoded, or undefined when it can. Checked: the metric name,
 * the `_total` suffix of counters, the unit suffix, and the label names (valid, not reserved
 * with a leading `__`, not repeated).
 */
export function validateDescriptor(desc: MetricDescriptor): string | undefined {
  if (!METRIC_NAME.test(desc.name)) {
    return `metric name "${desc.name}" is invalid; names must match [a-zA-Z_:][a-zA-Z0-9_:]*`;
  }
  if (desc.type === 'counter' && !/^[a-zA-Z_:][a-zA-Z0-9_:]*_total$/.test(desc.name)) {
    return `counter name "${desc.name}" must end with "_total" after a non-empty family name`;
  }
  if (desc.unit !== undefined) {
    const base = openMetricsFamilyName(desc);
    if (desc.unit === '' || !base.endsWith('_' + desc.unit)) {
      return `unit "${desc.unit}" must be a non-empty suffix "_${desc.unit}" of "${base}"`;
    }
  }
  const seen = new Set<string>();
  for (const label of desc.labels) {
    if (!LABEL_NAME.test(label)) {
      return `label name "${label}" is invalid; names must match [a-zA-Z_][a-zA-Z0-9_]*`;
    }
    if (label.startsWith('__')) {
      return `label name "${label}" is reserved; names starting with "__" are for Prometheus`;
    }
    if (seen.has(label)) return `label name "${label}" appears twice`;
    seen.add(label);
  }
  return undefined;
}

/** Returns the OpenMetrics family name: counters drop their `_total` suffix. */
export function openMetricsFamilyName(desc: MetricDescriptor): string {
  return desc.type === 'counter' && desc.name.endsWith('_total')
    ? desc.name.slice(0, -6)
    : desc.name;
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * Escapes a label value for both formats: backslash, double quote and newline. Lone UTF-16
 * surrogates, which cannot be encoded as UTF-8, become U+FFFD.
 */
export function escapeLabelValue(value: string): string {
  return needsEscape(value, true) ? escapeSlow(value, true) : value;
}

/** Escapes text-format help: backslash and newline; lone surrogates become U+FFFD. */
export function escapeTextHelp(help: string): string {
  return needsEscape(help, false) ? escapeSlow(help, false) : help;
}

/**
 * Escapes OpenMetrics help, which is an escaped string like a label value: the grammar
 * allows no raw backslash, double quote or newline in it.
 */
export function escapeOpenMetricsHelp(help: string): string {
  return escapeLabelValue(help);
}

function needsEscape(text: string, quote: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH || c === NEWLINE || (c >= 0xd800 && c <= 0xdfff)) return true;
    if (quote && c === QUOTE) return true;
  }
  return false;
}

function escapeSlow(text: string, quote: boolean): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let replacement: string | undefined;
    if (c === BACKSLASH) replacement = '\\\\';
    else if (c === NEWLINE) replacement = '\\n';
    else if (quote && c === QUOTE) replacement = '\\"';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else replacement = '\uFFFD';
    } else if (c >= 0xdc00 && c <= 0xdfff) replacement = '\uFFFD';
    if (replacement !== undefined) {
      out += text.slice(start, i) + replacement;
      start = i + 1;
    }
  }
  return out + text.slice(start);
}
