/**
 * smtp_quote: values the client puts on command lines — an envelope
 * address as an RFC 5321 path (a local part that is not a dot-string is
 * quoted), the DSN NOTIFY list and RET keyword, and a last guard that no
 * command line can carry a CR, LF or NUL.
 *
 * Parameters: smtp_quote_rfc821_envelope (always yes here)
 * Security: commandSafe() makes every command one line, whatever the queue holds
 * See: postfix/src/global/quote_821_local.c, postfix/src/smtp/smtp_misc.c,
 *   postfix/src/global/dsn_mask.c
 */

const NOT_IN_DOT_STRING = /[\s<>()[\]\\,;:@"\x00-\x1f\x7f]/;

/** is_821_dot_string(): atoms separated by single dots, nothing special (8-bit allowed). */
function isDotString(local: string): boolean {
  if (local === '' || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  return !NOT_IN_DOT_STRING.test(local);
}

/** smtp_quote_821_address(): `"a b"@example.org` for a local part that needs quotes; '' stays ''. */
export function quote821Address(address: string): string {
  if (address === '') return '';
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? '' : address.slice(at);
  if (isDotString(local)) return address;
  return `"${local.replace(/["\\]/g, (c) => `\\${c}`)}"${domain}`;
}

/** The DSN_NOTIFY bits of queue_envelope.ts, in dsn_notify_str()'s order. */
const NOTIFY_NAMES: readonly (readonly [number, string])[] = [
  [1, 'NEVER'],
  [2, 'SUCCESS'],
  [4, 'FAILURE'],
  [8, 'DELAY'],
];

/** dsn_notify_str(): `SUCCESS,FAILURE` for the bits of `mask`. */
export function dsnNotifyStr(mask: number): string {
  return NOTIFY_NAMES.filter(([bit]) => (mask & bit) !== 0)
    .map(([, name]) => name)
    .join(',');
}

/** A command line with no CR, LF or NUL left in it (each becomes a space). */
export function commandSafe(line: string): string {
  return line.replace(/[\r\n\0]/g, ' ');
}
