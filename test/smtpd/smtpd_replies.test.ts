/**
 * smtpd_replies against Postfix: every reply line of the 3.7.11 probe
 * transcript that is not a restriction's refusal must come out of the
 * table byte for byte, and so must the fixed replies of postfix-compat.md
 * section 6.5.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatReply, replyLines } from '../../src/global/reply.ts';
import { SMTPD_REPLY, type SmtpdReply } from '../../src/smtpd/smtpd_replies.ts';

const TRANSCRIPT = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11', 'postfix-3.7.11-probe-transcript.txt');

const HOST = 'pfbench.localhost';
const EHLO = [
  HOST,
  'PIPELINING',
  'SIZE 10240000',
  'VRFY',
  'ETRN',
  'ENHANCEDSTATUSCODES',
  '8BITMIME',
  'DSN',
  'SMTPUTF8',
  'CHUNKING',
];

/** Every line the table can produce, with the sample values of the probe. */
function tableLines(): Set<string> {
  const out = new Set<string>();
  const add = (r: SmtpdReply) => {
    for (const l of replyLines(r as never)) out.add(l);
  };
  for (const [name, entry] of Object.entries(SMTPD_REPLY)) {
    if (typeof entry !== 'function') {
      add(entry);
      continue;
    }
    const samples: Record<string, readonly unknown[]> = {
      greeting: [`${HOST} ESMTP Postfix`],
      ehlo: [EHLO],
      helo_ok: [HOST],
      queued: ['QUEUEID'],
      bdat_queued: [7, 'QUEUEID'],
      bare_lf: [550, HOST],
      vrfy_ok: ['u@pfbench.localhost'],
    };
    const args = samples[name] ?? [HOST, '192.0.2.1'];
    add((entry as (...a: unknown[]) => SmtpdReply)(...args));
  }
  return out;
}

/** Replies built by smtpd_reject.ts (codes from main.cf), tested with the restrictions. */
const BUILT_BY_REJECT = [/Relay access denied$/, /^552 5\.3\.4 Message size exceeds fixed limit$/];

test('every non-restriction reply in the Postfix 3.7.11 probe transcript comes from SMTPD_REPLY', () => {
  const lines = tableLines();
  const missing: string[] = [];
  for (const row of readFileSync(TRANSCRIPT, 'utf8').split('\n')) {
    const m = /^\s*<< (.*)$/.exec(row);
    if (m === null) continue;
    for (let part of m[1]!.split(' | ')) {
      part = part.trim().replace(/queued as [0-9A-F]+$/, 'queued as QUEUEID');
      // Not a reply line, or one the capture cut short (the 1005-RCPT row).
      if (!/^\d{3}[ -]/.test(part) || /^\d{3} \d\.\d\.\d+$/.test(part)) continue;
      if (BUILT_BY_REJECT.some((re) => re.test(part))) continue;
      if (!lines.has(part)) missing.push(part);
    }
  }
  assert.deepEqual([...new Set(missing)], []);
});

/** postfix-compat.md section 6.5, as printed there (host name mx.example.test). */
const CATALOGUE = [
  '250 2.1.0 Ok',
  '250 2.1.5 Ok',
  '354 End data with <CR><LF>.<CR><LF>',
  '250 2.0.0 Ok: queued as QUEUEID',
  '250 2.0.0 Ok',
  '221 2.0.0 Bye',
  '220 2.0.0 Ready to start TLS',
  '235 2.7.0 Authentication successful',
  '501 5.7.0 Authentication aborted',
  '503 5.5.1 Error: already authenticated',
  '503 5.5.1 Error: authentication not enabled',
  '504 5.5.4 Encryption required for requested authentication mechanism',
  '530 5.7.0 Must issue a STARTTLS command first',
  '454 4.7.0 TLS not available due to local problem',
  '554 5.5.1 Error: TLS already active',
  '503 5.5.1 Error: send HELO/EHLO first',
  '503 5.5.1 Error: nested MAIL command',
  '503 5.5.1 Error: need MAIL command',
  '503 5.5.1 Error: need RCPT command',
  '554 5.5.1 Error: no valid recipients',
  '501 5.5.4 Syntax: MAIL FROM:<address>',
  '501 5.5.4 Syntax: RCPT TO:<address>',
  '501 5.1.7 Bad sender address syntax',
  '501 5.1.3 Bad recipient address syntax',
  '501 Syntax: HELO hostname',
  '501 Syntax: EHLO hostname',
  '500 5.5.2 Error: command not recognized',
  '500 5.5.2 Error: bad syntax',
  '502 5.5.1 VRFY command is disabled',
  '502 5.5.1 Error: command not implemented',
  '552 5.3.4 Error: message file too big',
  '452 4.5.3 Error: too many recipients',
  '451 4.3.0 Error: queue file write error',
  '550 5.7.1 Error: message content rejected',
  '554 5.4.0 Error: too many hops',
  '421 4.4.2 mx.example.test Error: timeout exceeded',
  '421 4.7.0 mx.example.test Error: too many errors',
  '421 4.7.0 mx.example.test Error: too many connections from 192.0.2.1',
  '450 4.7.1 Error: too many recipients from 192.0.2.1',
  '450 4.7.1 Error: too much mail from 192.0.2.1',
  '554 5.5.0 Error: SMTP protocol synchronization',
  '550 5.5.2 mx.example.test Error: bare <LF> received',
  '221 2.7.0 Error: I can break rules, too. Goodbye.',
];

test('the fixed replies of postfix-compat.md section 6.5 are in SMTPD_REPLY, byte for byte', () => {
  const host = 'mx.example.test';
  const got = new Set<string>();
  for (const [name, entry] of Object.entries(SMTPD_REPLY)) {
    const r =
      typeof entry === 'function'
        ? (entry as (...a: unknown[]) => SmtpdReply)(
            ...(name === 'queued'
              ? ['QUEUEID']
              : name === 'bare_lf'
                ? [550, host]
                : name === 'ehlo'
                  ? [[host]]
                  : name === 'too_many_recipients_from' || name === 'too_much_mail'
                    ? ['192.0.2.1']
                    : [host, '192.0.2.1']),
          )
        : entry;
    got.add(formatReply(r as never));
  }
  assert.deepEqual(
    CATALOGUE.filter((l) => !got.has(l)),
    [],
  );
});
