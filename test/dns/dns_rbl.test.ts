/**
 * dns_rbl: DNSBL and RHSBL lookups as reject_rbl_client and reject_rhsbl_*
 * make them, with result filters and the TXT reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type DnsxlSite,
  dnsblLookup,
  dnsblQueryName,
  parseDnsxlSite,
  rhsblLookup,
  rhsblQueryName,
} from '../../src/dns/dns_rbl.ts';
import { dnsWithResolver } from './dns_fixtures.ts';

const V6_NAME = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';

const ZONE = {
  '9.0.0.127.rbl.test': { A: ['127.0.0.2'], TXT: ['Listed by test RBL, see http://rbl.test/lookup?ip=127.0.0.9'] },
  '10.0.0.127.rbl.test': { A: ['127.0.0.4', '127.0.0.10'], TXT: ['first reason', 'second\treason'] },
  '11.0.0.127.rbl.test': { A: ['127.0.0.3'] },
  '12.0.0.127.rbl.test': { A: ['127.255.255.254'], TXT: ['query refused, see https://example.test/public-resolvers'] },
  '13.0.0.127.rbl.test': { fault: 'servfail' as const },
  [`${V6_NAME}.rbl.test`]: { A: ['127.0.0.2'] },
  'spammer.test.dbl.test': { A: ['127.0.1.2'] },
};

function site(spec: string): DnsxlSite {
  const parsed = parseDnsxlSite(spec);
  assert.ok(parsed.ok, spec);
  return parsed.value;
}

test('dnsblLookup finds a listed client with its A record and TXT reason', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE });
  assert.deepEqual(await dnsblLookup(resolver, site('rbl.test'), '127.0.0.9'), {
    status: 'listed',
    query: '9.0.0.127.rbl.test',
    addresses: ['127.0.0.2'],
    txt: 'Listed by test RBL, see http://rbl.test/lookup?ip=127.0.0.9',
    refusal: null,
  });
  assert.deepEqual(
    dns.queries.map((q) => q.type),
    ['A', 'TXT'],
  );
});

test('dnsblLookup: a client that is not listed is unlisted, and no TXT is asked', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE });
  assert.deepEqual(await dnsblLookup(resolver, site('rbl.test'), '127.0.0.8'), {
    status: 'unlisted',
    query: '8.0.0.127.rbl.test',
    reason: 'nxdomain',
  });
  assert.equal(dns.queriesFor('8.0.0.127.rbl.test', 'TXT').length, 0);
});

test('dnsblLookup applies a =d.d.d.d result filter: ranges and ;-lists', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const excluded = await dnsblLookup(resolver, site('rbl.test=127.0.0.[3..4]'), '127.0.0.9');
  assert.deepEqual(excluded, { status: 'unlisted', query: '9.0.0.127.rbl.test', reason: 'filtered' });
  const included = await dnsblLookup(resolver, site('rbl.test=127.0.0.[1;2]'), '127.0.0.9');
  assert.equal(included.status, 'listed');
  const exact = await dnsblLookup(resolver, site('rbl.test=127.0.0.3'), '127.0.0.11');
  assert.equal(exact.status, 'listed');
  // One of several answers matching is enough.
  const oneOfTwo = await dnsblLookup(resolver, site('rbl.test=127.0.0.[10..11]'), '127.0.0.10');
  assert.deepEqual(oneOfTwo.status === 'listed' && oneOfTwo.addresses, ['127.0.0.4', '127.0.0.10']);
});

test('dnsblLookup joins several TXT records with " / " and blanks unprintable characters', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const r = await dnsblLookup(resolver, site('rbl.test'), '127.0.0.10');
  assert.equal(r.status === 'listed' && r.txt, 'first reason / second reason');
  const bare = await dnsblLookup(resolver, site('rbl.test'), '127.0.0.11');
  assert.equal(bare.status === 'listed' && bare.txt, null);
});

test('dnsblLookup returns a "query refused" answer (127.255.255.254) as a listing, marked as such', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const r = await dnsblLookup(resolver, site('rbl.test'), '127.0.0.12');
  assert.equal(r.status, 'listed');
  assert.deepEqual(r.status === 'listed' && r.addresses, ['127.255.255.254']);
  assert.equal(r.status === 'listed' && r.refusal, 'query via public/open resolver or unattributable route');
  // A filter for real listings leaves it out, as Spamhaus advises.
  assert.equal((await dnsblLookup(resolver, site('rbl.test=127.0.0.[2..11]'), '127.0.0.12')).status, 'unlisted');
});

test('dnsblLookup on a temporary failure: error, with the warning smtpd logs', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const r = await dnsblLookup(resolver, site('rbl.test'), '127.0.0.13');
  assert.equal(r.status, 'error');
  assert.equal(
    r.status === 'error' && r.warning,
    '13.0.0.127.rbl.test: RBL lookup error: Host or domain name not found. Name service error for name=13.0.0.127.rbl.test type=A: Host not found, try again',
  );
});

test('dnsblLookup asks an IPv6 client by its 32 reversed nibbles', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  assert.equal(dnsblQueryName('2001:db8::1', 'rbl.test'), `${V6_NAME}.rbl.test`);
  const r = await dnsblLookup(resolver, site('rbl.test'), '2001:db8::1');
  assert.equal(r.status, 'listed');
});

test('rhsblLookup asks the domain of an address under the zone', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const r = await rhsblLookup(resolver, site('dbl.test'), 'x@spammer.test');
  assert.equal(r.status, 'listed');
  assert.equal(r.query, 'spammer.test.dbl.test');
  assert.equal((await rhsblLookup(resolver, site('dbl.test'), 'nice.test')).status, 'unlisted');
});

test('rhsblQueryName skips what Postfix does not ask: literals, numeric last labels, bad names', () => {
  assert.equal(rhsblQueryName('user@[192.0.2.1]', 'dbl.test'), null);
  assert.equal(rhsblQueryName('host.123', 'dbl.test'), null);
  assert.equal(rhsblQueryName('user@', 'dbl.test'), null);
  assert.equal(rhsblQueryName('bad_-.test', 'dbl.test'), null);
  assert.equal(rhsblQueryName('HELO.Example.TEST', 'dbl.test'), 'HELO.Example.TEST.dbl.test');
  assert.equal(rhsblQueryName('a@bücher.test', 'dbl.test'), 'xn--bcher-kva.test.dbl.test');
});

test('parseDnsxlSite splits zone and filter and refuses a bad filter with Postfix text', () => {
  assert.deepEqual(parseDnsxlSite('zen.example.test'), {
    ok: true,
    value: { domain: 'zen.example.test', filter: null, spec: 'zen.example.test' },
  });
  assert.deepEqual(parseDnsxlSite('rbl.test=127.0.0.2;127.0.0.3'), {
    ok: false,
    error: 'RBL reply error: garbage after pattern at "127.0.0.2>;<127.0.0.3"',
  });
});
