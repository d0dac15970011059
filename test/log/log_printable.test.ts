import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_RECORD_LIMIT, printable, truncateRecord } from '../../src/log/log_printable.ts';

test('printable leaves printable ASCII alone', () => {
  const text = 'NOQUEUE: reject: RCPT from unknown[127.0.0.5]: 554 5.7.1 <x@y.test>: Relay access denied; from=<a@b>';
  assert.equal(printable(text), text);
});

test('printable replaces CR, LF, TAB, NUL, ESC and DEL with ? so a record stays one line', () => {
  assert.equal(
    printable('improper command pipelining: MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\n\t\x00\x1b[31m\x7f'),
    'improper command pipelining: MAIL FROM:<a@b>??RCPT TO:<c@d>????[31m?',
  );
});

test('printable keeps UTF-8 text under smtputf8_enable = yes, as Postfix keeps valid UTF-8', () => {
  assert.equal(printable('to=<josé@exämple.test> 📬'), 'to=<josé@exämple.test> 📬');
});

test('printable replaces each UTF-8 byte with ? under smtputf8_enable = no', () => {
  // é is 2 bytes, € 3, 📬 4 (a surrogate pair in UTF-16).
  assert.equal(printable('é€📬', false), '?????????');
});

test('printable replaces a lone surrogate, which has no UTF-8 form', () => {
  assert.equal(printable('a\ud800b\udc00c'), 'a?b?c');
});

test('truncateRecord keeps short texts and cuts long ones to 2000 bytes', () => {
  assert.equal(truncateRecord('short'), 'short');
  const long = 'x'.repeat(5000);
  assert.equal(truncateRecord(long), 'x'.repeat(LOG_RECORD_LIMIT));
  assert.equal(truncateRecord('y'.repeat(LOG_RECORD_LIMIT)).length, LOG_RECORD_LIMIT);
});

test('truncateRecord never cuts inside a UTF-8 character', () => {
  // 1999 ASCII bytes, then é (2 bytes) would end at byte 2001: é must go whole.
  const text = `${'a'.repeat(1999)}é and more`;
  assert.equal(truncateRecord(text), 'a'.repeat(1999));
  assert.ok(Buffer.byteLength(truncateRecord(`${'€'.repeat(700)}`)) <= LOG_RECORD_LIMIT);
  assert.equal(truncateRecord('€'.repeat(700)), '€'.repeat(666));
});
