/**
 * cleanup_mime: enough of the MIME structure to tell header lines from body
 * lines: the primary message headers, the headers of each multipart body
 * part (checked with mime_header_checks), and the headers of an attached
 * message/rfc822 (nested_header_checks). Boundaries come from the
 * Content-Type of each header block; everything else is body.
 *
 * Standards: RFC 2045, RFC 2046 section 5.1 (multipart), 5.2.1 (message/rfc822)
 * See: postfix/src/global/mime_state.c
 */

/** Which header_checks table a header block is checked with. */
export type HeaderClass = 'primary' | 'multipart' | 'nested';

/** What a header block says about what follows it. */
export interface BlockType {
  /** The boundary of a multipart/* block, or null. */
  readonly boundary: string | null;
  /** message/rfc822 (or message/global): the body starts with nested headers. */
  readonly message: boolean;
}

const CONTENT_TYPE = /^content-type[ \t]*:[ \t\r\n]*([^;\s]+)/i;
const BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))/i;

/** The block type the Content-Type header `text` declares, or null for another header. */
export function blockType(text: string): BlockType | null {
  const m = CONTENT_TYPE.exec(text);
  if (m === null) return null;
  const type = m[1]!.toLowerCase();
  if (type.startsWith('multipart/')) {
    const b = BOUNDARY.exec(text.replace(/\n/g, ' '));
    const boundary = b?.[1] ?? b?.[2] ?? null;
    return { boundary: boundary === '' ? null : boundary, message: false };
  }
  return { boundary: null, message: type === 'message/rfc822' || type === 'message/global' };
}

/** The boundaries open in the body, innermost last. */
export class MimeBoundaries {
  readonly #stack: string[] = [];

  push(boundary: string): void {
    this.#stack.push(boundary);
  }

  /** False while no multipart is open: then no line can be a boundary. */
  get active(): boolean {
    return this.#stack.length > 0;
  }

  /**
   * Whether `line` is a boundary: `part` starts a new body part (headers
   * follow), `close` ends a multipart. Inner boundaries are closed too.
   */
  match(line: string): 'part' | 'close' | null {
    if (this.#stack.length === 0 || !line.startsWith('--')) return null;
    for (let i = this.#stack.length - 1; i >= 0; i--) {
      const b = `--${this.#stack[i]}`;
      if (!line.startsWith(b)) continue;
      const rest = line.slice(b.length);
      if (rest.startsWith('--')) {
        this.#stack.length = i;
        return 'close';
      }
      if (rest.trim() !== '') continue;
      this.#stack.length = i + 1;
      return 'part';
    }
    return null;
  }
}
