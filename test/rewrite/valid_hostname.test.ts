/**
 * valid_hostname: the syntax checks behind the resolver's FLAG_ERROR, with
 * the reasons Postfix gives (valid_hostname.c, valid_mailhost_addr.c).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  validHostaddr,
  validHostname,
  validMailhostAddr,
  validMailhostLiteral,
  validUtf8Hostname,
  validUtf8String,
} from '../../src/rewrite/valid_hostname.ts';

function reason(check: (gripe: (t: string) => void) => boolean): string | null {
  let why: string | null = null;
  return check((t) => {
    why = t;
  })
    ? null
    : why;
}

const HOSTNAMES: readonly (readonly [string, string | null])[] = [
  ['example.com', null],
  ['mail_1.example-2.com', null],
  ['1.example', null],
  ['', 'valid_hostname: empty hostname'],
  ['1.2.3', 'valid_hostname: numeric hostname: 1.2.3'],
  ['a..b', 'valid_hostname: misplaced delimiter: a..b'],
  ['example.com.', 'valid_hostname: misplaced delimiter: example.com.'],
  ['-a.example', 'valid_hostname: misplaced hyphen: -a.example'],
  ['a-.example', 'valid_hostname: misplaced hyphen: a-.example'],
  ['host:port', 'valid_hostname: invalid character 58(decimal): host:port'],
  [`${'a'.repeat(64)}.example`, `valid_hostname: hostname label too long: ${'a'.repeat(64)}.example`],
];

for (const [name, why] of HOSTNAMES) {
  test(`validHostname(${JSON.stringify(name)}) is ${why === null ? 'valid' : `invalid: ${why}`}`, () => {
    assert.equal(
      reason((g) => validHostname(name, g)),
      why,
    );
  });
}

test('validHostname refuses a name over 255 bytes', () => {
  const name = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.');
  assert.equal(validHostname(name), false);
});

const ADDRESSES: readonly (readonly [string, boolean])[] = [
  ['192.0.2.1', true],
  ['0.0.0.0', true],
  ['0.1.2.3', false],
  ['256.1.1.1', false],
  ['1.2.3', false],
  ['::1', true],
  ['2001:db8::1', true],
  ['::ffff:192.0.2.1', true],
  ['1:2:3:4:5:6:7:8', true],
  ['1:2:3:4:5:6:7:8:9', false],
  ['1::2::3', false],
  ['12345::1', false],
  [':1:2', false],
];

for (const [address, valid] of ADDRESSES) {
  test(`validHostaddr(${address}) is ${valid}`, () => {
    assert.equal(validHostaddr(address), valid);
  });
}

test('validMailhostAddr takes IPv6 only with the IPv6: prefix, in any case', () => {
  assert.equal(validMailhostAddr('IPv6:2001:db8::1'), '2001:db8::1');
  assert.equal(validMailhostAddr('ipv6:::1'), '::1');
  assert.equal(validMailhostAddr('192.0.2.1'), '192.0.2.1');
  assert.equal(validMailhostAddr('::1'), null);
});

test('validMailhostLiteral needs [ and ] around the address and nothing after', () => {
  assert.equal(validMailhostLiteral('[192.0.2.1]'), true);
  assert.equal(validMailhostLiteral('[IPv6:::1]'), true);
  assert.equal(
    reason((g) => validMailhostLiteral('[192.0.2.1]x', g)),
    "valid_mailhost_literal: unexpected text after ']': [192.0.2.1]x",
  );
  assert.equal(
    reason((g) => validMailhostLiteral('[192.0.2.1', g)),
    "valid_mailhost_literal: ']' expected at end: [192.0.2.1",
  );
});

test('validUtf8Hostname accepts a UTF-8 domain only with smtputf8_enable', () => {
  assert.equal(validUtf8Hostname(true, 'bücher.example'), true);
  assert.equal(validUtf8Hostname(false, 'bücher.example'), false);
  assert.equal(validUtf8Hostname(true, 'bad..bücher'), false);
});

test('validUtf8String refuses text with an unpaired surrogate', () => {
  assert.equal(validUtf8String('üser@bücher.example'), true);
  assert.equal(validUtf8String('u\ud800ser@example'), false);
});
