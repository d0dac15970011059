/**
 * main_cf: reads main.cf into `name = value` entries, keeping each raw
 * (unexpanded) value and the line it came from. The last definition of a
 * name wins, with Postfix's warning; a line without `=` is fatal.
 *
 * Diagnostics: `FILE, line N: overriding earlier entry: name=old` (warning);
 * `FILE, line N: missing '=' after attribute name: "text"` (fatal)
 * See: postfix/src/util/dict.c (dict_load_fp), postfix/src/util/split_nameval.c
 */

import { ConfigError } from './config_error.ts';
import { readLogicalLines } from './config_lines.ts';

export interface MainCfEntry {
  readonly name: string;
  /** The raw value, leading and trailing whitespace trimmed, `$name` not expanded. */
  readonly value: string;
  /** Line of the first physical line of the definition. */
  readonly line: number;
}

export interface MainCf {
  readonly path: string;
  readonly entries: ReadonlyMap<string, MainCfEntry>;
  /** Warning texts (without `warning: `) met while reading. */
  readonly warnings: readonly string[];
}

const SPACE = /[ \t\n\r\v\f]/;

/** split_nameval(): `name = value`, or Postfix's words for what is missing. */
export function splitNameValue(text: string): { name: string; value: string } | { error: string } {
  let i = 0;
  while (i < text.length && SPACE.test(text[i]!)) i++;
  if (i >= text.length || text[i] === '=') return { error: 'missing attribute name' };
  const start = i;
  while (i < text.length && !SPACE.test(text[i]!) && text[i] !== '=') i++;
  const name = text.slice(start, i);
  while (i < text.length && SPACE.test(text[i]!)) i++;
  if (text[i] !== '=') return { error: "missing '=' after attribute name" };
  return { name, value: text.slice(i + 1).replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '') };
}

/** Parses main.cf `text` read from `path`. Throws ConfigError on a line Postfix cannot read. */
export function parseMainCf(text: string, path: string): MainCf {
  const { lines, warnings } = readLogicalLines(text, path);
  const entries = new Map<string, MainCfEntry>();
  const allWarnings = [...warnings];
  for (const logical of lines) {
    const split = splitNameValue(logical.text);
    if ('error' in split) throw new ConfigError(`${path}, line ${logical.line}: ${split.error}: "${logical.text}"`);
    const old = entries.get(split.name);
    if (old !== undefined) {
      allWarnings.push(`${path}, line ${logical.line}: overriding earlier entry: ${split.name}=${old.value}`);
      entries.delete(split.name); // keep insertion order = order of the winning definitions
    }
    entries.set(split.name, { name: split.name, value: split.value, line: logical.line });
  }
  return { path, entries, warnings: allWarnings };
}
