/**
 * dict_stream: the rule lines of a table that is either a file
 * (`regexp:/etc/postfix/x`) or written inline (`regexp:{ {/a/ b}, {/c/ d} }`,
 * one rule per `{...}`), read with Postfix's logical-line rules.
 *
 * Diagnostics: DictOpenError `open FILE: reason`, or `TYPE map: missing '}' in "..."`
 * See: postfix/src/util/dict_stream.c
 */
import { readFile } from 'node:fs/promises';
import { type LogicalLine, readLogicalLines } from '../config/config_lines.ts';
import { CHARS_COMMA_SP, extractBraced, splitQuoted } from '../config/config_split.ts';
import { DictOpenError } from './dict.ts';
import { type DictOpenContext, strerror, tablePath } from './dict_context.ts';

/** The logical lines of the table's rules, after logging readllines() warnings. */
export async function dictStreamLines(ctx: DictOpenContext): Promise<readonly LogicalLine[]> {
  let text: string;
  if (ctx.name.startsWith('{')) {
    const outer = extractBraced(ctx.name);
    if (!outer.ok) throw new DictOpenError(`${ctx.type} map: ${outer.error}`);
    const rules: string[] = [];
    for (const token of splitQuoted(outer.value, CHARS_COMMA_SP)) {
      const rule = extractBraced(token);
      if (!rule.ok) throw new DictOpenError(`${ctx.type} map: ${rule.error}`);
      rules.push(`${rule.value}\n`);
    }
    text = rules.join('');
  } else {
    try {
      text = await readFile(tablePath(ctx, ctx.name), 'utf8');
    } catch (err) {
      throw new DictOpenError(`open ${ctx.name}: ${strerror(err)}`, { cause: err });
    }
  }
  const { lines, warnings } = readLogicalLines(text, ctx.name);
  for (const w of warnings) ctx.log.warn(w);
  return lines;
}
