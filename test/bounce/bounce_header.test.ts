/**
 * bounce_header: the one writer of notification header fields, over
 * random values (fast-check): whatever a value holds — CR, LF, NUL, other
 * controls, Unicode — the field has no CR or NUL, every line after the
 * first starts with a blank followed by text (so it continues the field
 * and cannot end the header block), and unfolding it gives back the value
 * with each control character shown as `?`. line_wrap() cuts at blanks at
 * 79 columns as Postfix does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { headerField, neutralise, textParagraph } from '../../src/bounce/bounce_header.ts';
import { lineWrap } from '../../src/bounce/bounce_line_wrap.ts';

/** Strings rich in what an attacker would put into ORCPT, ENVID or a reply. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '\r',
        '\n',
        '\r\n',
        '\0',
        '\t',
        ' ',
        '\x1b',
        '\x7f',
        '\u2028',
        'X-Injected: yes',
        '--boundary--',
        ':',
      ),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ maxLength: 90 }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

const NAMES = [
  'Final-Recipient',
  'Original-Recipient',
  'Original-Envelope-Id',
  'Diagnostic-Code',
  'To',
  'X-Postfix-Sender',
];

/** The checks every field written must pass. */
function assertOneField(name: string, field: string): void {
  assert.match(
    field,
    new RegExp(`^${name}:( |\n|$)`),
    'starts with its name (a wrapped field may fold right after it)',
  );
  assert.ok(!/[\r\0]/.test(field), 'no CR or NUL');
  for (const line of field.split('\n').slice(1)) {
    assert.match(line, /^[ \t]+[^ \t]/, 'a continuation line: a blank, then text');
  }
}

test('headerField: no value can end its field or start another (unwrapped, wrapped, folded segments)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...NAMES), hostile, hostile, (name, value, second) => {
      assertOneField(name, headerField(name, value));
      assertOneField(name, headerField(name, value, true));
      assertOneField(name, headerField(name, [value, second]));
      // Unwrapped, the field is exactly one line.
      assert.equal(headerField(name, value).split('\n').length, 1);
    }),
    { numRuns: 2000 },
  );
});

test('headerField: unfolding a wrapped field gives the neutralised value back', () => {
  fc.assert(
    fc.property(hostile, (value) => {
      const field = headerField('Diagnostic-Code', value, true);
      const shown = neutralise(value);
      // line_wrap drops blanks at the folds and at the end; compare without them.
      const words = (s: string) => s.split(/[ \t\n]+/).filter((w) => w !== '');
      assert.deepEqual(words(field.slice('Diagnostic-Code:'.length)), words(shown));
    }),
    { numRuns: 1000 },
  );
});

test('neutralise makes every control character a `?`, keeps Unicode, and is idempotent', () => {
  fc.assert(
    fc.property(hostile, (value) => {
      const n = neutralise(value);
      assert.ok(!/[\x00-\x1f\x7f]/.test(n));
      assert.equal(neutralise(n), n);
      assert.equal([...n].length, [...value].length, 'one character for one');
    }),
  );
  assert.equal(neutralise('a\r\nX-Evil: 1\0'), 'a??X-Evil: 1?');
  assert.equal(neutralise('käse ✓'), 'käse ✓');
});

test('textParagraph (the human-readable part) has no CR/NUL and no line that could start a header or a part', () => {
  fc.assert(
    fc.property(hostile, (value) => {
      const text = textParagraph(`<rcpt@example.test>: ${value}`);
      assert.ok(!/[\r\0]/.test(text));
      for (const line of text.split('\n').slice(1)) assert.match(line, /^ {4}/);
    }),
  );
});

test('headerField refuses a field name that is not a constant token', () => {
  assert.throws(() => headerField('X-Evil\nTo', 'x'), /bad header field name/);
  assert.throws(() => headerField('', 'x'), /bad header field name/);
});

test('lineWrap cuts at 79 columns with a 4-space indent, as in the Postfix samples', () => {
  assert.deepEqual(
    lineWrap(
      '<someone@reject.test>: host 127.0.0.1[127.0.0.1] said: 500 5.3.0 Error: command failed (in reply to RCPT TO command)',
    ),
    [
      '<someone@reject.test>: host 127.0.0.1[127.0.0.1] said: 500 5.3.0 Error: command',
      '    failed (in reply to RCPT TO command)',
    ],
  );
  assert.deepEqual(lineWrap('Diagnostic-Code: X-Postfix; connect to 127.0.0.1[127.0.0.1]:32526: Connection refused'), [
    'Diagnostic-Code: X-Postfix; connect to 127.0.0.1[127.0.0.1]:32526: Connection',
    '    refused',
  ]);
  // A line of exactly 79 stays whole; a word longer than a line is not cut.
  assert.deepEqual(lineWrap('a'.repeat(79)), ['a'.repeat(79)]);
  assert.deepEqual(lineWrap(`x ${'b'.repeat(100)} y`), ['x', `    ${'b'.repeat(100)}`, '    y']);
  assert.deepEqual(lineWrap('trailing   '), ['trailing']);
});
