/**
 * postconf_master_print: master.cf as postconf prints it: `-M` one logical
 * line per entry with the fields at fixed columns (`-Mf` puts each `-o` on
 * its own line), `-F` one `service/type/field = value` line per field, and
 * `-P` one `service/type/parameter = value` line per `-o` setting. Each
 * takes `service[/type[/name]]` patterns where `*` or a missing part
 * matches anything.
 *
 * Diagnostics: warning `unmatched request: "x"`; fatal `-M option requires
 *   service_name[/type]` and the like
 * See: postfix/src/postconf/postconf_master.c, postfix/src/postconf/postconf_match.c
 */

import { expandOrDie, type ShowOutput } from './postconf_main.ts';
import {
  endsOptions,
  expectsValue,
  FIELD_COMMAND,
  FIELD_NAMES,
  MIN_FIELDS,
  type PcfMasterEntry,
} from './postconf_master.ts';
import { PCF } from './postconf_options.ts';
import type { PcfParams } from './postconf_params.ts';
import { formatLine, INDENT_TEXT, LINE_LIMIT } from './postconf_print.ts';

/** Where `-M` puts each of the eight fields. */
const COLUMN_GOAL = [0, 11, 17, 25, 33, 41, 49, 57] as const;
const BLANK = /[ \t\r\n]/;
export const WILDCARD = '*';

/** pcf_parse_service_pattern(): `name/type/...` with missing parts as `*`, or null when malformed. */
export function parseServicePattern(pattern: string, min: number, max: number): string[] | null {
  if (pattern.startsWith('/')) return null;
  const parts = pattern.split('/').filter((p) => p !== '');
  if (parts.length < min || parts.length > max) return null;
  if (parts.some((p) => p !== WILDCARD && p.includes(WILDCARD))) return null;
  while (parts.length < max) parts.push(WILDCARD);
  return parts;
}

export const matchService = (pattern: readonly string[], name: string, type: string): boolean =>
  (pattern[0] === WILDCARD || pattern[0] === name) && (pattern[1] === WILDCARD || pattern[1] === type);

/** pcf_parse_field_pattern(): a field's index, -1 for `*`; fatal for an unknown name. */
export function parseFieldPattern(name: string, show: Pick<ShowOutput, 'fatal'>): number {
  if (name === WILDCARD) return -1;
  const at = (FIELD_NAMES as readonly string[]).indexOf(name);
  return at >= 0 ? at : show.fatal(`invalid service attribute name: "${name}"`);
}

/** Formats the daemon arguments after the command, as -M (`valueExtra` 3) and -F (1) do. */
class LineBuilder {
  text = '';
  len = 0;
  add(t: string): void {
    this.text += t;
    this.len += Buffer.byteLength(t); // Postfix counts bytes
  }
  /** A space, or with `fold` a new indented line when `width` more would not fit. */
  separate(fold: boolean, width: number): void {
    if (this.len <= INDENT_TEXT.length) return;
    if (!fold || this.len + 1 + width < LINE_LIMIT) {
      this.add(' ');
    } else {
      this.text += `\n${INDENT_TEXT}`;
      this.len = INDENT_TEXT.length;
    }
  }
  /** Command arguments: `-o name=value` kept together on a line of its own when folding. */
  args(argv: readonly string[], from: number, fold: boolean, valueExtra: number, expand: (v: string) => string): void {
    let inOptions = true;
    for (let field = from; field < argv.length; field++) {
      const arg = argv[field]!;
      let width = Buffer.byteLength(arg);
      let value: string | undefined;
      let braces = false;
      if (inOptions) {
        if (endsOptions(arg)) {
          inOptions = false;
        } else if (expectsValue(arg) && field + 1 < argv.length) {
          value = argv[field + 1]!;
          this.len = LINE_LIMIT; // an option with a value starts a new line
          if (arg === '-o') value = expand(value);
          width += Buffer.byteLength(value) + valueExtra;
          braces = BLANK.test(value);
          if (braces) width += 2;
        }
      } else {
        braces = BLANK.test(arg);
      }
      this.separate(fold, width);
      this.add(!inOptions && braces ? `{${arg}}` : arg);
      if (value !== undefined) {
        this.add(' ');
        this.add(braces ? `{${value}}` : value);
        field += 1;
        this.len = LINE_LIMIT; // and ends it
      }
    }
  }
}

/** pcf_print_master_entry(): one entry as `-M` (fold: `-Mf`) prints it. */
export function formatMasterEntry(entry: PcfMasterEntry, fold: boolean, expand: (v: string) => string): string {
  const line = new LineBuilder();
  for (let field = 0; field < MIN_FIELDS; field++) {
    if (line.len > 0) {
      do line.add(' ');
      while (line.len < COLUMN_GOAL[field]!);
    }
    line.add(entry.argv[field]!);
  }
  line.args(entry.argv, MIN_FIELDS, fold, 3, expand);
  return `${line.text}\n`;
}

