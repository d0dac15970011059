/**
 * logscan_fields: the small pieces many Postfix log lines share: a peer
 * (`name[addr]`, `name[addr]:port`, postscreen's `[addr]:port`), an SMTP
 * reply (`554 5.7.1 text`), and the envelope tail that smtpd, postscreen and
 * cleanup append to reject lines (`from=<s> to=<r> proto=ESMTP helo=<h>`,
 * with commas in postscreen's version).
 *
 * See: postfix/src/smtpd/smtpd_check.c (log_whatsup), postfix/src/cleanup/cleanup_milter.c,
 *      postfix/src/postscreen/postscreen_smtpd.c
 */
import type { Envelope, LoggedReply, LogPeer } from './logscan_event.ts';

/** Parses `name[addr]`, `name[addr]:port` or `[addr]:port`; a text without brackets is a name alone. */
export function parsePeer(namaddr: string): LogPeer {
  const open = namaddr.indexOf('[');
  const close = namaddr.lastIndexOf(']');
  if (open < 0 || close < open) return { name: namaddr, addr: '', port: null, namaddr };
  const after = namaddr.slice(close + 1);
  const port = after.startsWith(':') && /^\d+$/.test(after.slice(1)) ? Number(after.slice(1)) : null;
  return { name: namaddr.slice(0, open), addr: namaddr.slice(open + 1, close), port, namaddr };
}

const REPLY = /^([245]\d\d)(?: ([245]\.\d{1,3}\.\d{1,3}))?(?: (.*))?$/s;

/** `554 5.7.1 text` as a reply, or null when `text` does not start with a reply code. */
export function parseReply(text: string): LoggedReply | null {
  const m = REPLY.exec(text);
  if (m === null) return null;
  return { code: Number(m[1]), dsn: m[2] ?? null, text: m[3] ?? '' };
}

/** The tail of a reject line after its last `;`: `from=<s> to=<r> proto=P helo=<h>`, smtpd or postscreen style. */
const ENVELOPE_TAIL =
  /^(?:,? from=<([^>]*)>)?(?:,? to=<([^>]*)>)?(?:,? proto=([^\s,]+))?(?:,? helo=<([^>]*)>)?(?:,? sasl_\w+=\S*)*$/;

export interface TextWithEnvelope {
  readonly text: string;
  readonly envelope: Envelope;
}

export const NO_ENVELOPE: Envelope = Object.freeze({ from: null, to: null, proto: null, helo: null });

/**
 * Splits `reply text; from=<s> to=<r> proto=P helo=<h>` at the last `;`
 * whose rest is an envelope tail (the reply text itself may contain `;`).
 */
export function splitEnvelope(rest: string): TextWithEnvelope {
  let semi = rest.lastIndexOf(';');
  while (semi >= 0) {
    const m = ENVELOPE_TAIL.exec(rest.slice(semi + 1));
    if (m !== null) {
      return {
        text: rest.slice(0, semi),
        envelope: { from: m[1] ?? null, to: m[2] ?? null, proto: m[3] ?? null, helo: m[4] ?? null },
      };
    }
    semi = rest.lastIndexOf(';', semi - 1);
  }
  return { text: rest, envelope: NO_ENVELOPE };
}

/** The value of `name=<value>` in `text`, or null. */
export function angleField(text: string, name: string): string | null {
  const at = text.indexOf(`${name}=<`);
  if (at < 0 || (at > 0 && text.charCodeAt(at - 1) !== 32 && text.charCodeAt(at - 1) !== 44)) return null;
  const start = at + name.length + 2;
  const end = text.indexOf('>', start);
  return end < 0 ? null : text.slice(start, end);
}

/** A decimal number, or null when `text` is not one. */
export function decimal(text: string): number | null {
  const c = text.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return null;
  const n = Number(text);
  return Number.isNaN(n) ? null : n;
}
