/**
 * dns_ip_match: the d.d.d.d result filters of reject_rbl_client, matched and
 * refused as Postfix's ip_match does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipMatches, parseIpMatch } from '../../src/dns/dns_ip_match.ts';

function matcher(pattern: string) {
  const parsed = parseIpMatch(pattern);
  assert.ok(parsed.ok, `${pattern}: ${parsed.ok ? '' : parsed.error}`);
  return (address: string) => ipMatches(parsed.value, address);
}

test('ip_match matches exact addresses, ranges, and ;-lists per octet', () => {
  const exact = matcher('127.0.0.2');
  assert.equal(exact('127.0.0.2'), true);
  assert.equal(exact('127.0.0.3'), false);
  const range = matcher('127.0.0.[2..4]');
  assert.deepEqual(['127.0.0.1', '127.0.0.2', '127.0.0.4', '127.0.0.5'].map(range), [false, true, true, false]);
  const list = matcher('127.0.[0;1].[2;10..11]');
  assert.deepEqual(['127.0.1.2', '127.0.0.11', '127.0.2.2', '127.0.0.9'].map(list), [true, true, false, false]);
  assert.equal(matcher('[127.0.0.2]')('127.0.0.2'), true);
});

test('ip_match refuses bad patterns with Postfix error texts', () => {
  const errors: Record<string, string> = {
    '': 'empty address pattern',
    '[127.0.0.2': 'missing "]" character',
    '127.0.0': 'need "." at "127.0.0><"',
    '127.0.0.256': 'need decimal number 0..255 or "[" at "127.0.0.>256<"',
    '127.0.0.[4..2]': 'numeric range error at "127.0.0.[4..>2<]"',
    '127.0.0.[2,3]': 'need ";" or "]" at "127.0.0.[2>,<3]"',
    '127.0.0.[x]': 'need decimal number 0..255 at "127.0.0.[>x<]"',
    '127.0.0.2;127.0.0.3': 'garbage after pattern at "127.0.0.2>;<127.0.0.3"',
    '127.0.0.2.1': 'garbage after pattern at "127.0.0.2>.<1"',
  };
  for (const [pattern, error] of Object.entries(errors)) {
    assert.deepEqual(parseIpMatch(pattern), { ok: false, error }, pattern);
  }
});

test('ip_match agrees with the cases of Postfix ip_match.ref', () => {
  const errors: Record<string, string> = {
    '1.2.300.4': 'need decimal number 0..255 or "[" at "1.2.>300<.4"',
    '1.2.3000.4': 'need decimal number 0..255 or "[" at "1.2.>3000<.4"',
    '1.2.3.': 'need decimal number 0..255 or "[" at "1.2.3.><"',
    '1.2.3': 'need "." at "1.2.3><"',
    a: 'need decimal number 0..255 or "[" at ">a<"',
    '1.2.3;4': 'need "." at "1.2.3>;<4"',
    '1.2.[].4': 'need decimal number 0..255 at "1.2.[>]<.4"',
    '1.2.[.4': 'need decimal number 0..255 at "1.2.[>.<4"',
    '1.2.].4': 'need decimal number 0..255 or "[" at "1.2.>]<.4"',
    '1.2.[1-255].5': 'need ";" or "]" at "1.2.[1>-<255].5"',
    '1.2.[1..127.128..255].5': 'need ";" or "]" at "1.2.[1..127>.<128..255].5"',
    '1.2.3.[4..1]': 'numeric range error at "1.2.3.[4..>1<]"',
    '1.2.3.[4.1]': 'numeric range error at "1.2.3.[4.>1<]"',
    '1.2.3.[4.x]': 'numeric range error at "1.2.3.[4.>x<]"',
    '1.2.3.[x]': 'need decimal number 0..255 at "1.2.3.[>x<]"',
    '1.2.3.4x': 'garbage after pattern at "1.2.3.4>x<"',
    '[[1;2].3.4.5': 'missing "]" character',
    '1;2].3.4.5': 'need "." at "1>;<2].3.4.5"',
  };
  for (const [pattern, error] of Object.entries(errors)) {
    assert.deepEqual(parseIpMatch(pattern), { ok: false, error }, pattern);
  }
  const matches: [string, Record<string, boolean>][] = [
    ['1.2.3.4', { '1.2.3.4': true }],
    ['1.2.[3].4', { '1.2.3.4': true, '1.2.4.4': false }],
    ['1.2.[1..127;128..255].5', { '1.2.1.5': true, '1.2.255.5': true, '1.2.0.5': false }],
    ['1.2.[3..11].5', { '1.2.3.5': true, '1.2.2.5': false, '1.2.11.5': true, '1.2.12.5': false, '1.2.11.6': false }],
    [
      '1.2.[3;5;7;9;11].5',
      { '1.2.3.5': true, '1.2.2.5': false, '1.2.4.5': false, '1.2.11.5': true, '1.2.12.5': false },
    ],
    ['[1;2].3.4.5', { '1.3.4.5': true, '2.3.4.5': true, '3.3.4.5': false }],
    ['[[1;2].3.4.5]', { '1.3.4.5': true, '2.3.4.5': true, '3.3.4.5': false }],
  ];
  for (const [pattern, cases] of matches) {
    const match = matcher(pattern);
    for (const [address, expected] of Object.entries(cases))
      assert.equal(match(address), expected, `${pattern} ${address}`);
  }
});
