/**
 * postconf_master: master.cf as postconf reads it, unlike master itself:
 * every entry is kept (disabled or duplicate), `-` fields stay `-`, and only
 * the field syntax is checked. Daemon arguments are brought into one form:
 * `-oname=value` becomes `-o` `name=value`, `{ ... }` groups lose their
 * braces, and `-o { name = value }` becomes `name=value`.
 *
 * Diagnostics: fatal `file FILE: line N: bad field count` and
 *   `invalid type field "x" in "entry"`; warnings `master.cf: missing '}' in "..."`
 * See: postfix/src/postconf/postconf_master.c (pcf_parse_master_entry,
 *   pcf_normalize_daemon_args, pcf_check_master_entry, pcf_read_master)
 */
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { openError } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { readLogicalLines } from '../config/config_lines.ts';
import { CHARS_SPACE, splitQuoted } from '../config/config_split.ts';
import { splitNameValue } from '../config/main_cf.ts';

/** The eight fields, by the names `postconf -F` uses. */
export const FIELD_NAMES = [
  'service',
  'type',
  'private',
  'unprivileged',
  'chroot',
  'wakeup',
  'process_limit',
  'command',
] as const;
export const FIELD_COMMAND = 7;
export const MIN_FIELDS = 8;

const VALID_TYPES = ['unix', 'fifo', 'inet', 'pass', 'unix-dgram'];

export interface PcfMasterEntry {
  /** The fields, then the daemon arguments in normalised form. */
  readonly argv: string[];
  /** `service/type`, the name space of its `-o` parameters. */
  readonly nameSpace: string;
  /** process_name and service_name as this service sees them. */
  readonly ro: ReadonlyMap<string, string>;
}

/** Daemon options that take a value (pcf_daemon_options_expecting_value). */
export const expectsValue = (arg: string): boolean => arg.length < 2 || arg[1] === 'o';
/** An argument that ends the daemon options. */
export const endsOptions = (arg: string): boolean => arg[0] !== '-' || arg === '--';

/** extpar(..., EXTPAR_FLAG_STRIP): the text inside `{ }`, trimmed, and Postfix's complaint if any. */
function extpar(text: string): { value: string; error: string | null } {
  if (text[0] !== '{') return { value: text.trim(), error: `no '{' at start of text in "${text}"` };
  let level = 0;
  let len = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') level++;
    else if (text[i] === '}' && --level === 0) {
      len = i + 1;
      break;
    }
  }
  if (len === 0) return { value: text.slice(1).trim(), error: `missing '}' in "${text}"` };
  const error = len !== text.length ? `syntax error after '}' in "${text}"` : null;
  return { value: text.slice(1, len - 1).trim(), error };
}

function extractField(argv: string[], field: number, warnings: string[]): void {
  const r = extpar(argv[field]!);
  if (r.error !== null) warnings.push(`master.cf: ${r.error}`);
  argv[field] = r.value;
}

function normalizeNameValue(argv: string[], field: number, warnings: string[]): void {
  const nv = splitNameValue(argv[field]!);
  if ('error' in nv) warnings.push(`master.cf: ${nv.error}: "${argv[field]}"`);
  else argv[field] = `${nv.name}=${nv.value}`;
}

/** pcf_normalize_daemon_args(): options first, then `{}` removed from other arguments. */
export function normalizeDaemonArgs(argv: string[], warnings: string[]): void {
  let field = MIN_FIELDS;
  for (; field < argv.length; field++) {
    const arg = argv[field]!;
    if (endsOptions(arg)) break;
    // Postfix splits at any later `o` in the word ("-vo" -> "-v" "-o"), even inside a value.
    const at = arg.indexOf('o', 2);
    if (at >= 2) {
      argv.splice(field + 1, 0, `-${arg.slice(at)}`);
      argv[field] = arg.slice(0, at);
    }
    const opt = argv[field]!;
    if (!expectsValue(opt)) continue;
    let extract = false;
    if (opt.length > 2) {
      argv.splice(field + 1, 0, opt.slice(2));
      argv[field] = opt.slice(0, 2);
      field += 1;
      extract = argv[field]![0] === '{';
    } else if (field + 1 < argv.length) {
      field += 1;
      extract = argv[field]![0] === '{';
    }
    if (extract) {
      extractField(argv, field, warnings);
      if (argv[field - 1]![1] === 'o') normalizeNameValue(argv, field, warnings);
    }
  }
  for (; field < argv.length; field++) if (argv[field]![0] === '{') extractField(argv, field, warnings);
}

/** pcf_check_master_entry(): the field syntax; throws ConfigError with Postfix's text. */
export function checkMasterEntry(argv: readonly string[], rawText: string): void {
  const fatal = (field: string, value: string): never => {
    throw new ConfigError(`invalid ${field} field "${value}" in "${rawText.replaceAll('\n', ' ')}"`);
  };
  if (!VALID_TYPES.includes(argv[1]!)) fatal('type', argv[1]!);
  for (let field = 2; field <= 4; field++) {
    const v = argv[field]!;
    if (v.length !== 1 || !'yn-'.includes(v)) fatal(FIELD_NAMES[field]!, v);
  }
  const wakeup = argv[5]!;
  const digits = wakeup.endsWith('?') ? wakeup.slice(0, -1) : wakeup;
  if (digits !== '-' && !/^\d*$/.test(digits)) fatal('wakeup', wakeup);
  const maxproc = argv[6]!;
  if (maxproc !== '-' && !/^\d*$/.test(maxproc)) fatal('process_limit', maxproc);
}

/** pcf_parse_master_entry(): one logical line; 'bad field count' when it has fewer than 8 fields. */
export function parseMasterEntry(text: string, warnings: string[]): PcfMasterEntry | 'bad field count' {
  const argv = splitQuoted(text, CHARS_SPACE);
  if (argv.length < MIN_FIELDS) return 'bad field count';
  checkMasterEntry(argv, text);
  normalizeDaemonArgs(argv, warnings);
  return masterEntry(argv);
}

/** An entry from already normalised fields. */
export function masterEntry(argv: string[]): PcfMasterEntry {
  const processName = posix.basename(argv[FIELD_COMMAND]!);
  const ro = new Map([
    ['process_name', processName],
    ['service_name', argv[0]!],
  ]);
  return { argv, nameSpace: `${argv[0]}/${argv[1]}`, ro };
}

export interface PcfMaster {
  /** master.cf as named in messages (`DIR/master.cf`). */
  readonly path: string;
  readonly entries: readonly PcfMasterEntry[];
}

/**
 * pcf_read_master(): reads `fsPath` (shown as `path`). A missing file is a
 * warning and no entries, or fatal (ConfigError) when master.cf is what was asked for.
 */
export async function readPcfMaster(
  path: string,
  fsPath: string,
  failOnOpenError: boolean,
  warn: (text: string) => void,
): Promise<PcfMaster> {
  let text: string;
  try {
    text = await readFile(fsPath, 'utf8');
  } catch (err) {
    const message = openError(path, err as NodeJS.ErrnoException);
    if (failOnOpenError) throw new ConfigError(message);
    warn(message);
    return { path, entries: [] };
  }
  const logical = readLogicalLines(text, path);
  logical.warnings.forEach(warn);
  const entries: PcfMasterEntry[] = [];
  for (const line of logical.lines) {
    const warnings: string[] = [];
    const entry = parseMasterEntry(line.text, warnings);
    warnings.forEach(warn);
    if (typeof entry === 'string') throw new ConfigError(`file ${path}: line ${line.line}: ${entry}`);
    entries.push(entry);
  }
  return { path, entries };
}
