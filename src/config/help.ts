// Help text for --help and the Markdown option table of the README, both generated from the
// option table so that they cannot drift from what the parser accepts.

import { HELP_FLAGS, VERSION_FLAG } from './flags.js';
import { isSwitch, OPTION_SECTIONS, type OptionRow } from './options.js';

const WIDTH = 100;
const INDENT = '      ';
/** Stands for a space that wrap() must not break at; it is printed as a space. */
const NO_BREAK = '\u00a0';

/** Returns the --help text: usage, precedence, then every flag with its help and default. */
export function helpText(): string {
  const lines = [
    'usage: netlink_exporter [<flags>]',
    '',
    'Prometheus exporter for the Linux network stack, read from the kernel over netlink.',
    '',
    ...wrap(
      'Each option is read from a flag, an NLX_* environment variable or the TOML file. A flag ' +
        'overrides the environment, which overrides the file, which overrides the default.',
      '',
    ),
    '',
    'Flags:',
    `  ${HELP_FLAGS.join(', ')}`,
    `${INDENT}Show this help and exit.`,
    `  ${VERSION_FLAG}`,
    `${INDENT}Show the version and exit.`,
  ];
  for (const section of OPTION_SECTIONS) {
    lines.push('', `${section.title}:`);
    for (const row of section.rows) {
      lines.push(`  ${flagSpellings(row).join(', ')}`);
      lines.push(...wrap(row.help, INDENT));
      lines.push(...wrap(sourcesLine(row), INDENT));
    }
  }
  return lines.join('\n') + '\n';
}

/** Returns the flags of a row as help shows them: `--web.max-requests=N`, `--[no-]collector.X`. */
function flagSpellings(row: OptionRow): string[] {
  if (isSwitch(row)) return row.flags.map((flag) => `--[no-]${flag.slice(2)}`);
  const placeholder = (row.flagType ?? row.type).placeholder;
  return row.flags.map((flag) => `${flag}=${placeholder}`);
}

/** Returns the default, environment variable and TOML key; each part wraps as a whole. */
function sourcesLine(row: OptionRow): string {
  let defaultPart = `Default: ${defaultOf(row)}`;
  if (row.flagType !== undefined) {
    defaultPart += ` (${row.defaultText} in the environment variable and the file)`;
  }
  const parts = [`${defaultPart}.`, `Environment: ${row.env}.`];
  if (row.inFile) parts.push(`File: ${fileKeyOf(row)}.`);
  return parts.map((part) => part.replaceAll(' ', NO_BREAK)).join(' ');
}

/** Returns the default as the first flag takes it. */
function defaultOf(row: OptionRow): string {
  if (row.flagType !== undefined) return row.flagType.format(row.defaultValue);
  return row.defaultText === '' ? 'unset' : row.defaultText;
}

/** Returns how the TOML file spells a key: `listen_addr` or `[nftables] max_rule_series`. */
function fileKeyOf(row: OptionRow): string {
  const dot = row.key.indexOf('.');
  return dot < 0 ? row.key : `[${row.key.slice(0, dot)}] ${row.key.slice(dot + 1)}`;
}

/** Wraps `text` at word boundaries into lines of at most WIDTH characters after `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines.map((wrapped) => wrapped.replaceAll(NO_BREAK, ' '));
}

/**
 * Returns the option table as a GitHub Markdown table for the README: flags, environment
 * variable, TOML key, type, default and description of every option.
 */
export function renderOptionsMarkdown(): string {
  const lines = [
    '| Flag | Environment variable | TOML key | Type | Default | Description |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of OPTION_SECTIONS.flatMap((section) => section.rows)) {
    const cells = [
      flagSpellings(row)
        .map((flag) => code(flag))
        .join(', '),
      code(row.env),
      row.inFile ? code(fileKeyOf(row)) : '—',
      typeOf(row),
      row.defaultText === '' ? 'unset' : code(row.defaultText),
      escapeCell(row.help),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

function typeOf(row: OptionRow): string {
  let type = row.list ? `list of ${row.type.name}` : row.type.name;
  if (row.flagType !== undefined) type += ` (flag: ${row.flagType.name})`;
  return escapeCell(type);
}

function code(text: string): string {
  return '`' + escapeCell(text) + '`';
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}
