/**
 * smtpd_token and tok822_parse: the command tokenizer against the cases of
 * Postfix's smtpd_token.in/.ref, and address extraction as smtpd uses
 * Postfix's RFC 822 parser (internal form, comments, routes, quoting).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tok822Internalize, tok822Parse } from '../../src/maps/tok822_parse.ts';
import { smtpdToken } from '../../src/smtpd/smtpd_token.ts';

/** [input, expected tokens; `!` marks an error token]. */
const TOKEN_CASES: readonly (readonly [string, readonly string[]])[] = [
  ['mail from:<wietse@porcupine.org>', ['mail', 'from:', '<wietse@porcupine.org>']],
  ['mail from:<"wietse venema"@porcupine.org>', ['mail', 'from:', '<"wietse venema"@porcupine.org>']],
  ['mail from:wietse@porcupine.org', ['mail', 'from:', 'wietse@porcupine.org']],
  ['mail from:<wietse @ porcupine.org>', ['mail', 'from:', '<wietse @ porcupine.org>']],
  [
    'mail from:<"wietse venema"@porcupine.org ("wietse ) venema")>',
    ['mail', 'from:', '<"wietse venema"@porcupine.org ("wietse ) venema")>'],
  ],
  ['mail from:<"wietse venema" <wietse@porcupine.org>>', ['mail', 'from:', '<"wietse venema" <wietse@porcupine.org>>']],
  ['mail from:"wietse venema"@porcupine.org', ['mail', 'from:', '"wietse venema"@porcupine.org']],
  ['mail from:wietse\\ venema@porcupine.org', ['mail', 'from:', 'wietse\\ venema@porcupine.org']],
  ['mail to:<"wietse venema>', ['mail', 'to:', '!<"wietse venema>']],
  ['mail to:<wietse@[stuff>', ['mail', 'to:', '<wietse@[stuff>']],
  ['mail to:<wietse@["stuff]>', ['mail', 'to:', '!<wietse@["stuff]>']],
  ['MAIL FROM: <a@b>  SIZE=10', ['MAIL', 'FROM:', '<a@b>', 'SIZE=10']],
  ['   ', []],
];

test('smtpdToken splits commands as Postfix smtpd_token.ref says', () => {
  for (const [input, expected] of TOKEN_CASES) {
    const got = smtpdToken(input).map((t) => (t.error ? `!${t.text}` : t.text));
    assert.deepEqual(got, expected, input);
  }
});

function addresses(text: string): string[] {
  const out: string[] = [];
  for (let tp = tok822Parse(text); tp !== null; tp = tp.next)
    if (tp.type === 'addr') out.push(tok822Internalize(tp.head));
  return out;
}

test('tok822Parse finds the one address and writes it unquoted', () => {
  assert.deepEqual(addresses('wietse@porcupine.org'), ['wietse@porcupine.org']);
  assert.deepEqual(addresses('"wietse venema"@porcupine.org'), ['wietse venema@porcupine.org']);
  assert.deepEqual(addresses('"wietse venema" <wietse@porcupine.org>'), ['wietse@porcupine.org']);
  assert.deepEqual(addresses('wietse@porcupine.org (Wietse Venema)'), ['wietse@porcupine.org']);
  assert.deepEqual(addresses('"victim@example.net"@mx.test'), ['victim@example.net@mx.test']);
  assert.deepEqual(addresses('a@b, c@d'), ['a@b', 'c@d']);
  assert.deepEqual(addresses('victim@[192.0.2.1]'), ['victim@[192.0.2.1]']);
  assert.deepEqual(addresses(''), []);
});
