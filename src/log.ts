// Structured logger for the service layers (collectors, scrape, HTTP, main). The netlink,
// genl and family layers never log; they publish diagnostics_channel events instead.

/** Severity, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Output encoding: logfmt (`level=info msg="..." key=value`) or one JSON object per line. */
export type LogFormat = 'logfmt' | 'json';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Key-value fields of one record. An `err` field is rendered with its message and code. */
export type LogFields = Record<string, unknown>;

/** Logger with bound fields; `child` adds more (for example `collector=rtnetlink`). */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

/** Destination of formatted lines; stderr by default, an array in tests. */
export type LogSink = (line: string) => void;

/** Creates a logger that writes records at `level` or above to `sink`. */
export function createLogger(
  level: LogLevel,
  format: LogFormat,
  sink: LogSink = (line) => process.stderr.write(line + '\n'),
  bindings: LogFields = {},
): Logger {
  const min = LEVEL_RANK[level];
  const write = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (LEVEL_RANK[lvl] < min) return;
    const record: LogFields = { ts: new Date().toISOString(), level: lvl, msg, ...bindings };
    if (fields !== undefined) {
      for (const [key, value] of Object.entries(fields)) record[key] = serialize(value);
    }
    sink(format === 'json' ? JSON.stringify(record) : toLogfmt(record));
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (more) => createLogger(level, format, sink, { ...bindings, ...more }),
  };
}

function serialize(value: unknown): unknown {
  if (value instanceof Error) {
    const out: LogFields = { type: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out['code'] = code;
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function toLogfmt(record: LogFields): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && typeof value === 'object') {
      for (const [sub, subValue] of Object.entries(value as LogFields)) {
        parts.push(`${key}.${sub}=${logfmtValue(subValue)}`);
      }
    } else {
      parts.push(`${key}=${logfmtValue(value)}`);
    }
  }
  return parts.join(' ');
}

function logfmtValue(value: unknown): string {
  const text = String(value);
  return /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}
