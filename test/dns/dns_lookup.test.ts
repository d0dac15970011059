/**
 * dns_lookup: every record type against the test DNS server, and how each
 * kind of failure is classified and worded, as Postfix's dns_lookup() does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsMissing, DnsResult } from '../../src/dns/dns_result.ts';
import type { DnsRr } from '../../src/dns/dns_rr.ts';
import { dnsWithResolver } from './dns_fixtures.ts';

const ZONE = {
  'example.test': {
    MX: [[10, 'mx.example.test']] as [number, string][],
    A: ['192.0.2.1'],
    AAAA: ['2001:db8::1'],
    TXT: ['v=spf1 -all'],
  },
  'mx.example.test': { A: ['192.0.2.10', '192.0.2.11'] },
  '10.2.0.192.in-addr.arpa': { PTR: ['mx.example.test'] },
  'alias.example.test': { CNAME: 'mx.example.test' },
  'ext.example.test': { CNAME: 'target.elsewhere.test' },
  'loop1.example.test': { CNAME: 'loop2.example.test' },
  'loop2.example.test': { CNAME: 'loop1.example.test' },
  'deep.sub.example.test': { A: ['192.0.2.20'] },
  'servfail.test': { fault: 'servfail' as const },
  'refused.test': { fault: 'refused' as const },
  'formerr.test': { fault: 'formerr' as const },
  'notimp.test': { fault: 'notimp' as const },
  'garbled.test': { fault: 'malformed' as const },
  'silent.test': { fault: 'drop' as const },
  'mixed.test': { A: ['192.0.2.30'], fault: { MX: 'servfail' as const } },
};

function missing(r: DnsResult<DnsRr>): DnsMissing {
  assert.notEqual(r.status, 'ok', `expected a failure, got ${JSON.stringify(r)}`);
  return r as DnsMissing;
}

test('dns_lookup finds A, AAAA, MX, TXT and PTR records with their TTL', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE, ttl: 120 });
  assert.deepEqual(await resolver.a('example.test'), {
    status: 'ok',
    name: 'example.test',
    type: 'A',
    records: [{ type: 'A', address: '192.0.2.1' }],
    ttl: 120,
  });
  const aaaa = await resolver.aaaa('example.test');
  assert.deepEqual(aaaa.status === 'ok' && aaaa.records, [{ type: 'AAAA', address: '2001:db8::1' }]);
  const mx = await resolver.mx('example.test');
  assert.deepEqual(mx.status === 'ok' && mx.records, [{ type: 'MX', preference: 10, exchange: 'mx.example.test' }]);
  const txt = await resolver.txt('example.test');
  assert.deepEqual(txt.status === 'ok' && txt.records, [{ type: 'TXT', text: 'v=spf1 -all', chunks: ['v=spf1 -all'] }]);
  const ptr = await resolver.ptr('192.0.2.10');
  assert.equal(ptr.name, '10.2.0.192.in-addr.arpa');
  assert.deepEqual(ptr.status === 'ok' && ptr.records, [{ type: 'PTR', name: 'mx.example.test' }]);
});

test('dns_lookup accepts an absolute name and answers for it without the dot', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE });
  const r = await resolver.a('mx.example.test.');
  assert.equal(r.name, 'mx.example.test');
  assert.deepEqual(r.status === 'ok' && r.records.map((rr) => rr.address), ['192.0.2.10', '192.0.2.11']);
  assert.equal(dns.queriesFor('mx.example.test', 'A').length, 1);
});

test('dns_lookup: NXDOMAIN is notfound, "Host not found", with the SOA negative TTL', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE, negativeTtl: 42 });
  assert.deepEqual(await resolver.mx('nx.test'), {
    status: 'notfound',
    name: 'nx.test',
    type: 'MX',
    error: 'nxdomain',
    text: 'Host or domain name not found. Name service error for name=nx.test type=MX: Host not found',
    ttl: 42,
  });
});

test('dns_lookup: NODATA is notfound, "Host found but no data record of requested type"', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const r = missing(await resolver.mx('mx.example.test'));
  assert.equal(r.status, 'notfound');
  assert.equal(r.error, 'nodata');
  assert.equal(
    r.text,
    'Host or domain name not found. Name service error for name=mx.example.test type=MX: Host found but no data record of requested type',
  );
  // A name that only has names below it exists too (an empty non-terminal).
  assert.equal(missing(await resolver.a('sub.example.test')).error, 'nodata');
});

test('dns_lookup: SERVFAIL, REFUSED, NOTIMP are retry, "Host not found, try again"', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  for (const [name, error] of [
    ['servfail.test', 'servfail'],
    ['refused.test', 'refused'],
    ['notimp.test', 'notimp'],
  ] as const) {
    const r = missing(await resolver.mx(name));
    assert.equal(r.status, 'retry', name);
    assert.equal(r.error, error);
    assert.equal(
      r.text,
      `Host or domain name not found. Name service error for name=${name} type=MX: Host not found, try again`,
    );
  }
});

test('dns_lookup: FORMERR is fail, "Non-recoverable error"', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const r = missing(await resolver.a('formerr.test'));
  assert.equal(r.status, 'fail');
  assert.equal(
    r.text,
    'Host or domain name not found. Name service error for name=formerr.test type=A: Non-recoverable error',
  );
});

test('dns_lookup: no answer within timeout x tries is retry, each try asked again', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE }, { timeout: 100, tries: 3 });
  const started = Date.now();
  const r = missing(await resolver.a('silent.test'));
  assert.ok(Date.now() - started >= 290, `gave up after ${Date.now() - started} ms`);
  assert.equal(r.status, 'retry');
  assert.equal(r.error, 'timeout');
  assert.equal(
    r.text,
    'Host or domain name not found. Name service error for name=silent.test type=A: Host not found, try again',
  );
  assert.equal(dns.queriesFor('silent.test').length, 3);
});

test('dns_lookup: an unparsable answer is retry, "Malformed or unexpected name server reply"', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const r = missing(await resolver.a('garbled.test'));
  assert.equal(r.status, 'retry');
  assert.equal(r.error, 'malformed');
  assert.equal(r.text, 'Name service error for name=garbled.test type=A: Malformed or unexpected name server reply');
});

test('dns_lookup refuses an invalid or numeric name without asking', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE });
  for (const name of ['-bad.example.test', 'a..b.test', '192.0.2.1', 'under score.test']) {
    const r = missing(await resolver.a(name));
    assert.equal(r.status, 'notfound', name);
    assert.equal(r.error, 'badname');
    assert.equal(r.text, `Name service error for ${name}: invalid host or domain name`);
  }
  assert.deepEqual(dns.queries, []);
});

test('dns_lookup follows a CNAME in the answer, and asks again for an out-of-zone target', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE, ttl: 300 });
  const r = await resolver.a('alias.example.test');
  assert.deepEqual(r.status === 'ok' && r.records.map((rr) => rr.address), ['192.0.2.10', '192.0.2.11']);
  assert.equal(dns.queries.length, 1);
  // The server only has the CNAME; the target does not exist: Postfix names the target.
  const ext = missing(await resolver.a('ext.example.test'));
  assert.equal(ext.name, 'ext.example.test');
  assert.equal(
    ext.text,
    'Host or domain name not found. Name service error for name=target.elsewhere.test type=A: Host not found',
  );
  assert.equal(dns.queriesFor('target.elsewhere.test', 'A').length, 1);
});

test('dns_lookup stops a CNAME loop after 10 queries: notfound, "Name server loop"', async (t) => {
  const { resolver, dns, warnings } = await dnsWithResolver(t, { zone: ZONE });
  const r = missing(await resolver.a('loop1.example.test'));
  assert.equal(r.status, 'notfound');
  assert.equal(r.error, 'loop');
  assert.match(r.text, /^Name server loop for loop[12]\.example\.test$/);
  assert.equal(dns.queries.length, 10);
  assert.deepEqual(warnings, [`dns_lookup: ${r.text}`]);
});

test('dns_lookup keeps the status per type: MX SERVFAIL while A answers', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  assert.equal((await resolver.mx('mixed.test')).status, 'retry');
  assert.equal((await resolver.a('mixed.test')).status, 'ok');
});

test('dns_lookup joins a TXT record longer than 255 bytes from its chunks, over TCP', async (t) => {
  const long = `v=DKIM1; k=rsa; p=${'A'.repeat(600)}`;
  const { resolver, dns } = await dnsWithResolver(t, {
    zone: {
      'sel._domainkey.example.test': { TXT: [long] },
      'two.test': { TXT: [['v=spf1 ', 'ip4:192.0.2.0/24 ', '-all']] },
    },
  });
  const r = await resolver.txt('sel._domainkey.example.test');
  assert.equal(r.status, 'ok');
  const [rr] = r.status === 'ok' ? r.records : [];
  assert.equal(rr?.text, long);
  assert.deepEqual(
    rr?.chunks.map((c) => c.length),
    [255, 255, long.length - 510],
  );
  // 600+ bytes do not fit a 512-byte UDP answer: the server truncates, the resolver asks over TCP.
  assert.deepEqual(
    dns.queriesFor('sel._domainkey.example.test').map((q) => q.transport),
    ['udp', 'tcp'],
  );
  const two = await resolver.txt('two.test');
  assert.deepEqual(two.status === 'ok' && two.records[0], {
    type: 'TXT',
    text: 'v=spf1 ip4:192.0.2.0/24 -all',
    chunks: ['v=spf1 ', 'ip4:192.0.2.0/24 ', '-all'],
  });
});

test('dns_lookup asks again over TCP when the UDP answer is truncated', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: { 'tc.test': { A: ['192.0.2.5'], truncate: true } } });
  const r = await resolver.a('tc.test');
  assert.deepEqual(r.status === 'ok' && r.records, [{ type: 'A', address: '192.0.2.5' }]);
  assert.deepEqual(
    dns.queries.map((q) => q.transport),
    ['udp', 'tcp'],
  );
});

test('dns_lookup drops a malformed MX exchange with a warning, and is inval when none is left', async (t) => {
  const { resolver, warnings } = await dnsWithResolver(t, {
    zone: {
      'some.test': {
        MX: [
          [10, 'bad-.some.test'],
          [20, 'good.some.test'],
        ],
      },
      'only.test': { MX: [[10, 'bad-.only.test']] },
    },
  });
  const some = await resolver.mx('some.test');
  assert.deepEqual(some.status === 'ok' && some.records.map((rr) => rr.exchange), ['good.some.test']);
  assert.deepEqual(warnings, ['malformed domain name in resource data of MX record for some.test: bad-.some.test']);
  const only = missing(await resolver.mx('only.test'));
  assert.equal(only.status, 'inval');
  assert.equal(only.text, 'Name service error for name=only.test type=MX: Malformed or unexpected name server reply');
});
