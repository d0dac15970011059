/**
 * MX ordering and null MX, and the address records of a host: what the smtp
 * client asks before it connects.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DnsMxRr, seededRandom, sortMx } from '../../src/dns/dns_rr.ts';
import { dnsWithResolver } from './dns_fixtures.ts';

const mx = (preference: number, exchange: string): DnsMxRr => ({ type: 'MX', preference, exchange });

const MX_ZONE = {
  'multi.test': {
    MX: [
      [20, 'b1.multi.test'],
      [10, 'a1.multi.test'],
      [20, 'b2.multi.test'],
      [10, 'a2.multi.test'],
      [20, 'b3.multi.test'],
      [30, 'c1.multi.test'],
    ] as [number, string][],
  },
  'nullmx.test': { MX: [[0, '.']] as [number, string][] },
};

test('resolver.mx sorts by preference and shuffles equal preferences', async (t) => {
  const orders = new Set<string>();
  for (let seed = 1; seed <= 20; seed++) {
    const { resolver } = await dnsWithResolver(t, { zone: MX_ZONE }, { random: seededRandom(seed) });
    const r = await resolver.mx('multi.test');
    assert.equal(r.status, 'ok');
    const records = r.status === 'ok' ? r.records : [];
    assert.deepEqual(
      records.map((rr) => rr.preference),
      [10, 10, 20, 20, 20, 30],
    );
    assert.deepEqual(records.map((rr) => rr.exchange).sort(), [
      'a1.multi.test',
      'a2.multi.test',
      'b1.multi.test',
      'b2.multi.test',
      'b3.multi.test',
      'c1.multi.test',
    ]);
    orders.add(records.map((rr) => rr.exchange).join(' '));
  }
  assert.ok(orders.size > 3, `only ${orders.size} orders in 20 shuffles`);
});

test('resolver.mx shuffles again on every lookup, even from the cache', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: MX_ZONE }, { random: seededRandom(7) });
  const orders = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const r = await resolver.mx('multi.test');
    orders.add(r.status === 'ok' ? r.records.map((rr) => rr.exchange).join(' ') : '');
  }
  assert.equal(dns.queries.length, 1);
  assert.ok(orders.size > 1);
});

test('sortMx is deterministic for a given random source', () => {
  const rrs = [mx(5, 'a'), mx(5, 'b'), mx(5, 'c'), mx(5, 'd'), mx(1, 'z')];
  assert.deepEqual(sortMx(rrs, seededRandom(3)), sortMx(rrs, seededRandom(3)));
  // With random() always 0, Fisher-Yates swaps each position with the first.
  assert.deepEqual(
    sortMx(rrs, () => 0).map((rr) => rr.exchange),
    ['z', 'b', 'c', 'd', 'a'],
  );
});

test('resolver.mx reports a null MX (RFC 7505) as nullmx with Postfix text', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: MX_ZONE });
  const r = await resolver.mx('nullmx.test');
  assert.equal(r.status, 'nullmx');
  assert.equal(r.text, 'Domain nullmx.test does not accept mail (nullMX)');
});

const HOST_ZONE = {
  'dual.test': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'] },
  'v6only.test': { AAAA: ['2001:db8::2'] },
  'flaky4.test': { fault: { A: 'servfail' as const } },
  'empty.test': {},
};

test('resolver.hostAddresses returns A then AAAA records of a host', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: HOST_ZONE });
  const dual = await resolver.hostAddresses('dual.test');
  assert.deepEqual(dual.status === 'ok' && dual.records.map((rr) => rr.address), ['192.0.2.1', '2001:db8::1']);
  const v4 = await resolver.hostAddresses('dual.test', ['ipv4']);
  assert.deepEqual(v4.status === 'ok' && v4.records.map((rr) => rr.address), ['192.0.2.1']);
  const v6 = await resolver.hostAddresses('v6only.test');
  assert.deepEqual(v6.status === 'ok' && v6.records.map((rr) => rr.address), ['2001:db8::2']);
});

test('resolver.hostAddresses: like dns_lookup_v, retry beats notfound, and the last equal failure speaks', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: HOST_ZONE });
  const flaky = await resolver.hostAddresses('flaky4.test');
  assert.equal(flaky.status, 'retry');
  assert.equal(
    flaky.text,
    'Host or domain name not found. Name service error for name=flaky4.test type=A: Host not found, try again',
  );
  const nx = await resolver.hostAddresses('nx.test');
  assert.equal(nx.status, 'notfound');
  assert.equal(nx.text, 'Host or domain name not found. Name service error for name=nx.test type=AAAA: Host not found');
  const nx4 = await resolver.hostAddresses('nx.test', ['ipv4']);
  assert.equal(
    nx4.status !== 'ok' && nx4.text,
    'Host or domain name not found. Name service error for name=nx.test type=A: Host not found',
  );
  const empty = await resolver.hostAddresses('empty.test');
  assert.equal(empty.status !== 'ok' && empty.error, 'nodata');
});
