/**
 * The test DNS server (test/peers/dns_server.ts) checked with an independent
 * client, node:dns (c-ares), so other tests can rely on what it answers.
 */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { test } from 'node:test';
import { startDnsServer } from '../peers/dns_server.ts';

test('dns_server answers c-ares on 127.0.0.1: records, NXDOMAIN, NODATA, SERVFAIL, long TXT over TCP', async (t) => {
  const dns = await startDnsServer(t, {
    zone: {
      'example.test': { MX: [[10, 'mx.example.test']], TXT: ['x'.repeat(700)] },
      'mx.example.test': { A: ['192.0.2.10'] },
      'sf.test': { fault: 'servfail' },
    },
  });
  assert.equal(dns.host, '127.0.0.1');
  assert.deepEqual(dns.servers, [`127.0.0.1:${dns.port}`]);
  const r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([...dns.servers]);
  assert.deepEqual(await r.resolveMx('example.test'), [{ exchange: 'mx.example.test', priority: 10 }]);
  assert.deepEqual(await r.resolve4('mx.example.test', { ttl: true }), [{ address: '192.0.2.10', ttl: 300 }]);
  const txt = await r.resolveTxt('example.test');
  assert.equal(txt[0]?.join(''), 'x'.repeat(700));
  await assert.rejects(r.resolve4('nx.test'), { code: 'ENOTFOUND' });
  await assert.rejects(r.resolve4('example.test'), { code: 'ENODATA' });
  await assert.rejects(r.resolve4('sf.test'), { code: 'ESERVFAIL' });
  assert.deepEqual(
    dns.queriesFor('example.test', 'TXT').map((q) => q.transport),
    ['udp', 'tcp'],
  );
});

test('dns_server changes its zone on the fly and logs every question', async (t) => {
  const dns = await startDnsServer(t, { zone: {} });
  const r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([...dns.servers]);
  await assert.rejects(r.resolve4('late.test'), { code: 'ENOTFOUND' });
  dns.set('late.test', { A: ['192.0.2.44'] });
  assert.deepEqual(await r.resolve4('late.test'), ['192.0.2.44']);
  dns.set('late.test', null);
  await assert.rejects(r.resolve4('late.test'), { code: 'ENOTFOUND' });
  assert.deepEqual(dns.queriesFor('LATE.test.', 'A').length, 3);
  dns.clearQueries();
  assert.deepEqual(dns.queries, []);
});

test('dns_server closes cleanly while an answer is still delayed', async () => {
  const dns = await startDnsServer(null, { zone: { 'slow.test': { A: ['192.0.2.1'], delay: 5_000 } } });
  const r = new Resolver({ timeout: 200, tries: 1 });
  r.setServers([...dns.servers]);
  const pending = r.resolve4('slow.test').catch((err: NodeJS.ErrnoException) => err.code);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  await dns.close();
  assert.ok(Date.now() - started < 1_000);
  assert.equal(await pending, 'ETIMEOUT');
});
