/**
 * compat_level: Postfix's compatibility_level values ("0", "2", "3.6",
 * "3.11.1"), made comparable, and the `<level`, `<=level`, `>level`,
 * `>=level` operators that built-in defaults use inside `${{...} <level {...} ? ...}`.
 *
 * Parameters: compatibility_level
 * See: postfix/src/global/compat_level.c
 */

/** Parses `major[.minor[.patch]]` into a comparable number, or null when malformed. */
export function parseCompatLevel(text: string): number | null {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+))?)?$/.exec(text);
  if (m === null) return null;
  const [major, minor, patch] = [m[1], m[2], m[3]].map((part) => (part === undefined ? 0 : Number(part)));
  if (minor! > 1023 || patch! > 1023) return null;
  return major! * 1024 * 1024 + minor! * 1024 + patch!;
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>=' | '>';

/** Evaluates `left OP right` on compatibility levels; null when a side is malformed. */
export function compareCompatLevels(left: string, op: CompareOp, right: string): boolean | null {
  const a = parseCompatLevel(left);
  const b = parseCompatLevel(right);
  if (a === null || b === null) return null;
  return compareNumbers(a - b, op);
}

export function compareNumbers(delta: number, op: CompareOp): boolean {
  switch (op) {
    case '==':
      return delta === 0;
    case '!=':
      return delta !== 0;
    case '<':
      return delta < 0;
    case '<=':
      return delta <= 0;
    case '>=':
      return delta >= 0;
    case '>':
      return delta > 0;
  }
}
