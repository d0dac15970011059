/**
 * dns_cache: the resolver's bounded TTL cache, with negative caching,
 * expiry on an injected clock, a size bound, and merged lookups in flight.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsCache } from '../../src/dns/dns_cache.ts';
import { dnsWithResolver, fakeClock } from './dns_fixtures.ts';

const ZONE = {
  'example.test': { MX: [[10, 'mx.example.test']] as [number, string][], A: ['192.0.2.1'] },
  'a.test': { A: ['192.0.2.1'] },
  'b.test': { A: ['192.0.2.2'] },
  'c.test': { A: ['192.0.2.3'] },
  'long.test': { A: ['192.0.2.4'], ttl: 86400 },
  'zero.test': { A: ['192.0.2.5'], ttl: 0 },
  'servfail.test': { fault: 'servfail' as const },
};

test('the resolver answers a repeated lookup from its cache, with the TTL counting down', async (t) => {
  const clock = fakeClock();
  const { dns, resolver } = await dnsWithResolver(t, { zone: ZONE, ttl: 300 }, { clock: clock.read });
  const first = await resolver.mx('example.test');
  clock.now += 100_000;
  const second = await resolver.mx('example.test');
  assert.equal(dns.queriesFor('example.test', 'MX').length, 1);
  assert.equal(first.ttl, 300);
  assert.equal(second.ttl, 200);
  assert.deepEqual(second.status === 'ok' && second.records, first.status === 'ok' && first.records);
});

test('the resolver asks again once the TTL has passed', async (t) => {
  const clock = fakeClock();
  const { dns, resolver } = await dnsWithResolver(t, { zone: ZONE, ttl: 60 }, { clock: clock.read });
  await resolver.a('a.test');
  clock.now += 59_000;
  await resolver.a('a.test');
  assert.equal(dns.queriesFor('a.test').length, 1);
  clock.now += 1_000;
  await resolver.a('a.test');
  assert.equal(dns.queriesFor('a.test').length, 2);
});

test('the resolver keeps an answer no longer than cacheMaxTtl, and a TTL of 0 not at all', async (t) => {
  const clock = fakeClock();
  const { dns, resolver } = await dnsWithResolver(t, { zone: ZONE }, { clock: clock.read, cacheMaxTtl: 30 });
  await resolver.a('long.test');
  clock.now += 29_000;
  await resolver.a('long.test');
  assert.equal(dns.queriesFor('long.test').length, 1);
  clock.now += 2_000;
  await resolver.a('long.test');
  assert.equal(dns.queriesFor('long.test').length, 2);
  await resolver.a('zero.test');
  await resolver.a('zero.test');
  assert.equal(dns.queriesFor('zero.test').length, 2);
});

test('the resolver caches NXDOMAIN and NODATA for the SOA negative TTL, at most ncacheMaxTtl', async (t) => {
  const clock = fakeClock();
  const { dns, resolver } = await dnsWithResolver(
    t,
    { zone: ZONE, negativeTtl: 600 },
    { clock: clock.read, ncacheMaxTtl: 120 },
  );
  const nx = await resolver.a('nx.test');
  assert.equal(nx.ttl, 600, 'the result tells the TTL the server gave');
  await resolver.a('nx.test');
  await resolver.aaaa('a.test');
  await resolver.aaaa('a.test');
  assert.equal(dns.queriesFor('nx.test').length, 1);
  assert.equal(dns.queriesFor('a.test', 'AAAA').length, 1);
  clock.now += 121_000;
  await resolver.a('nx.test');
  assert.equal(dns.queriesFor('nx.test').length, 2);
});

test('the resolver does not cache a negative answer without an SOA (RFC 2308)', async (t) => {
  const { dns, resolver } = await dnsWithResolver(t, { zone: ZONE, negativeTtl: null });
  const nx = await resolver.a('nx.test');
  assert.equal(nx.ttl, 0);
  await resolver.a('nx.test');
  assert.equal(dns.queriesFor('nx.test').length, 2);
});

test('the resolver does not cache SERVFAIL unless retryTtl says so', async (t) => {
  const clock = fakeClock();
  const plain = await dnsWithResolver(t, { zone: ZONE }, { clock: clock.read });
  await plain.resolver.a('servfail.test');
  await plain.resolver.a('servfail.test');
  assert.equal(plain.dns.queriesFor('servfail.test').length, 2);
  const brief = await dnsWithResolver(t, { zone: ZONE }, { clock: clock.read, retryTtl: 5 });
  await brief.resolver.a('servfail.test');
  const again = await brief.resolver.a('servfail.test');
  assert.equal(again.status, 'retry');
  assert.equal(brief.dns.queriesFor('servfail.test').length, 1);
  clock.now += 5_000;
  await brief.resolver.a('servfail.test');
  assert.equal(brief.dns.queriesFor('servfail.test').length, 2);
});

test('the resolver cache holds at most cacheSize results and drops the least recently used', async (t) => {
  const { dns, resolver } = await dnsWithResolver(t, { zone: ZONE }, { cacheSize: 2 });
  await resolver.a('a.test');
  await resolver.a('b.test');
  await resolver.a('a.test'); // a is now the most recently used
  await resolver.a('c.test'); // evicts b
  assert.equal(resolver.cached, 2);
  await resolver.a('a.test');
  assert.equal(dns.queriesFor('a.test').length, 1);
  await resolver.a('b.test');
  assert.equal(dns.queriesFor('b.test').length, 2);
});

test('the resolver with cacheSize 0 asks every time', async (t) => {
  const { dns, resolver } = await dnsWithResolver(t, { zone: ZONE }, { cacheSize: 0 });
  await resolver.a('a.test');
  await resolver.a('a.test');
  assert.equal(dns.queriesFor('a.test').length, 2);
  assert.equal(resolver.cached, 0);
});

test('the resolver merges identical lookups in flight into one query', async (t) => {
  const { dns, resolver } = await dnsWithResolver(t, { zone: { 'slow.test': { A: ['192.0.2.9'], delay: 50 } } });
  const results = await Promise.all([resolver.a('slow.test'), resolver.a('SLOW.test'), resolver.a('slow.test.')]);
  assert.ok(results.every((r) => r.status === 'ok'));
  assert.equal(dns.queriesFor('slow.test').length, 1);
});

test('DnsCache expires entries by its clock and reports the remaining TTL', () => {
  const cache = new DnsCache<string>(10);
  cache.set('k', 'v', 10, 1_000);
  assert.deepEqual(cache.get('k', 5_500), { value: 'v', ttl: 6 });
  assert.equal(cache.get('k', 11_000), undefined);
  assert.equal(cache.size, 0);
});
