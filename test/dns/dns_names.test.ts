/**
 * The small pieces under the resolver: reversed addresses, host name syntax,
 * server entries, hosts tables, error texts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reversedAddress, reverseName, sameAddress } from '../../src/dns/dns_arpa.ts';
import { parseHosts } from '../../src/dns/dns_hosts.ts';
import { hostnameProblem, validHostname } from '../../src/dns/dns_name.ts';
import { formatDnsServer, parseDnsServer, parseDnsServers } from '../../src/dns/dns_servers.ts';
import { dnsMissing, dnsStrerror, gaiStrerror } from '../../src/dns/dns_strerror.ts';

test('reverseName turns IPv4 octets and IPv6 nibbles around under the arpa zones', () => {
  assert.equal(reverseName('192.0.2.10'), '10.2.0.192.in-addr.arpa');
  assert.equal(
    reverseName('2001:db8::567:89ab'),
    'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
  );
  assert.equal(reverseName('::1'), `1${'.0'.repeat(31)}.ip6.arpa`);
  assert.equal(reversedAddress('::ffff:192.0.2.1'), '1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0');
  assert.equal(reverseName('example.test'), null);
  assert.equal(reverseName('192.0.2'), null);
});

test('sameAddress compares IPv6 addresses by value', () => {
  assert.equal(sameAddress('2001:db8::1', '2001:0db8:0:0:0:0:0:1'), true);
  assert.equal(sameAddress('2001:db8::1', '2001:db8::2'), false);
  assert.equal(sameAddress('192.0.2.1', '192.0.2.1'), true);
  assert.equal(sameAddress('192.0.2.1', '::ffff:192.0.2.2'), false);
});

test('validHostname accepts what Postfix valid_hostname() accepts', () => {
  for (const good of [
    'example.test',
    'a-b.example.test',
    '_dmarc.example.test',
    'x',
    '1a.test',
    '2.0.0.127.zen.test',
  ]) {
    assert.equal(validHostname(good), true, good);
  }
  const bad: Record<string, string> = {
    '': 'empty hostname',
    '-a.test': 'misplaced hyphen: -a.test',
    'a-.test': 'misplaced hyphen: a-.test',
    'a..test': 'misplaced delimiter: a..test',
    'a.test.': 'misplaced delimiter: a.test.',
    '1.2.3.4': 'numeric hostname: 1.2.3.4',
    'a b.test': 'invalid character 32(decimal): a b.test',
    [`${'a'.repeat(64)}.test`]: `hostname label too long: ${'a'.repeat(64)}.test`,
  };
  for (const [name, problem] of Object.entries(bad)) {
    assert.equal(validHostname(name), false, name);
    assert.equal(hostnameProblem(name), problem);
  }
  assert.equal(validHostname('*.example.test', true), true);
  assert.equal(validHostname('*.example.test'), false);
  assert.equal(validHostname(`${'a.'.repeat(127)}bb`), false, 'longer than 255');
});

test('parseDnsServer reads addr, addr:port, [v6]:port and bare IPv6', () => {
  assert.deepEqual(parseDnsServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353, family: 4 });
  assert.deepEqual(parseDnsServer('192.0.2.53'), { host: '192.0.2.53', port: 53, family: 4 });
  assert.deepEqual(parseDnsServer('[::1]:5353'), { host: '::1', port: 5353, family: 6 });
  assert.deepEqual(parseDnsServer('::1'), { host: '::1', port: 53, family: 6 });
  for (const bad of ['localhost', '127.0.0.1:0', '127.0.0.1:70000', '[127.0.0.1]:53', '']) {
    assert.equal(parseDnsServer(bad), null, bad);
  }
  assert.deepEqual(parseDnsServers(['127.0.0.1', 'dns.example']), {
    ok: false,
    error: 'invalid affix_dns_servers entry: "dns.example"',
  });
  assert.equal(formatDnsServer(parseDnsServer('[::1]:53')!), '[::1]:53');
});

test('parseHosts reads hosts(5) lines, first line wins for an address', () => {
  const hosts = parseHosts(
    '127.0.0.1 localhost\n127.0.0.1 other\n192.0.2.1 a.test a # alias\nbogus line\n::1 localhost\n',
  );
  assert.deepEqual(hosts.namesOf('127.0.0.1'), ['localhost']);
  assert.deepEqual(hosts.namesOf('192.0.2.1'), ['a.test', 'a']);
  assert.deepEqual(hosts.addressesOf('LOCALHOST'), ['127.0.0.1', '::1']);
  assert.deepEqual(hosts.addressesOf('localhost', 6), ['::1']);
  assert.deepEqual(hosts.namesOf('192.0.2.2'), []);
});

test('dns_strerror has Postfix and getaddrinfo() words for each error', () => {
  assert.equal(dnsStrerror('nxdomain'), 'Host not found');
  assert.equal(dnsStrerror('timeout'), 'Host not found, try again');
  assert.equal(dnsStrerror('nodata'), 'Host found but no data record of requested type');
  assert.equal(dnsStrerror('formerr'), 'Non-recoverable error');
  assert.equal(gaiStrerror('nxdomain'), 'Name or service not known');
  assert.equal(gaiStrerror('nodata'), 'No address associated with hostname');
  assert.equal(gaiStrerror('servfail'), 'Temporary failure in name resolution');
  assert.deepEqual(dnsMissing('refused', 'x.test', 'MX', 'x.test', 0, '127.0.0.1:53 answered REFUSED'), {
    status: 'retry',
    name: 'x.test',
    type: 'MX',
    error: 'refused',
    text: 'Host or domain name not found. Name service error for name=x.test type=MX: Host not found, try again',
    ttl: 0,
    detail: '127.0.0.1:53 answered REFUSED',
  });
});