/** pcf_print_master_field(): `service/type/field = value`. */
function formatMasterField(entry: PcfMasterEntry, mode: number, field: number, expand: (v: string) => string): string {
  const line = new LineBuilder();
  const argv = entry.argv;
  if (!(mode & PCF.HIDE_NAME)) line.add(`${argv[0]}/${argv[1]}/${FIELD_NAMES[field]}`);
  if (!(mode & (PCF.HIDE_NAME | PCF.HIDE_VALUE))) line.add(' = ');
  if (!(mode & PCF.HIDE_VALUE)) {
    if (line.len > 0 && line.len + Buffer.byteLength(argv[field]!) > LINE_LIMIT) {
      line.text += `\n${INDENT_TEXT}`;
      line.len = INDENT_TEXT.length;
    }
    line.add(argv[field]!);
    if (field === FIELD_COMMAND) line.args(argv, field + 1, (mode & PCF.FOLD_LINE) !== 0, 1, expand);
  }
  return `${line.text}\n`;
}

/** A request on the command line, and whether anything matched it. */
interface Request {
  readonly text: string;
  readonly pattern: string[];
  matched: number;
}

function parseRequests(args: readonly string[], max: number, usage: string, show: ShowOutput): Request[] {
  return args.map((text) => {
    const pattern = parseServicePattern(text, 1, max);
    if (pattern === null) return show.fatal(usage);
    return { text, pattern, matched: 0 };
  });
}

function reportUnmatched(requests: readonly Request[], show: ShowOutput): void {
  for (const r of requests) if (r.matched === 0) show.warn(`unmatched request: "${r.text}"`);
}

const expander = (params: PcfParams, mode: number, show: ShowOutput, entry: PcfMasterEntry) => (value: string) =>
  mode & PCF.SHOW_EVAL ? expandOrDie(params, value, mode, show, entry) : value;

/** pcf_show_master_entries(): `postconf -M [service[/type]...]`. */
export function showMasterEntries(params: PcfParams, mode: number, args: readonly string[], show: ShowOutput): void {
  const requests = parseRequests(args, 2, '-M option requires service_name[/type]', show);
  const fold = (mode & PCF.FOLD_LINE) !== 0;
  for (const entry of params.entries) {
    const print = () => show.out.push(formatMasterEntry(entry, fold, expander(params, mode, show, entry)));
    if (requests.length === 0) print();
    for (const r of requests) {
      if (!matchService(r.pattern, entry.argv[0]!, entry.argv[1]!)) continue;
      r.matched++;
      print();
    }
  }
  reportUnmatched(requests, show);
}

/** pcf_show_master_fields(): `postconf -F [service[/type[/field]]...]`. */
export function showMasterFields(params: PcfParams, mode: number, args: readonly string[], show: ShowOutput): void {
  const fields: number[] = [];
  const requests = args.map((text) => {
    const [r] = parseRequests([text], 3, '-F option requires service_name[/type[/field]]', show);
    fields.push(parseFieldPattern(r!.pattern[2]!, show));
    return r!;
  });
  const all = FIELD_NAMES.map((_, i) => i);
  for (const entry of params.entries) {
    const print = (list: readonly number[]) => {
      for (const f of list) show.out.push(formatMasterField(entry, mode, f, expander(params, mode, show, entry)));
    };
    if (requests.length === 0) print(all);
    requests.forEach((r, i) => {
      if (!matchService(r.pattern, entry.argv[0]!, entry.argv[1]!)) return;
      r.matched++;
      print(fields[i]! < 0 ? all : [fields[i]!]);
    });
  }
  reportUnmatched(requests, show);
}

/** pcf_print_master_param(). */
function printMasterParam(
  params: PcfParams,
  mode: number,
  entry: PcfMasterEntry,
  name: string,
  value: string,
  show: ShowOutput,
): void {
  const fold = (mode & PCF.FOLD_LINE) !== 0;
  if (mode & PCF.HIDE_VALUE) {
    show.out.push(formatLine(`${entry.nameSpace}/${name}`, fold));
    return;
  }
  const shown = mode & PCF.SHOW_EVAL ? expandOrDie(params, value, mode, show, entry) : value;
  show.out.push(formatLine(mode & PCF.HIDE_NAME ? shown : `${entry.nameSpace}/${name} = ${shown}`, fold));
}

/** pcf_show_master_params(): `postconf -P [service[/type[/parameter]]...]`. */
export function showMasterParams(params: PcfParams, mode: number, args: readonly string[], show: ShowOutput): void {
  const requests = parseRequests(args, 3, '-P option requires service_name[/type[/parameter]]', show);
  for (const entry of params.entries) {
    const dict = params.scopes.get(entry.nameSpace)?.params;
    if (dict === undefined) continue;
    const printAll = () => {
      for (const name of [...dict.keys()].sort()) printMasterParam(params, mode, entry, name, dict.get(name)!, show);
    };
    if (requests.length === 0) printAll();
    for (const r of requests) {
      if (!matchService(r.pattern, entry.argv[0]!, entry.argv[1]!)) continue;
      const name = r.pattern[2]!;
      if (name === WILDCARD) {
        printAll();
        r.matched++;
      } else if (dict.has(name)) {
        printMasterParam(params, mode, entry, name, dict.get(name)!, show);
        r.matched++;
      }
    }
  }
  reportUnmatched(requests, show);
}
