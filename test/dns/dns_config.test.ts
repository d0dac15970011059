/**
 * dns_config: a resolver built from main.cf, and the SMTP client's DNS
 * switch (smtp_dns_support_level over disable_dns_lookups).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/config/config_error.ts';
import { createDnsResolver, dnsResolverOptions, smtpDnsSupport } from '../../src/dns/dns_config.ts';
import { startDnsServer } from '../peers/dns_server.ts';
import { configDir } from '../peers/tmpdir.ts';

test('createDnsResolver asks the servers of affix_dns_servers with main.cf timeouts', async (t) => {
  const dns = await startDnsServer(t, { zone: { 'example.test': { A: ['192.0.2.1'] } } });
  const dir = configDir(t, `affix_dns_servers = ${dns.servers[0]}\naffix_dns_timeout = 2\naffix_dns_tries = 3\n`);
  const config = await readConfig(dir);
  assert.deepEqual(dnsResolverOptions(config.params), {
    servers: [dns.servers[0]],
    timeout: 2000,
    tries: 3,
    cacheSize: 1000,
    cacheMaxTtl: 3600,
    ncacheMaxTtl: 300,
  });
  const resolver = createDnsResolver(config);
  assert.deepEqual(resolver.servers, [{ host: '127.0.0.1', port: dns.port, family: 4 }]);
  const r = await resolver.a('example.test');
  assert.equal(r.status, 'ok');
  assert.equal(dns.queries.length, 1);
});

test('createDnsResolver refuses a server entry that is not an address', async (t) => {
  const dir = configDir(t, 'affix_dns_servers = 127.0.0.1:5353, dns.example.test\n');
  const config = await readConfig(dir);
  assert.throws(
    () => createDnsResolver(config),
    (err) => err instanceof ConfigError && err.message === 'invalid affix_dns_servers entry: "dns.example.test"',
  );
});

test('affix_dns_* parameters have their defaults and Postfix-style value errors', async (t) => {
  const config = await readConfig(configDir(t, 'affix_dns_tries = 0\n'));
  assert.deepEqual(config.params.affix_dns_servers, []);
  assert.equal(config.params.affix_dns_timeout, 5);
  assert.equal(config.params.affix_dns_ncache_max_ttl, 300);
  assert.throws(() => config.params.affix_dns_tries, /invalid affix_dns_tries parameter value 0 < 1/);
});

test('smtpDnsSupport: smtp_dns_support_level wins; empty falls back to disable_dns_lookups', async (t) => {
  assert.equal(smtpDnsSupport({ smtp_dns_support_level: '', disable_dns_lookups: false }), 'enabled');
  assert.equal(smtpDnsSupport({ smtp_dns_support_level: '', disable_dns_lookups: true }), 'disabled');
  assert.equal(smtpDnsSupport({ smtp_dns_support_level: 'enabled', disable_dns_lookups: true }), 'enabled');
  assert.equal(smtpDnsSupport({ smtp_dns_support_level: 'disabled', disable_dns_lookups: false }), 'disabled');
  // dnssec (for DANE): DNS on, with the resolver's AD bit trusted as Postfix does.
  const config = await readConfig(configDir(t, 'smtp_dns_support_level = dnssec\n'));
  assert.equal(config.params.smtp_dns_support_level, 'dnssec');
  assert.equal(smtpDnsSupport(config.params), 'dnssec');
  const bad = await readConfig(configDir(t, 'smtp_dns_support_level = dnssec-please\n'));
  assert.throws(() => bad.params.smtp_dns_support_level, /invalid smtp_dns_support_level: "dnssec-please"/);
});
