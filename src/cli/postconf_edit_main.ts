/**
 * postconf_edit_main: `postconf -e name=value`, `postconf -X name` and
 * `postconf -# name` on main.cf. Every logical line that defines a named
 * parameter is replaced in place by `name = value` (its continuation lines
 * dropped), removed, or commented out; comments and order stay as they
 * were, and names not found are appended in sorted order.
 *
 * Diagnostics: fatal `-e, -X, or -# accepts no comment input` and kin;
 *   warnings `FILE: multiple entries for "name"`,
 *   `ignoring earlier request: 'name = value'`
 * Security: rewrites main.cf through main.cf.tmp
 * See: postfix/src/postconf/postconf_edit.c (pcf_edit_main)
 */
import { splitNameValue } from '../config/main_cf.ts';
import { contentStart, fromArg, isSpace, readEditLines, replaceFile, toShown } from './postconf_edit_file.ts';
import type { ShowOutput } from './postconf_main.ts';
import { PCF } from './postconf_options.ts';

interface EditRequest {
  /** The new value; null for -X and -#. */
  readonly value: string | null;
  found: number;
}

const KEY_END = /[ \t\r\n=]/;

/** The requests by name; the last one for a name wins. */
function parseRequests(mode: number, args: readonly string[], show: ShowOutput): Map<string, EditRequest> {
  const table = new Map<string, EditRequest>();
  for (const arg of args) {
    if (arg.includes('\n')) show.fatal('-e, -X, or -# accepts no multi-line input');
    let cp = arg;
    while (isSpace(cp[0])) cp = cp.slice(1);
    if (cp.startsWith('#')) show.fatal('-e, -X, or -# accepts no comment input');
    let name: string;
    let value: string | null = null;
    if (mode & PCF.EDIT_CONF) {
      const nv = splitNameValue(cp);
      if ('error' in nv) return show.fatal(`${nv.error}: "${cp}"`);
      name = nv.name;
      value = nv.value;
    } else {
      if (cp === '') show.fatal('-X or -# requires non-blank parameter names');
      if (cp.includes('=')) show.fatal('-X or -# requires parameter names without value');
      name = cp.replace(/[ \t\n\r\v\f]+$/, '');
    }
    const earlier = table.get(name);
    if (earlier !== undefined) {
      if (value !== null && earlier.value !== null && value !== earlier.value) {
        show.warn(`ignoring earlier request: '${name} = ${earlier.value}'`);
      }
      table.delete(name);
    }
    table.set(name, { value, found: 0 });
  }
  return table;
}

/** pcf_edit_main(): edits main.cf (`shownPath` in messages, `fsPath` on disk). */
export async function editMain(
  mode: number,
  args: readonly string[],
  shownPath: string,
  fsPath: string,
  show: ShowOutput,
): Promise<void> {
  const table = new Map([...parseRequests(mode, args, show)].map(([k, v]) => [fromArg(k), v]));
  const lines = await readEditLines(shownPath, fsPath);
  let out = '';
  let interesting = false;
  for (const line of lines) {
    const start = contentStart(line);
    if (start < 0) {
      out += line;
    } else if (start > 0) {
      // A continuation line: it goes with its logical line.
      if (!interesting) out += line;
      else if (mode & PCF.COMMENT_OUT) out += `#${line}`;
    } else {
      const key = line.slice(0, line.search(KEY_END) < 0 ? line.length : line.search(KEY_END));
      const req = table.get(key);
      interesting = req !== undefined;
      if (req === undefined) {
        out += line;
        continue;
      }
      if (req.found++ === 1) show.warn(`${shownPath}: multiple entries for "${toShown(key)}"`);
      if (mode & PCF.EDIT_CONF) out += `${key} = ${fromArg(req.value ?? '')}\n`;
      else if (mode & PCF.COMMENT_OUT) out += `#${line}`;
    }
  }
  if (mode & PCF.EDIT_CONF) {
    for (const key of [...table.keys()].sort()) {
      const req = table.get(key)!;
      if (req.found === 0) out += `${key} = ${fromArg(req.value ?? '')}\n`;
    }
  }
  await replaceFile(shownPath, fsPath, out);
}
