/**
 * quote_822_local against Postfix's golden files (golden/quote_822_local.in
 * and .ref, copied unchanged from postfix/src/global), then the cases the
 * resolver depends on: source routes, dot-strings, 8-bit text, expose_at.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  QUOTE_FLAG_DEFAULT,
  quote822Local,
  quoteFlagsFromString,
  quoteFlagsToString,
  unquote822Local,
} from '../../src/global/quote_822_local.ts';

const GOLDEN = join(import.meta.dirname, 'golden');
const lines = (file: string) => readFileSync(join(GOLDEN, file), 'utf8').split('\n').filter(Boolean);

/** What Postfix's quote_822_local test program prints for one command line. */
function run(line: string): string {
  const [, cmd, rest] = /^(\S+)\s+(.*)$/.exec(line)!;
  const arg = (text: string) => (text === '<>' ? '' : text);
  if (cmd === 'quote') return `'${arg(rest!)}' quoted '${quote822Local(arg(rest!))}'`;
  if (cmd === 'unquote') return `'${arg(rest!)}' unquoted '${unquote822Local(arg(rest!))}'`;
  const [, names, text] = /^(\S+)\s+(.*)$/.exec(rest!)!;
  const flags = quoteFlagsFromString(names!)!;
  return `'${text}' quoted flags=${quoteFlagsToString(flags)} '${quote822Local(text!, flags)}'`;
}

test('quote_822_local.in gives Postfix quote_822_local.ref, line for line', () => {
  assert.deepEqual(lines('quote_822_local.in').map(run), lines('quote_822_local.ref'));
});

const QUOTE_CASES: readonly (readonly [string, string])[] = [
  ['user@example.com', 'user@example.com'],
  ['first.last@example.com', 'first.last@example.com'],
  ['first last@example.com', '"first last"@example.com'],
  ['.user@example.com', '".user"@example.com'],
  ['user.@example.com', '"user."@example.com'],
  ['us..er@example.com', '"us..er"@example.com'],
  ['a"b\\c@example.com', '"a\\"b\\\\c"@example.com'],
  ['victim@example.net@pfbench.localhost', '"victim@example.net"@pfbench.localhost'],
  ['@a,@b:user@c', '@a,@b:user@c'],
  ['@a,@b:first last@c', '@a,@b:"first last"@c'],
  ['user%example.net@relay', 'user%example.net@relay'],
  ['example.net!user@relay', 'example.net!user@relay'],
  ['a[b]@host', '"a[b]"@host'],
  ['üser@example.com', 'üser@example.com'],
  ['user', 'user'],
  ['', '""'],
];

for (const [internal, external] of QUOTE_CASES) {
  test(`quote822Local quotes ${JSON.stringify(internal)} as ${JSON.stringify(external)}`, () => {
    assert.equal(quote822Local(internal), external);
  });
}

test('unquote822Local undoes quote822Local for each case', () => {
  for (const [internal, external] of QUOTE_CASES) assert.equal(unquote822Local(external), internal, external);
});

test('quote822Local without 8bitclean quotes and escapes a non-ASCII local part', () => {
  assert.equal(quote822Local('üser@example.com', {}), '"\\üser"@example.com');
});

test('quote822Local with expose_at leaves an @ in the local part unquoted', () => {
  assert.equal(quote822Local('a@b@c', { ...QUOTE_FLAG_DEFAULT, expose_at: true }), 'a@b@c');
});

test('quoteFlagsFromString reads names in any case and refuses an unknown one', () => {
  assert.deepEqual(quoteFlagsFromString('8BitClean|Expose_At'), { '8bitclean': true, expose_at: true });
  assert.equal(quoteFlagsFromString('8bitclean|nonsense'), null);
});
