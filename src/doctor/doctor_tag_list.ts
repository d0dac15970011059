/**
 * doctor_tag_list: splits a DKIM key record or a DMARC record into its
 * `tag=value` parts, the syntax both share: parts separated by `;`, blanks
 * around them ignored, tag names compared without case.
 *
 * Standards: RFC 6376 section 3.2 (tag=value lists), RFC 7489 section 6.4
 */

export interface TagValue {
  /** The part's position among the non-empty parts (0 for the first). */
  readonly index: number;
  /** The tag, lower-cased. */
  readonly tag: string;
  /** The text after `=`, as written (the caller trims or folds it). */
  readonly value: string;
}

/** The tag=value parts of `text` in order; a part without `=` adds an error to `errors` at its place. */
export function* tagValues(text: string, errors: string[]): Generator<TagValue> {
  const parts = text
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const [index, part] of parts.entries()) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      errors.push(`"${part}" is not tag=value`);
      continue;
    }
    yield { index, tag: part.slice(0, eq).trim().toLowerCase(), value: part.slice(eq + 1) };
  }
}
