/**
 * regexp_match: runs a translated pattern on a subject the way the C library
 * would: over the bytes of its UTF-8 form, and, for POSIX patterns, with the
 * leftmost-longest overall match glibc's regexec() finds (JavaScript stops at
 * the first alternative that matches; POSIX continues to the longest).
 *
 * See: postfix/src/util/dict_regexp.c, postfix/src/util/dict_pcre.c
 */
import { type Node, toBytes } from './regex_ast.ts';
import { emitRegex } from './regex_emit.ts';

/** A compiled pattern: the byte-string captures of its match (index 0 = whole match), or null. */
export interface CompiledPattern {
  /** JavaScript source of the translation (for messages and tests). */
  readonly source: string;
  exec(subject: string, wantCaptures: boolean): readonly (string | undefined)[] | null;
}

/** A POSIX pattern: leftmost start, then the longest end from there when captures are wanted. */
export function compilePosix(node: Node): CompiledPattern {
  const source = emitRegex(node, true);
  const search = new RegExp(source);
  let probe: RegExp | null = null;
  return {
    source,
    exec(subject, wantCaptures) {
      const s = toBytes(subject);
      const m = search.exec(s);
      if (m === null || !wantCaptures) return m;
      const start = m.index;
      const end = start + m[0].length;
      probe ??= new RegExp(`(?:${source})\\uffff`, 'y');
      for (let e = s.length; e > end; e--) {
        probe.lastIndex = start;
        const longer = probe.exec(`${s.slice(0, e)}\uffff${s.slice(e)}`);
        if (longer !== null) return [longer[0]!.slice(0, -1), ...longer.slice(1)];
      }
      return m;
    },
  };
}

/** A PCRE pattern: Perl's leftmost-first match, optionally anchored at the start (flag `A`). */
export function compilePcre(node: Node, anchored: boolean): CompiledPattern {
  const source = emitRegex(node, false);
  const re = new RegExp(source, anchored ? 'y' : '');
  return {
    source,
    exec(subject) {
      re.lastIndex = 0;
      return re.exec(toBytes(subject));
    },
  };
}
