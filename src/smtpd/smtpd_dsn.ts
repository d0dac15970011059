/**
 * smtpd_dsn: the DSN parameters of MAIL and RCPT (RFC 3461): NOTIFY
 * masks, RET, and the xtext (and RFC 6533 utf-8 `\x{...}`) encoding of
 * ENVID and ORCPT. A malformed value is refused, never guessed at.
 *
 * Security: client text; decoded values with a NUL or (ENVID) an unprintable
 *   character are refused, so nothing decoded can split a header or record
 * Standards: RFC 3461 section 4, RFC 6533 section 3
 * See: postfix/src/global/xtext.c, uxtext.c, dsn_mask.c
 */
import { DSN_NOTIFY } from '../queue/queue_envelope.ts';

/** dsn_notify_mask(): NEVER alone, or any of SUCCESS, FAILURE, DELAY; 0 when invalid. */
export function dsnNotifyMask(text: string): number {
  let mask = 0;
  for (const word of text.split(',')) {
    const bit = DSN_NOTIFY[word.toUpperCase() as keyof typeof DSN_NOTIFY];
    if (bit === undefined) return 0;
    mask |= bit;
  }
  if (mask === 0) return 0;
  if ((mask & DSN_NOTIFY.NEVER) !== 0 && mask !== DSN_NOTIFY.NEVER) return 0;
  return mask;
}

/** dsn_ret_code(): FULL or HDRS, any case; null otherwise. */
export function dsnRet(text: string): 'FULL' | 'HDRS' | null {
  const up = text.toUpperCase();
  return up === 'FULL' || up === 'HDRS' ? up : null;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/** xtext_unquote(): `+XX` hex escapes decoded; null on a bad escape. */
export function xtextUnquote(text: string): Buffer | null {
  const out: number[] = [];
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const ch = bytes[i]!;
    if (ch === 0x2b) {
      const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
      if (!HEX.test(hex)) return null;
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      out.push(ch);
    }
  }
  return Buffer.from(out);
}

/** uxtext_unquote(): `\x{HEX}` code points decoded as UTF-8; null when malformed. */
export function uxtextUnquote(text: string): Buffer | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === 'x' && text[i + 2] === '{') {
      const end = text.indexOf('}', i + 3);
      if (end < 0) return null;
      const hex = text.slice(i + 3, end);
      if (!/^[0-9A-Fa-f]+$/.test(hex)) return null;
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) return null;
      out += String.fromCodePoint(cp);
      i = end;
    } else {
      out += text[i];
    }
  }
  return Buffer.from(out, 'utf8');
}

/** all_isprint_tab() without NUL: what an ENVID may decode to. */
export function printableTab(buf: Buffer): boolean {
  for (const b of buf) if ((b < 0x20 && b !== 9) || b >= 0x7f) return false;
  return true;
}
