/**
 * dns_fcrdns: how smtpd names a client: PTR, then the PTR name's addresses,
 * and `unknown` with Postfix's warning when they do not agree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientHostname } from '../../src/dns/dns_fcrdns.ts';
import { parseHosts } from '../../src/dns/dns_hosts.ts';
import { dnsWithResolver } from './dns_fixtures.ts';

const ZONE = {
  '10.2.0.192.in-addr.arpa': { PTR: ['good.example.test'] },
  'good.example.test': { A: ['192.0.2.99', '192.0.2.10'], AAAA: ['2001:db8::10'] },
  '12.2.0.192.in-addr.arpa': { PTR: ['mismatch.example.test'] },
  'mismatch.example.test': { A: ['192.0.2.99'] },
  '13.2.0.192.in-addr.arpa': { PTR: ['gone.example.test'] },
  '14.2.0.192.in-addr.arpa': { PTR: ['v6only.example.test'] },
  'v6only.example.test': { AAAA: ['2001:db8::14'] },
  '15.2.0.192.in-addr.arpa': { fault: 'servfail' as const },
  '16.2.0.192.in-addr.arpa': { PTR: ['flaky.example.test'] },
  'flaky.example.test': { fault: 'servfail' as const },
  '17.2.0.192.in-addr.arpa': { PTR: ['192.0.2.17'] },
  '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa': { PTR: ['v6.example.test'] },
  'v6.example.test': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'] },
};

test('clientHostname confirms a PTR name that resolves back to the client address', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE });
  assert.deepEqual(await clientHostname(resolver, '192.0.2.10'), {
    addr: '192.0.2.10',
    name: 'good.example.test',
    reverseName: 'good.example.test',
    nameStatus: 'ok',
    reverseNameStatus: 'ok',
    reason: 'confirmed',
    warning: null,
    lookup: null,
  });
  // An IPv4 client: only A records of the name are asked, as hostname_to_sockaddr_pf() does.
  assert.deepEqual(
    dns.queries.map((q) => `${q.name} ${q.type}`),
    ['10.2.0.192.in-addr.arpa PTR', 'good.example.test A'],
  );
});

test('clientHostname without a PTR record: unknown, permanent, no warning', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const c = await clientHostname(resolver, '192.0.2.11');
  assert.equal(c.name, 'unknown');
  assert.equal(c.reverseName, 'unknown');
  assert.equal(c.nameStatus, 'perm');
  assert.equal(c.reverseNameStatus, 'perm');
  assert.equal(c.reason, 'no-ptr');
  assert.equal(c.warning, null);
  assert.equal(
    c.lookup?.text,
    'Host or domain name not found. Name service error for name=11.2.0.192.in-addr.arpa type=PTR: Host not found',
  );
});

test('clientHostname when the PTR name resolves to other addresses: forged, "does not resolve to address"', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const c = await clientHostname(resolver, '192.0.2.12');
  assert.equal(c.name, 'unknown');
  assert.equal(c.reverseName, 'mismatch.example.test');
  assert.equal(c.nameStatus, 'forged');
  assert.equal(c.reverseNameStatus, 'ok');
  assert.equal(c.reason, 'mismatch');
  assert.equal(c.warning, 'hostname mismatch.example.test does not resolve to address 192.0.2.12');
});

test('clientHostname when the PTR name does not resolve: the getaddrinfo() text follows', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const gone = await clientHostname(resolver, '192.0.2.13');
  assert.equal(gone.reason, 'name-not-found');
  assert.equal(gone.nameStatus, 'forged');
  assert.equal(
    gone.warning,
    'hostname gone.example.test does not resolve to address 192.0.2.13: Name or service not known',
  );
  const v6only = await clientHostname(resolver, '192.0.2.14');
  assert.equal(v6only.reason, 'name-not-found');
  assert.equal(
    v6only.warning,
    'hostname v6only.example.test does not resolve to address 192.0.2.14: No address associated with hostname',
  );
});

test('clientHostname on temporary failures: temp status, name unknown', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const ptr = await clientHostname(resolver, '192.0.2.15');
  assert.equal(ptr.reason, 'ptr-tempfail');
  assert.equal(ptr.nameStatus, 'temp');
  assert.equal(ptr.reverseNameStatus, 'temp');
  assert.equal(ptr.name, 'unknown');
  assert.equal(ptr.lookup?.status, 'retry');
  const forward = await clientHostname(resolver, '192.0.2.16');
  assert.equal(forward.reason, 'name-tempfail');
  assert.equal(forward.nameStatus, 'temp');
  assert.equal(forward.reverseNameStatus, 'ok');
  assert.equal(forward.reverseName, 'flaky.example.test');
  assert.equal(
    forward.warning,
    'hostname flaky.example.test does not resolve to address 192.0.2.16: Temporary failure in name resolution',
  );
});

test('clientHostname refuses a PTR that is an IP address', async (t) => {
  const { resolver } = await dnsWithResolver(t, { zone: ZONE });
  const c = await clientHostname(resolver, '192.0.2.17');
  assert.equal(c.name, 'unknown');
  assert.equal(c.reverseName, 'unknown');
  assert.equal(c.nameStatus, 'perm');
  assert.equal(c.warning, 'numeric hostname: 192.0.2.17');
});

test('clientHostname for an IPv6 client asks the ip6.arpa nibble name and AAAA records', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE });
  const c = await clientHostname(resolver, '2001:db8::1');
  assert.equal(c.name, 'v6.example.test');
  assert.equal(c.reason, 'confirmed');
  assert.deepEqual(
    dns.queries.map((q) => q.type),
    ['PTR', 'AAAA'],
  );
});

test('clientHostname takes names from a hosts table first, as the system name service does', async (t) => {
  const { resolver, dns } = await dnsWithResolver(t, { zone: ZONE });
  const hosts = parseHosts('# comment\n127.0.0.1\tlocalhost localhost.localdomain\n::1 localhost ip6-localhost\n');
  const c = await clientHostname(resolver, '127.0.0.1', { hosts });
  assert.equal(c.name, 'localhost');
  assert.equal(c.reason, 'confirmed');
  const v6 = await clientHostname(resolver, '::1', { hosts });
  assert.equal(v6.name, 'localhost');
  assert.deepEqual(dns.queries, []);
});
