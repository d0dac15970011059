/**
 * auth_dkim_canon: DKIM canonicalization (RFC 6376 section 3.4) of a
 * message as the queue holds it — LF line ends, each standing for the CRLF
 * the wire carries. Splits the header block into fields, canonicalizes a
 * field (simple or relaxed) and hashes the body (simple or relaxed) without
 * copying it.
 *
 * Security: the message is untrusted; nothing here allocates more than the
 *   header block, and body lines are hashed as they are found
 * Standards: RFC 6376 sections 3.4.1-3.4.5
 */
import { createHash } from 'node:crypto';

export type Canon = 'simple' | 'relaxed';

/** One header field: its name as written and its full text, continuation lines included, without the last LF. */
export interface HeaderField {
  readonly name: string;
  readonly text: string;
}

/** A field of a message, with its place: bytes [start, end), `end` at its last LF (or the end). */
export interface PlacedField extends HeaderField {
  readonly start: number;
  readonly end: number;
}

/** The header fields of a message and where its body starts (after the empty line; the end when there is none). */
export interface SplitMessage {
  readonly fields: readonly PlacedField[];
  readonly bodyStart: number;
}

/** Splits the header block (up to the first empty line) into fields; lines without a colon end it, as in cleanup. */
export function splitHeaders(message: Buffer): SplitMessage {
  const fields: PlacedField[] = [];
  let pos = 0;
  let current: { name: string; start: number } | null = null;
  const close = (end: number) => {
    if (current !== null)
      fields.push({
        name: current.name,
        text: message.toString('utf8', current.start, end),
        start: current.start,
        end,
      });
    current = null;
  };
  while (pos < message.length) {
    const nl = message.indexOf(0x0a, pos);
    const end = nl < 0 ? message.length : nl;
    const next = nl < 0 ? message.length : nl + 1;
    const lineEnd = end > pos && message[end - 1] === 0x0d ? end - 1 : end;
    if (lineEnd === pos) {
      close(pos > 0 && message[pos - 1] === 0x0a ? pos - 1 : pos);
      return { fields, bodyStart: next };
    }
    const first = message[pos];
    if ((first === 0x20 || first === 0x09) && current !== null) {
      pos = next;
      continue;
    }
    close(pos - 1);
    const colon = message.indexOf(0x3a, pos);
    if (colon < 0 || colon >= lineEnd) return { fields, bodyStart: pos };
    const name = message.toString('latin1', pos, colon).trimEnd();
    if (name === '' || /[\x00-\x20\x7f]/.test(name)) return { fields, bodyStart: pos };
    current = { name, start: pos };
    pos = next;
  }
  close(message.length > 0 && message[message.length - 1] === 0x0a ? message.length - 1 : message.length);
  return { fields, bodyStart: message.length };
}

/** A field canonicalized for the header hash, with its CRLF. */
export function canonHeader(field: HeaderField, canon: Canon): string {
  const text = field.text.replace(/\r?\n/g, '\r\n');
  if (canon === 'simple') return `${text}\r\n`;
  const colon = text.indexOf(':');
  const name = text.slice(0, colon).trimEnd().toLowerCase();
  const value = text
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}\r\n`;
}

/** Base64 of the SHA-256 of the canonicalized body (from `start` to the end of `message`). */
export function bodyHash(message: Buffer, start: number, canon: Canon): string {
  const hash = createHash('sha256');
  let emptyRun = 0;
  let any = false;
  const CRLF = Buffer.from('\r\n');
  let pos = start;
  while (pos < message.length) {
    const nl = message.indexOf(0x0a, pos);
    let end = nl < 0 ? message.length : nl;
    if (end > pos && message[end - 1] === 0x0d) end--;
    let line = message.subarray(pos, end);
    if (canon === 'relaxed') line = relaxLine(line);
    if (line.length === 0) emptyRun++;
    else {
      for (; emptyRun > 0; emptyRun--) hash.update(CRLF);
      hash.update(line);
      hash.update(CRLF);
      any = true;
    }
    pos = nl < 0 ? message.length : nl + 1;
  }
  // An empty body is CRLF under simple, nothing under relaxed (section 3.4.3, 3.4.4).
  if (!any && canon === 'simple') hash.update(CRLF);
  return hash.digest('base64');
}

/** Relaxed body line: runs of WSP become one SP, WSP at the end goes. */
function relaxLine(line: Buffer): Buffer {
  let needs = false;
  for (let i = 0; i < line.length && !needs; i++) {
    const b = line[i];
    const next = line[i + 1];
    needs = b === 0x09 || (b === 0x20 && (next === undefined || next === 0x20 || next === 0x09));
  }
  if (!needs) return line;
  const out = Buffer.allocUnsafe(line.length);
  let n = 0;
  let ws = false;
  for (const b of line) {
    if (b === 0x20 || b === 0x09) ws = true;
    else {
      if (ws) out[n++] = 0x20;
      ws = false;
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}
