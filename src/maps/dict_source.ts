/**
 * dict_source: reads the source text of an indexed table (`key whitespace
 * value` lines, with main.cf's comment and continuation rules), as postmap
 * builds it and texthash loads it. A key ends at the first whitespace outside
 * double quotes; a backslash protects the next character; keys keep their
 * quotes. Records come out in order, interleaved with Postfix's warnings.
 *
 * Diagnostics: warnings for a line without value, an unbalanced quote, and
 *   a `key: value` line (is this an alias file?)
 * See: postfix/src/postmap/postmap.c (postmap), postfix/src/util/dict_thash.c
 */
import { readLogicalLines } from '../config/config_lines.ts';

export type SourceRecord =
  | { readonly kind: 'entry'; readonly key: string; readonly value: string; readonly line: number }
  | { readonly kind: 'warning'; readonly text: string };

const isSpace = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';

/** Trims trailing whitespace as trimblanks() does. */
function trimTrailing(text: string): string {
  let end = text.length;
  while (end > 0 && isSpace(text[end - 1])) end--;
  return text.slice(0, end);
}

/** Splits one logical line into key and value; null with the reason when it has an unbalanced quote. */
export function splitKeyValue(text: string): { key: string; value: string } | null {
  let inQuotes = false;
  let i = 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      if (++i >= text.length) break;
    } else if (isSpace(ch)) {
      if (!inQuotes) break;
    } else if (ch === '"') {
      inQuotes = !inQuotes;
    }
  }
  if (inQuotes) return null;
  const key = text.slice(0, i);
  let v = i + 1;
  while (v < text.length && isSpace(text[v])) v++;
  return { key, value: trimTrailing(text.slice(v)) };
}

/**
 * The records of table source `text` read from `path` (the name messages
 * show). `texthash` selects dict_thash.c's wording for a line without value.
 */
export function* sourceRecords(text: string, path: string, texthash = false): Generator<SourceRecord> {
  const { lines, warnings } = readLogicalLines(text, path);
  for (const w of warnings) yield { kind: 'warning', text: w };
  for (const { text: line, line: lineno } of lines) {
    const kv = splitKeyValue(line);
    if (kv === null) {
      yield { kind: 'warning', text: `${path}, line ${lineno}: unbalanced '"' in '${line}' -- ignoring this line` };
      continue;
    }
    if (kv.key === '' || kv.value === '') {
      const suffix = texthash ? ' -- ignoring this line' : '';
      yield { kind: 'warning', text: `${path}, line ${lineno}: expected format: key whitespace value${suffix}` };
      continue;
    }
    if (kv.key.endsWith(':')) {
      yield {
        kind: 'warning',
        text: `${path}, line ${lineno}: record is in "key: value" format; is this an alias file?`,
      };
    }
    yield { kind: 'entry', key: kv.key, value: kv.value, line: lineno };
  }
}
