/**
 * The smtp client's small parsers: server replies (code, enhanced status,
 * multi-line text), nexthop destinations, and command-line quoting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseReplyCode } from '../../src/smtp/smtp_chat.ts';
import { destinationSites, parseDestination } from '../../src/smtp/smtp_nexthop.ts';
import { commandSafe, dsnNotifyStr, quote821Address } from '../../src/smtp/smtp_quote.ts';
import { policyKeys } from '../../src/smtp/smtp_tls_policy.ts';

test('parseReplyCode takes the enhanced code only when its class matches the reply code', () => {
  assert.deepEqual(parseReplyCode('550 5.1.1 <x>: User unknown'), { code: 550, dsn: '5.1.1' });
  assert.deepEqual(parseReplyCode('550 No such user'), { code: 550, dsn: '5.0.0' });
  assert.deepEqual(parseReplyCode('450 5.1.1 mixed up'), { code: 450, dsn: '4.0.0' });
  assert.deepEqual(parseReplyCode('250 2.0.0 Ok: queued as X'), { code: 250, dsn: '2.0.0' });
  assert.deepEqual(parseReplyCode('354 End data'), { code: 354, dsn: '5.5.0' });
  assert.deepEqual(parseReplyCode('garbage'), { code: 0, dsn: '5.5.0' });
});

test('parseDestination reads [host]:port, host:port, [v6]:port and named services', () => {
  const p = (d: string) => {
    const r = parseDestination(d, 'smtp');
    return r.ok ? [r.value.domain, r.value.literal, r.value.port] : r.error;
  };
  assert.deepEqual(p('example.com'), ['example.com', false, 25]);
  assert.deepEqual(p('[mail.example.com]:587'), ['mail.example.com', true, 587]);
  assert.deepEqual(p('relay.example.com:submission'), ['relay.example.com', false, 587]);
  assert.deepEqual(p('[::1]:2525'), ['::1', true, 2525]);
  assert.deepEqual(p('[127.0.0.1]'), ['127.0.0.1', true, 25]);
  assert.equal(p('host:0'), 'bad network port: 0 for destination: host:0');
  assert.equal(p('host:nosuch'), 'unknown service: nosuch/tcp');
  assert.deepEqual(destinationSites('a.example, b.example', ['[fallback.example]']), {
    sites: ['a.example', 'b.example', '[fallback.example]'],
    primary: 2,
  });
});

test('quote821Address quotes a local part that is not a dot-string; the null sender stays empty', () => {
  assert.equal(quote821Address('user@example.org'), 'user@example.org');
  assert.equal(quote821Address('first last@example.org'), '"first last"@example.org');
  assert.equal(quote821Address('a"b@example.org'), '"a\\"b"@example.org');
  assert.equal(quote821Address('.lead@example.org'), '".lead"@example.org');
  assert.equal(quote821Address(''), '');
});

test('commandSafe leaves no CR, LF or NUL in any command line', () => {
  fc.assert(fc.property(fc.string(), (s) => assert.doesNotMatch(commandSafe(`RCPT TO:<${s}>`), /[\r\n\0]/)));
  assert.equal(dsnNotifyStr(2 | 4 | 8), 'SUCCESS,FAILURE,DELAY');
  assert.equal(dsnNotifyStr(1), 'NEVER');
});

test('smtp_tls_policy_maps keys: the nexthop as written, then parent domains for a host name only', () => {
  assert.deepEqual(policyKeys('mail.example.com'), ['mail.example.com', '.example.com', '.com']);
  assert.deepEqual(policyKeys('[127.0.0.1]:2525'), ['[127.0.0.1]:2525']);
});
