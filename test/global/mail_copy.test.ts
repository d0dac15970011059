/**
 * mail_copy: the mbox/Maildir formatting local and virtual share — the
 * From_ line, the delivery headers, ">From " quoting over any chunking,
 * the final line end and blank line — and mbox_dsn().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { asctime, CopyBody, copyHeader, MAIL_COPY, MAIL_COPY_MBOX, mboxDsn } from '../../src/global/mail_copy.ts';
import { quote822Local } from '../../src/global/quote_822_local.ts';

test('asctime pads the day with a space, as the From_ line shows it', () => {
  assert.equal(asctime(new Date(2026, 10, 1, 9, 5, 7)), 'Sun Nov  1 09:05:07 2026');
  assert.equal(asctime(new Date(2026, 10, 29, 19, 15, 17)), 'Sun Nov 29 19:15:17 2026');
});

test('copyHeader writes From_, Return-Path, X-Original-To and Delivered-To as the flags ask', () => {
  const now = new Date(2026, 10, 29, 9, 5, 17);
  const attrs = {
    sender: 'a b@example.org',
    origRcpt: 'Orig@example.test',
    delivered: 'rcpt@example.test',
    enable_original_recipient: true,
    now,
  };
  assert.equal(
    copyHeader({ ...attrs, flags: MAIL_COPY_MBOX }),
    'From "a b"@example.org  Sun Nov 29 09:05:17 2026\nReturn-Path: <"a b"@example.org>\nX-Original-To: Orig@example.test\nDelivered-To: rcpt@example.test\n',
  );
  assert.equal(
    copyHeader({ ...attrs, sender: '', flags: MAIL_COPY.FROM }),
    'From MAILER-DAEMON  Sun Nov 29 09:05:17 2026\n',
  );
  assert.equal(copyHeader({ ...attrs, sender: '', flags: MAIL_COPY.RETURN_PATH }), 'Return-Path: <>\n');
  assert.equal(copyHeader({ ...attrs, enable_original_recipient: false, flags: MAIL_COPY.ORIG_RCPT }), '');
});

const reference = (s: string) => {
  let t = s
    .split('\n')
    .map((l) => (l.startsWith('From ') ? `>${l}` : l))
    .join('\n');
  if (s !== '' && !s.endsWith('\n')) t += '\n';
  return `${t}\n`;
};

test('CopyBody quotes "From " at every line start however the content is chunked', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom('From ', 'From', 'F', '\n', 'x', '>From '), fc.string()), { maxLength: 30 }),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
      (parts, cuts) => {
        const input = Buffer.from(parts.join(''));
        const body = new CopyBody(MAIL_COPY_MBOX);
        const out: Buffer[] = [];
        for (let i = 0, pos = 0; pos < input.length; i++) {
          const n = cuts[i % cuts.length]!;
          out.push(body.push(input.subarray(pos, pos + n)));
          pos += n;
        }
        out.push(body.end());
        assert.equal(Buffer.concat(out).toString(), reference(input.toString()));
      },
    ),
    { numRuns: 2000 },
  );
});

test('CopyBody for a Maildir adds only a missing final line end', () => {
  const body = new CopyBody(MAIL_COPY.TOFILE | MAIL_COPY.RETURN_PATH);
  assert.equal(Buffer.concat([body.push(Buffer.from('From x\nlast')), body.end()]).toString(), 'From x\nlast\n');
});

test('mboxDsn: full mailbox 5.2.2, full disk 4.3.0, lock contention 4.2.0, else the default', () => {
  assert.equal(mboxDsn('EFBIG', '5.2.0'), '5.2.2');
  assert.equal(mboxDsn('EDQUOT', '5.2.0'), '5.2.2');
  assert.equal(mboxDsn('ENOSPC', '5.2.0'), '4.3.0');
  assert.equal(mboxDsn('EAGAIN', '5.2.0'), '4.2.0');
  assert.equal(mboxDsn('EACCES', '5.2.0'), '5.2.0');
  assert.equal(quote822Local('user.name@example.org'), 'user.name@example.org');
});
