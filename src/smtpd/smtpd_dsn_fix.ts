/**
 * smtpd_dsn_fix: the enhanced status code of a refusal that a table or
 * policy server chose, made to fit what is refused: an address code
 * (x.1.y) given for a sender becomes the sender form (4.1.7, 4.1.8 ...),
 * for a recipient the recipient form (4.1.1, 4.1.2 ...), and for anything
 * else 4.0.0; and dsn_split(), which takes a leading RFC 3463 code off a
 * text (`5.7.26 SPF fail`).
 *
 * Diagnostics: `mapping DSN status X into CLASS status Y`
 * See: postfix/src/smtpd/smtpd_dsn_fix.c, postfix/src/global/dsn_util.c
 */

/** The reply classes of smtpd's restriction lists (the `<X>: Class rejected:` words). */
export const REPLY_CLASS = {
  client: 'Client host',
  reverseClient: 'Unverified Client host',
  ccert: 'Client certificate',
  saslUser: 'SASL login name',
  helo: 'Helo command',
  sender: 'Sender address',
  recipient: 'Recipient address',
  etrn: 'Etrn command',
  data: 'Data command',
  eod: 'End-of-data',
} as const;

export type ReplyClass = (typeof REPLY_CLASS)[keyof typeof REPLY_CLASS];

/** [micro code, sender form, recipient form] */
const DSN_MAP: readonly (readonly [string, string, string])[] = [
  ['1', '4.1.7', '4.1.1'],
  ['2', '4.1.8', '4.1.2'],
  ['3', '4.1.7', '4.1.3'],
  ['4', '4.1.7', '4.1.4'],
  ['5', '4.1.0', '4.1.5'],
  ['6', '4.1.7', '4.1.6'],
  ['7', '4.1.7', '4.1.3'],
  ['8', '4.1.8', '4.1.2'],
];

/** smtpd_dsn_fix(): the status for `replyClass`; `info` receives Postfix's note when it changes. */
export function smtpdDsnFix(status: string, replyClass: string, info?: (text: string) => void): string {
  if (!/^\d\.1\./.test(status)) return status;
  const micro = status.slice(4);
  const row = DSN_MAP.find((r) => r[0] === micro);
  let result: string;
  if (replyClass === REPLY_CLASS.sender) result = row?.[1] ?? '4.1.0';
  else if (replyClass === REPLY_CLASS.recipient) result = row?.[2] ?? '4.1.0';
  else result = '4.0.0';
  if (status.slice(2) !== result.slice(2)) {
    info?.(`mapping DSN status ${status} into ${replyClass} status ${status[0]}${result.slice(1)}`);
  }
  return result;
}

/** dsn_valid(): the length of a leading `d.ddd.ddd` status (class 2, 4 or 5) before space or end; 0 if none. */
export function dsnValid(text: string): number {
  const m = /^[245]\.\d{1,3}\.\d{1,3}(?=$|[ \t])/.exec(text);
  return m === null ? 0 : m[0].length;
}

/** dsn_split(): a leading status code (or `def`) and the rest of the text, blanks skipped. */
export function dsnSplit(def: string, text: string): { dsn: string; text: string } {
  const t = text.replace(/^[ \t]+/, '');
  const n = dsnValid(t);
  if (n === 0) return { dsn: def, text: t };
  return { dsn: t.slice(0, n), text: t.slice(n).replace(/^[ \t]+/, '') };
}
