/**
 * dot_stuff: the DATA encoder every relaying agent uses. Properties over
 * random content: only CRLF line ends leave it, no line can end DATA early,
 * un-stuffing gives the content back (line ends normalised), and the
 * result is the same however the content is cut into chunks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DotStuffer, dotStuff } from '../../src/global/dot_stuff.ts';

const unstuff = (wire: string) =>
  wire
    .split('\r\n')
    .map((l) => (l.startsWith('.') ? l.slice(1) : l))
    .join('\n');

test('dotStuff ends lines with CRLF, stuffs leading dots, and ends an unterminated last line', () => {
  assert.equal(dotStuff('a\n.b\n..\n.\nc').toString(), 'a\r\n..b\r\n...\r\n..\r\nc\r\n');
  assert.equal(dotStuff('').toString(), '');
  assert.equal(dotStuff('x\n').toString(), 'x\r\n');
});

test('dotStuff turns a bare CR into a line end, so "\\r.\\r" cannot end DATA at a lax peer', () => {
  assert.equal(dotStuff('a\r.\rb\r\n.\r\nMAIL FROM:<x>\n').toString(), 'a\r\n..\r\nb\r\n..\r\nMAIL FROM:<x>\r\n');
});

test('dotStuff breaks lines longer than the limit with CRLF SPACE (the space counts), not at exactly the limit', () => {
  assert.equal(dotStuff('abcdef\n', 3).toString(), 'abc\r\n de\r\n f\r\n');
  assert.equal(dotStuff('abc\n', 3).toString(), 'abc\r\n');
  assert.equal(dotStuff('.abcd\n', 3).toString(), '..ab\r\n cd\r\n');
  const s = new DotStuffer(3);
  s.push(Buffer.from('abcdefgh\n'));
  assert.equal(s.broken, 3);
});

test('dotStuff output has only CRLF line ends and never a lone "." line, for any content and chunking', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom('.', '\r', '\n', '\r\n', '..', 'a', ' ', 'From '), fc.string()), {
        maxLength: 40,
      }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
      fc.constantFrom(0, 5, 998),
      (parts, cuts, limit) => {
        const input = Buffer.from(parts.join(''), 'latin1');
        const whole = dotStuff(input, limit);
        // The same bytes, cut into chunks of varying size.
        const s = new DotStuffer(limit);
        const out: Buffer[] = [];
        let pos = 0;
        for (let i = 0; pos < input.length; i++) {
          const n = cuts[i % cuts.length]!;
          out.push(s.push(input.subarray(pos, pos + n)));
          pos += n;
        }
        out.push(s.end());
        const chunked = Buffer.concat(out);
        assert.deepEqual(chunked, whole);
        const wire = whole.toString('latin1');
        assert.ok(wire === '' || wire.endsWith('\r\n'));
        assert.doesNotMatch(wire.replaceAll('\r\n', ''), /[\r\n]/);
        for (const line of wire.split('\r\n')) assert.notEqual(line, '.');
        if (limit === 0) {
          const expected = input.toString('latin1').replace(/\r\n|\r|\n/g, '\n');
          const got = unstuff(wire);
          assert.equal(got, expected === '' || expected.endsWith('\n') ? expected : `${expected}\n`);
        }
      },
    ),
    { numRuns: 2000 },
  );
});
