/**
 * postconf_edit_master: edits master.cf: `-M service/type='entry'` replaces
 * or adds a whole entry, `-MX`/`-M#` remove or comment one out, `-F
 * service/type/field=value` sets a field, `-P service/type/name=value` sets
 * a `-o` setting and `-PX` removes it. A changed entry is written back as
 * `postconf -Mf` prints it; everything else is copied as it was.
 *
 * Diagnostics: fatal `-Fe does not accept whitespace in non-command field`
 *   and the other texts of Postfix; warning `unmatched service_name/type: "x"`
 * Security: rewrites master.cf through master.cf.tmp
 * See: postfix/src/postconf/postconf_edit.c (pcf_edit_master),
 *   postfix/src/postconf/postconf_master.c (pcf_edit_master_field, pcf_edit_master_param)
 */
import { ConfigError } from '../config/config_error.ts';
import { CHARS_SPACE, splitQuoted } from '../config/config_split.ts';
import { splitNameValue } from '../config/main_cf.ts';
import { contentStart, fromArg, isSpace, readEditLines, replaceFile, toShown } from './postconf_edit_file.ts';
import type { ShowOutput } from './postconf_main.ts';
import {
  checkMasterEntry,
  endsOptions,
  expectsValue,
  FIELD_COMMAND,
  MIN_FIELDS,
  masterEntry,
  normalizeDaemonArgs,
  type PcfMasterEntry,
  parseMasterEntry,
} from './postconf_master.ts';
import {
  formatMasterEntry,
  matchService,
  parseFieldPattern,
  parseServicePattern,
  WILDCARD,
} from './postconf_master_print.ts';
import { PCF } from './postconf_options.ts';

const EDIT_OPTS = '-Me, -Fe, -Pe, -X, or -#';
const BLANK = /[ \t\r\n]/;

interface MasterEditRequest {
  readonly raw: string;
  readonly pattern: string[];
  readonly field: number;
  readonly value: string | null;
  matched: number;
}

function parseRequest(mode: number, arg: string, show: ShowOutput): MasterEditRequest {
  if (arg.includes('\n')) show.fatal(`${EDIT_OPTS} accept no multi-line input`);
  let cp = arg;
  while (isSpace(cp[0])) cp = cp.slice(1);
  if (cp.startsWith('#')) show.fatal(`${EDIT_OPTS} accept no comment input`);
  let name: string;
  let value: string | null = null;
  if (mode & PCF.EDIT_CONF) {
    const nv = splitNameValue(cp);
    if ('error' in nv) return show.fatal(`${nv.error}: "${arg}"`);
    name = nv.name;
    value = nv.value;
  } else {
    if (cp.includes('=')) show.fatal('-X or -# requires names without value');
    name = cp.replace(/[ \t\n\r\v\f]+$/, '');
  }
  let pattern: string[] | null;
  let field = -1;
  if (mode & PCF.MASTER_ENTRY) {
    pattern = parseServicePattern(name, 2, 2);
    if (pattern === null) return show.fatal('-Me, -MX or -M# requires service_name/type');
  } else if (mode & PCF.MASTER_FLD) {
    pattern = parseServicePattern(name, 3, 3);
    if (pattern === null) return show.fatal('-Fe or -FX requires service_name/type/field_name');
    field = parseFieldPattern(pattern[2]!, show);
    if (field < 0) show.fatal('-Fe does not accept wild-card field name');
    if (mode & PCF.EDIT_CONF && field < FIELD_COMMAND && BLANK.test(value!)) {
      show.fatal('-Fe does not accept whitespace in non-command field');
    }
  } else {
    pattern = parseServicePattern(name, 3, 3);
    if (pattern === null) return show.fatal('-Pe or -PX requires service_name/type/parameter');
    if (pattern[2] === WILDCARD) show.fatal('-Pe does not accept wild-card parameter name');
    if (mode & PCF.EDIT_CONF && BLANK.test(value!)) show.fatal('-Pe does not accept whitespace in parameter value');
  }
  return { raw: arg, pattern, field, value, matched: 0 };
}

/** pcf_edit_master_field(): a new field value; the command field is re-split into words. */
function editField(entry: PcfMasterEntry, field: number, value: string, warnings: string[]): PcfMasterEntry {
  const argv = [...entry.argv];
  if (field === FIELD_COMMAND) {
    argv.length = FIELD_COMMAND;
    argv.push(...splitQuoted(value, CHARS_SPACE));
    normalizeDaemonArgs(argv, warnings);
  } else {
    argv[field] = value;
  }
  checkMasterEntry(argv, value);
  return masterEntry(argv);
}

