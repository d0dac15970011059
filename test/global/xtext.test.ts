/**
 * xtext and uxtext: the DSN parameter encodings on MAIL and RCPT lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { uxtextEncode, xtextDecode, xtextEncode } from '../../src/global/xtext.ts';

test('xtextEncode hex-escapes +, =, space, controls and 8-bit bytes, as Postfix xtext_quote()', () => {
  assert.equal(xtextEncode('rfc822;a+b=c d@example.org'), 'rfc822;a+2Bb+3Dc+20d@example.org');
  assert.equal(xtextEncode('x\r\ny'), 'x+0D+0Ay');
  assert.equal(xtextEncode('é'), '+C3+A9');
});

test('xtextDecode undoes xtextEncode for any text, and refuses a bad escape', () => {
  fc.assert(fc.property(fc.string(), (s) => assert.equal(xtextDecode(xtextEncode(s)), s)));
  assert.equal(xtextDecode('a+2'), null);
  assert.equal(xtextDecode('a+ZZ'), null);
});

test('xtext output is printable ASCII without space, so it cannot break a command line', () => {
  fc.assert(fc.property(fc.string(), (s) => assert.match(xtextEncode(s), /^[!-~]*$/)));
});

test('uxtextEncode writes non-ASCII and specials as \\x{HEX}, as uxtext_quote() does', () => {
  assert.equal(uxtextEncode('utf-8;pelé@example.org'), 'utf-8;pel\\x{E9}@example.org');
  assert.equal(uxtextEncode('a+b\\c'), 'a\\x{2B}b\\x{5C}c');
  assert.equal(uxtextEncode('\ud800'), null);
});
