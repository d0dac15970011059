/**
 * config_lines: splits main.cf, master.cf and table source text into logical
 * lines with Postfix's rules: a line starting with whitespace continues the
 * previous one, and blank or `#` lines are skipped without ending it.
 *
 * Diagnostics: warning for text that continues nothing, and for NUL bytes
 * See: postfix/src/util/readlline.c
 */

export interface LogicalLine {
  /** The joined text: continuation lines appended as is, newlines dropped. */
  readonly text: string;
  /** Line number (1-based) of the first physical line. */
  readonly line: number;
  /** Line number of the last physical line. */
  readonly lastLine: number;
}

export interface LogicalLines {
  readonly lines: LogicalLine[];
  /** Postfix's warnings, without the `warning: ` prefix. */
  readonly warnings: string[];
}

const isSpace = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\v' || ch === '\f';

/** True for a physical line that readllines() skips: empty, blank or a comment. */
function isIgnored(physical: string): boolean {
  for (const ch of physical) {
    if (ch === '#') return true;
    if (!isSpace(ch)) return false;
  }
  return true;
}

/** Splits `text` (the contents of `path`) into logical lines. */
export function readLogicalLines(text: string, path: string): LogicalLines {
  const physical = text.split('\n');
  if (physical.length > 0 && physical[physical.length - 1] === '') physical.pop();
  const lines: LogicalLine[] = [];
  const warnings: string[] = [];
  let current: { parts: string[]; line: number; lastLine: number } | null = null;

  const finish = () => {
    if (current === null) return;
    const joined = current.parts.join('');
    if (isSpace(joined[0])) {
      // Continuing text with no text before it: readllines() warns and drops it.
      const shown = joined.length > 30 ? `${joined.slice(0, 30)}...` : joined;
      warnings.push(`${path}: logical line must not start with whitespace: "${shown}"`);
      current = null;
      return;
    }
    if (joined.includes('\0')) {
      const range = current.line === current.lastLine ? `${current.line}` : `${current.line}-${current.lastLine}`;
      warnings.push(`${path}, line ${range}: text after null byte may be ignored`);
    }
    lines.push({ text: joined.split('\0')[0] ?? '', line: current.line, lastLine: current.lastLine });
    current = null;
  };

  physical.forEach((raw, index) => {
    const lineNo = index + 1;
    if (isIgnored(raw)) return;
    if (isSpace(raw[0]) && current !== null) {
      current.parts.push(raw);
      current.lastLine = lineNo;
      return;
    }
    finish();
    current = { parts: [raw], line: lineNo, lastLine: lineNo };
  });
  finish();
  return { lines, warnings };
}