/** pcf_edit_master_param(): updates, adds (before the first non-option) or removes `-o name=value`. */
function editParam(entry: PcfMasterEntry, mode: number, name: string, value: string | null): PcfMasterEntry {
  const argv = [...entry.argv];
  let matched = false;
  let field = MIN_FIELDS;
  for (; field < argv.length; field++) {
    const arg = argv[field]!;
    if (endsOptions(arg)) break;
    if (!expectsValue(arg) || field + 1 >= argv.length) continue;
    if (arg === '-o' && argv[field + 1]!.startsWith(`${name}=`)) {
      matched = true;
      if (mode & PCF.EDIT_CONF) {
        argv[field + 1] = `${name}=${value}`;
      } else {
        argv.splice(field, 2);
        field -= 2;
      }
    }
    field += 1;
  }
  if (mode & PCF.EDIT_CONF && !matched) argv.splice(field, 0, '-o', `${name}=${value}`);
  return masterEntry(argv);
}

/** Parses an entry given on the command line, or dies as Postfix does. */
function entryOfRequest(req: MasterEditRequest, warnings: string[]): PcfMasterEntry {
  const entry = parseMasterEntry(req.value!, warnings);
  if (typeof entry === 'string') throw new ConfigError(`${entry}: "${req.raw}"`);
  return entry;
}

const noExpand = (v: string) => v;

/** pcf_edit_master(): edits master.cf (`shownPath` in messages, `fsPath` on disk). */
export async function editMaster(
  mode: number,
  args: readonly string[],
  shownPath: string,
  fsPath: string,
  show: ShowOutput,
): Promise<void> {
  const requests = args.map((a) => parseRequest(mode, a, show));
  const lines = await readEditLines(shownPath, fsPath);
  const warnings: string[] = [];
  let out = '';
  let matchedService = false;
  let lineno = 0;
  const format = (entry: PcfMasterEntry) => fromArg(formatMasterEntry(entry, true, noExpand));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    lineno++;
    const start = contentStart(line);
    if (start < 0) {
      out += line;
      continue;
    }
    if (start > 0) {
      if (!matchedService) out += line;
      else if (mode & PCF.COMMENT_OUT) out += `#${line}`;
      continue;
    }
    matchedService = false;
    const [name, type] = line.split(/[ \t\r\n]+/).filter((w) => w !== '');
    if (name === undefined || type === undefined) {
      show.fatal(`file ${shownPath}: line ${lineno}: specify service name and type on the same line`);
    }
    if (name.includes('=')) {
      show.fatal(
        `file ${shownPath}: line ${lineno}: service name syntax "${toShown(name)}" is unsupported with ${EDIT_OPTS}`,
      );
    }
    if (/[=/]/.test(type)) {
      show.fatal(
        `file ${shownPath}: line ${lineno}: service type syntax "${toShown(type)}" is unsupported with ${EDIT_OPTS}`,
      );
    }
    const [sName, sType] = [toShown(name), toShown(type)];
    let newEntry: PcfMasterEntry | null = null;
    for (const req of requests) {
      const wholeEntry = mode & PCF.MASTER_ENTRY && mode & PCF.EDIT_CONF;
      const tentative = wholeEntry ? entryOfRequest(req, warnings) : null;
      let useTentative = false;
      if (matchService(req.pattern, sName, sType)) {
        matchedService = true;
        req.matched++;
        if (mode & PCF.EDIT_CONF || (mode & PCF.MASTER_PARAM && mode & PCF.EDIT_EXCL)) {
          if (mode & PCF.MASTER_ENTRY) {
            useTentative = req.matched === 1;
          } else {
            if (newEntry === null) {
              // Gobble the continuation lines; comments among them are copied as they come.
              let full = line;
              while (i + 1 < lines.length && (lines[i + 1]![0] === '#' || isSpace(lines[i + 1]![0]))) {
                const next = lines[++i]!;
                if (contentStart(next) >= 0) full += next;
                else out += next;
              }
              const parsed = parseMasterEntry(toShown(full), warnings);
              if (typeof parsed === 'string') show.fatal(`file ${shownPath}: line ${lineno}: ${parsed}`);
              newEntry = parsed;
            }
            newEntry =
              mode & PCF.MASTER_FLD
                ? editField(newEntry, req.field, req.value!, warnings)
                : editParam(newEntry, mode, req.pattern[2]!, req.value);
          }
        }
      } else if (tentative !== null && matchService(tentative.argv, sName, sType)) {
        matchedService = true;
        req.matched++;
        useTentative = req.matched === 1;
      }
      if (tentative !== null && useTentative) newEntry = tentative;
    }
    if (newEntry !== null) out += format(newEntry);
    else if (!matchedService) out += line;
    else if (mode & PCF.COMMENT_OUT) out += `#${line}`;
  }
  for (const req of requests) {
    if (req.matched > 0) continue;
    if (mode & PCF.MASTER_ENTRY && mode & PCF.EDIT_CONF) out += format(entryOfRequest(req, warnings));
    else if (!(mode & PCF.MASTER_ENTRY)) show.warn(`unmatched service_name/type: "${req.raw}"`);
  }
  for (const w of warnings) show.warn(w);
  await replaceFile(shownPath, fsPath, out);
}
