/**
 * alias_source: reads aliases(5) text as postalias does: `name: value, ...`
 * with main.cf's comment and continuation rules. The name is the text before
 * the first `:` (quotes removed; it must be a local name); the value is the
 * rest in RFC 822 external form, so `a,b` becomes `a, b` and quoted strings
 * stay quoted (`"|/usr/bin/cmd arg"`, `:include:/path`, `/file` pass through).
 *
 * Diagnostics: warnings `FILE, line N: need name:value pair`,
 *   `FILE, line N: name must be local`
 * See: postfix/src/postalias/postalias.c (postalias), aliases(5)
 */
import { readLogicalLines } from '../config/config_lines.ts';
import type { SourceRecord } from './dict_source.ts';
import { type Tok822, tok822Externalize, tok822Internalize, tok822Scan } from './tok822.ts';

const isOp = (t: Tok822 | undefined, ch: string) => t !== undefined && t.type === 'op' && t.text === ch;

/** The records of aliases text read from `path` (the name messages show). */
export function* aliasRecords(text: string, path: string): Generator<SourceRecord> {
  const { lines, warnings } = readLogicalLines(text, path);
  for (const w of warnings) yield { kind: 'warning', text: w };
  for (const { text: line, line: lineno } of lines) {
    const tokens = tok822Scan(line);
    if (tokens.length === 0) continue;
    const colon = tokens.findIndex((t) => isOp(t, ':'));
    if (colon <= 0 || colon === tokens.length - 1 || tokens.slice(0, colon).some((t) => isOp(t, ','))) {
      yield { kind: 'warning', text: `${path}, line ${lineno}: need name:value pair` };
      continue;
    }
    if (tokens.slice(0, colon).some((t) => isOp(t, '@') || isOp(t, '%'))) {
      yield { kind: 'warning', text: `${path}, line ${lineno}: name must be local` };
      continue;
    }
    yield {
      kind: 'entry',
      key: tok822Internalize(tokens.slice(0, colon)),
      value: tok822Externalize(tokens.slice(colon + 1)),
      line: lineno,
    };
  }
}
