/**
 * auth_header: the header fields authentication reads and writes. Finds
 * the author address in From: (the first mailbox, comments and display
 * names dropped) for key selection and DMARC; drops Authentication-Results:
 * fields that claim our authserv-id (RFC 8601 section 5: a forged claim
 * from outside must not survive); and puts new fields on top of a message.
 *
 * Security: header text is untrusted; the From: parser is linear and never
 *   looks beyond the header block; a dropped field is dropped whole
 * Standards: RFC 5322 section 3.4 (mailbox), RFC 8601 sections 2.2 and 5
 */
import { type HeaderField, splitHeaders } from './auth_dkim_canon.ts';

/** Text without RFC 5322 comments, quoted strings kept (and their parentheses). */
function stripComments(text: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += ch + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth === 0 && ch === '"') quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')' && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

/** The first mailbox of an address list (`"A" <a@b>, c@d` gives `a@b`), or null. */
export function firstMailbox(value: string): string | null {
  const text = stripComments(value.replace(/\r?\n[ \t]/g, ' '));
  let quoted = false;
  let angle = -1;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && quoted) {
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (quoted) continue;
    if (ch === '<') angle = i;
    else if (ch === '>' && angle >= 0) return addrSpec(text.slice(angle + 1, i));
    else if (ch === ':' && angle < 0)
      start = i + 1; // a group's display name
    else if (ch === ',' || ch === ';' || ch === undefined) {
      const a = addrSpec(text.slice(start, i));
      if (a !== null) return a;
      start = i + 1;
    }
  }
  return null;
}

/** `local@domain` with the domain in lower case, or null when it is not one. */
function addrSpec(text: string): string | null {
  const t = text.trim().replace(/^@[^:]*:/, ''); // a source route
  const at = t.lastIndexOf('@');
  if (at <= 0 || at === t.length - 1 || /\s/.test(t.slice(at + 1))) return null;
  const domain = t
    .slice(at + 1)
    .replace(/\.$/, '')
    .toLowerCase();
  if (!/^[^\s@<>()[\],;:"]+$/.test(domain) && !/^\[[^\]]+\]$/.test(domain)) return null;
  return `${t.slice(0, at)}@${domain}`;
}

/** The From: fields of a message, and the author address of the first one. */
export function authorOf(message: Buffer): { readonly fields: number; readonly address: string | null } {
  const from = splitHeaders(message).fields.filter((f) => f.name.toLowerCase() === 'from');
  const first = from[0];
  return { fields: from.length, address: first === undefined ? null : firstMailbox(fieldValue(first)) };
}

export function fieldValue(field: HeaderField): string {
  return field.text.slice(field.text.indexOf(':') + 1);
}

/** The authserv-id an Authentication-Results: value starts with (after CFWS), lower case. */
export function authservIdOf(value: string): string {
  const text = stripComments(value).trim();
  const m = /^("(?:[^"\\]|\\.)*"|[^\s;]+)/.exec(text);
  if (m === null) return '';
  return m[1]!.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1').toLowerCase();
}

/**
 * The message without the Authentication-Results: fields whose authserv-id
 * is `authservId`, and how many were dropped. Only the top header block is
 * looked at; the body is not copied when nothing is dropped.
 */
export function dropForgedResults(
  message: Buffer,
  authservId: string,
): { readonly message: Buffer; readonly dropped: number } {
  const id = authservId.toLowerCase();
  const keep: Buffer[] = [];
  let dropped = 0;
  let last = 0;
  for (const field of splitHeaders(message).fields) {
    if (field.name.toLowerCase() !== 'authentication-results' || authservIdOf(fieldValue(field)) !== id) continue;
    keep.push(message.subarray(last, field.start));
    last = Math.min(field.end + 1, message.length);
    dropped++;
  }
  if (dropped === 0) return { message, dropped };
  keep.push(message.subarray(last));
  return { message: Buffer.concat(keep), dropped };
}

/** Header fields (each may have LF continuation lines, no final LF) on top of `message`. */
export function prependFields(message: Buffer, fields: readonly string[]): Buffer {
  if (fields.length === 0) return message;
  return Buffer.concat([Buffer.from(`${fields.join('\n')}\n`, 'utf8'), message]);
}
