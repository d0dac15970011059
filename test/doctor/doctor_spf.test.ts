/**
 * The SPF evaluator (RFC 7208 check_host) against a DNS server on
 * loopback: results for each mechanism, include and redirect, the 10-lookup
 * and 2-void limits, several records, syntax errors, macros.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { checkHost, inNetwork } from '../../src/doctor/doctor_spf.ts';
import { expandMacros, parseSpf } from '../../src/doctor/doctor_spf_record.ts';
import { type DnsZone, startDnsServer } from '../peers/dns_server.ts';

const ZONE: DnsZone = {
  'ip.test': { TXT: ['v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all'] },
  'a.test': { A: ['198.51.100.5'], TXT: ['v=spf1 a mx:mxhosts.test ~all'] },
  'mxhosts.test': { MX: [[10, 'mx1.mxhosts.test']] },
  'mx1.mxhosts.test': { A: ['203.0.113.9'] },
  'inc.test': { TXT: ['v=spf1 include:ip.test ?all'] },
  'redir.test': { TXT: ['v=spf1 redirect=ip.test'] },
  'eleven.test': {
    TXT: [`v=spf1 ${Array.from({ length: 11 }, (_, i) => `include:i${i}.eleven.test`).join(' ')} -all`],
  },
  ...Object.fromEntries(
    Array.from({ length: 11 }, (_, i) => [`i${i}.eleven.test`, { TXT: ['v=spf1 ip4:10.9.9.9 -all'] }]),
  ),
  'two.test': { TXT: ['v=spf1 -all', 'v=spf1 ip4:192.0.2.1 -all'] },
  'voids.test': { TXT: ['v=spf1 a:n1.voids.test a:n2.voids.test a:n3.voids.test ip4:192.0.2.1 -all'] },
  'macro.test': { TXT: ['v=spf1 exists:%{ir}.%{v}._spf.%{d} -all'] },
  '1.2.0.192.in-addr._spf.macro.test': { A: ['127.0.0.2'] },
  'noinc.test': { TXT: ['v=spf1 include:missing.test -all'] },
  'flaky.test': { fault: 'servfail' },
  'other.test': { TXT: ['google-site-verification=abc'] },
};

test('checkHost evaluates ip4, ip6, a, mx, include, redirect and macros as a receiver does', async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const r = new DnsResolver({ servers: dns.servers, timeout: 1000, tries: 1 });
  assert.equal((await checkHost(r, '192.0.2.77', 'ip.test')).result, 'pass');
  assert.equal((await checkHost(r, '2001:db8::5', 'ip.test')).result, 'pass');
  const fail = await checkHost(r, '198.51.100.1', 'ip.test');
  assert.equal(fail.result, 'fail');
  assert.equal(fail.reason, 'ip.test: -all');
  assert.equal((await checkHost(r, '198.51.100.5', 'a.test')).result, 'pass');
  assert.equal((await checkHost(r, '203.0.113.9', 'a.test')).result, 'pass');
  assert.equal((await checkHost(r, '203.0.113.10', 'a.test')).result, 'softfail');
  assert.equal((await checkHost(r, '192.0.2.9', 'inc.test')).result, 'pass');
  assert.equal((await checkHost(r, '198.51.100.9', 'inc.test')).result, 'neutral');
  assert.equal((await checkHost(r, '192.0.2.9', 'redir.test')).result, 'pass');
  assert.equal((await checkHost(r, '192.0.2.1', 'macro.test')).result, 'pass');
  assert.equal((await checkHost(r, '192.0.2.2', 'macro.test')).result, 'fail');
});

test('checkHost: 11 includes are a permerror; two records too; void lookups past 2; missing include; SERVFAIL', async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const r = new DnsResolver({ servers: dns.servers, timeout: 1000, tries: 1 });
  const eleven = await checkHost(r, '192.0.2.1', 'eleven.test');
  assert.equal(eleven.result, 'permerror');
  assert.match(eleven.reason, /more than 10 DNS-querying terms/);
  const full = await checkHost(r, '192.0.2.1', 'eleven.test', { full: true });
  assert.equal(full.lookups, 11);
  const two = await checkHost(r, '192.0.2.1', 'two.test');
  assert.equal(two.result, 'permerror');
  assert.match(two.reason, /2 SPF records/);
  const voids = await checkHost(r, '192.0.2.1', 'voids.test');
  assert.equal(voids.result, 'permerror');
  assert.match(voids.reason, /more than 2 void lookups/);
  const noinc = await checkHost(r, '192.0.2.1', 'noinc.test');
  assert.equal(noinc.result, 'permerror');
  assert.match(noinc.reason, /missing\.test has no SPF record/);
  assert.equal((await checkHost(r, '192.0.2.1', 'flaky.test')).result, 'temperror');
  assert.equal((await checkHost(r, '192.0.2.1', 'other.test')).result, 'none');
  assert.equal((await checkHost(r, '192.0.2.1', 'nowhere.test')).result, 'none');
});

test('parseSpf reports syntax errors; expandMacros and inNetwork follow RFC 7208', () => {
  assert.deepEqual(parseSpf('v=spf1 ip4:192.0.2.0/24 -all').errors, []);
  assert.deepEqual(parseSpf('v=spf1 ip4:999.1.1.1 foo:bar -all').errors, [
    '"ip4:999.1.1.1": not an IPv4 address',
    'unknown mechanism "foo:bar"',
  ]);
  assert.deepEqual(parseSpf('v=spf1 redirect=a.test redirect=b.test').errors, ['"redirect=" appears twice']);
  assert.deepEqual(parseSpf('spf1 -all').errors, ['the record does not start with "v=spf1"']);
  const ctx = {
    sender: 'strong-bad@email.example.com',
    domain: 'email.example.com',
    ip: '192.0.2.3',
    helo: 'h.example',
  };
  assert.equal(expandMacros('%{s}', ctx), 'strong-bad@email.example.com');
  assert.equal(expandMacros('%{d4}', ctx), 'email.example.com');
  assert.equal(expandMacros('%{d2}', ctx), 'example.com');
  assert.equal(expandMacros('%{ir}.%{v}._spf.%{d2}', ctx), '3.2.0.192.in-addr._spf.example.com');
  assert.equal(expandMacros('%{l-}', { ...ctx, sender: 'a-b@x.test' }), 'a.b');
  assert.ok(inNetwork('192.0.2.200', '192.0.2.1', 24));
  assert.ok(!inNetwork('192.0.3.1', '192.0.2.0', 24));
  assert.ok(inNetwork('2001:db8::1', '2001:db8::', 32));
});
