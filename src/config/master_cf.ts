/**
 * master_cf: reads master.cf into service entries: the eight fields (with
 * `-` for a built-in default), the command and its arguments, and the
 * `-o name=value` overrides that apply to that service only. The same
 * service/type defined twice: the last one wins.
 *
 * Diagnostics: `FILE: line N: field "private": bad value: "x"` and the other
 * fatal texts of Postfix's master_ent.c
 * See: postfix/src/master/master_ent.c, postfix/src/postconf/postconf_master.c
 */

import { ConfigError } from './config_error.ts';
import { readLogicalLines } from './config_lines.ts';
import { CHARS_SPACE, extractBraced, splitQuoted } from './config_split.ts';
import { splitNameValue } from './main_cf.ts';

export const SERVICE_TYPES = ['inet', 'unix', 'unix-dgram', 'fifo', 'pass'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** One `-o name=value` override with where it was written. */
export interface ServiceOverride {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

export interface MasterService {
  /** Field 1: `smtp`, `127.0.0.1:2525`, `cleanup`. */
  readonly name: string;
  readonly type: ServiceType;
  readonly private: boolean;
  readonly unprivileged: boolean;
  readonly chroot: boolean;
  /** Seconds between wake-up events; 0 = never. */
  readonly wakeup: number;
  /** `1000?`: no wake-up before the service was first used. */
  readonly wakeupConditional: boolean;
  /** Process limit; null = `-`, i.e. $default_process_limit. */
  readonly maxproc: number | null;
  /** Field 8: the program, e.g. `smtpd`. */
  readonly command: string;
  /** Arguments after the command, braces removed from `{...}` groups. */
  readonly args: readonly string[];
  readonly overrides: readonly ServiceOverride[];
  /** Fields 1–7 exactly as written, for `postconf -M`. */
  readonly fields: readonly string[];
  /** Command and arguments as written (braces kept), for `postconf -M`. */
  readonly commandWords: readonly string[];
  readonly line: number;
  readonly lastLine: number;
}

export interface MasterCf {
  readonly path: string;
  readonly services: readonly MasterService[];
  readonly warnings: readonly string[];
}

/** `service/type`, the key by which Postfix identifies an entry. */
export function serviceKey(s: Pick<MasterService, 'name' | 'type'>): string {
  return `${s.name}/${s.type}`;
}

class EntryReader {
  private readonly words: string[];
  private readonly context: string;

  constructor(text: string, path: string, line: number) {
    this.words = text.split(/[ \t\r\n]+/).filter((w) => w !== '');
    this.context = `${path}: line ${line}`;
  }

  get exhausted(): boolean {
    return this.words.length === 0;
  }

  fatal(text: string): never {
    throw new ConfigError(`${this.context}: ${text}`);
  }

  /** get_str_ent(): the next field, `-` replaced by its default. */
  str(name: string, def: string | null): { raw: string; value: string } {
    const raw = this.words.shift();
    if (raw === undefined) this.fatal(`missing "${name}" field`);
    if (raw !== '-') return { raw, value: raw };
    if (def === null) this.fatal(`field "${name}" has no default value`);
    return { raw, value: def };
  }

  bool(name: string, def: string): { raw: string; value: boolean } {
    const { raw, value } = this.str(name, def);
    if (value === 'y') return { raw, value: true };
    if (value === 'n') return { raw, value: false };
    this.fatal(`field "${name}": bad value: "${value}"`);
  }

  int(name: string, def: string): { raw: string; value: string } {
    const r = this.str(name, def);
    if (!/^\d/.test(r.value)) this.fatal(`field "${name}": bad value: "${r.value}"`);
    return r;
  }
}

/** Collects `-o name=value` pairs from a command's arguments. */
function collectOverrides(args: readonly string[], reader: EntryReader, line: number): ServiceOverride[] {
  const overrides: ServiceOverride[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let setting: string | undefined;
    if (arg === '-o') setting = args[++i];
    else if (arg.startsWith('-o')) setting = arg.slice(2);
    else continue;
    if (setting === undefined) reader.fatal("option requires an argument -- 'o'");
    const nv = splitNameValue(setting);
    if ('error' in nv) reader.fatal(`${nv.error}: "${setting}"`);
    overrides.push({ name: nv.name, value: nv.value, line });
  }
  return overrides;
}

function parseEntry(text: string, path: string, line: number, lastLine: number): MasterService {
  const reader: EntryReader = new EntryReader(text, path, line);
  const name = reader.str('service name', null);
  const type = reader.str('transport type', null);
  if (!(SERVICE_TYPES as readonly string[]).includes(type.value)) reader.fatal(`bad transport type: ${type.value}`);
  const priv = reader.bool('private', 'y');
  if (type.value === 'inet' && priv.value) reader.fatal('inet service cannot be private');
  const unpriv = reader.bool('unprivileged', 'y');
  const chroot = reader.bool('chroot', 'n');
  const wakeup = reader.int('wakeup_time', '0');
  const maxproc = reader.int('max_proc', '0'); // '-' means $default_process_limit: kept as null below
  if (reader.exhausted) reader.fatal('missing "command" field');
  // The command and its arguments may hold `{ ... }` groups with spaces (Postfix 3.0+).
  const commandText = text.replace(/^[ \t\r\n]*(?:[^ \t\r\n]+[ \t\r\n]+){7}/, '');
  const commandWords = splitQuoted(commandText, CHARS_SPACE);
  const command = commandWords[0];
  if (command === undefined) reader.fatal('missing "command" field');
  const args = commandWords.slice(1).map((word) => {
    if (!word.startsWith('{')) return word;
    const r = extractBraced(word);
    if (!r.ok) reader.fatal(r.error);
    return r.value;
  });
  return {
    name: name.value,
    type: type.value as ServiceType,
    private: priv.value,
    unprivileged: unpriv.value,
    chroot: chroot.value,
    wakeup: Number.parseInt(wakeup.value, 10),
    wakeupConditional: wakeup.value.endsWith('?'),
    maxproc: maxproc.raw === '-' ? null : Number.parseInt(maxproc.value, 10),
    command,
    args,
    overrides: collectOverrides(args, reader, line),
    fields: [name.raw, type.raw, priv.raw, unpriv.raw, chroot.raw, wakeup.raw, maxproc.raw],
    commandWords,
    line,
    lastLine,
  };
}

/** Parses master.cf `text` read from `path`. Throws ConfigError on an entry Postfix would refuse. */
export function parseMasterCf(text: string, path: string): MasterCf {
  const { lines, warnings } = readLogicalLines(text, path);
  const byKey = new Map<string, MasterService>();
  for (const logical of lines) {
    const service = parseEntry(logical.text, path, logical.line, logical.lastLine);
    byKey.delete(serviceKey(service)); // the last definition wins, in its own position
    byKey.set(serviceKey(service), service);
  }
  return { path, services: [...byKey.values()], warnings };
}
