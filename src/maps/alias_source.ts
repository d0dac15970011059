/**
 * alias_source: reads aliases(5) text as postalias does: `name: value, ...`
 * with main.cf's comment and continuation rules. The name is the text before
 * the first `:` (quotes removed; it must be a local name); the value is the
 * rest in RFC 822 external form, so `a,b` becomes `a, b` and quoted strings
 * stay quoted (`"|/usr/bin/cmd arg"`, `:include:/path`, `/file` pass through).
 *
 * Diagnostics: warnings `FILE, line N: need name:value pair`,
 *   `FILE, line N: name must be local`
 * See: postfix/src/postalias/postalias.c (postalias), aliases(5); the tokens are
 *   tok822_parse.ts's, as postalias uses tok822_scan()
 */
import { readLogicalLines } from '../config/config_lines.ts';
import type { SourceRecord } from './dict_source.ts';
import { tok822Externalize, tok822Internalize, tok822Scan } from './tok822_parse.ts';
import { tok822CutAfter, tok822CutBefore, tok822FindType, tok822RfindType } from './tok822_tree.ts';

/** The records of aliases text read from `path` (the name messages show). */
export function* aliasRecords(text: string, path: string): Generator<SourceRecord> {
  const { lines, warnings } = readLogicalLines(text, path);
  for (const w of warnings) yield { kind: 'warning', text: w };
  for (const { text: line, line: lineno } of lines) {
    const tokens = tok822Scan(line).head;
    if (tokens === null) continue;
    const colon = tok822FindType(tokens, ':');
    if (colon === null || colon.prev === null || colon.next === null || tok822RfindType(colon, ',') !== null) {
      yield { kind: 'warning', text: `${path}, line ${lineno}: need name:value pair` };
      continue;
    }
    if (tok822RfindType(colon, '@') !== null || tok822RfindType(colon, '%') !== null) {
      yield { kind: 'warning', text: `${path}, line ${lineno}: name must be local` };
      continue;
    }
    const value = tok822CutAfter(colon);
    tok822CutBefore(colon);
    yield { kind: 'entry', key: tok822Internalize(tokens), value: tok822Externalize(value), line: lineno };
  }
}
