/**
 * Outbound transport security, the library part (src/auth): MTA-STS
 * policies fetched from an HTTPS policy server on 127.0.0.1 with a test CA
 * (injected as a trust anchor, no port 443 needed), cached for max_age and
 * kept through a failed refresh, enforce and testing modes matched against
 * MX names; TLSA records from a test DNS server that sets the AD bit (and
 * an unsigned zone that does not), matched against real certificate chains
 * for DANE-EE and DANE-TA; TLS-RPT aggregate reports in RFC 8460's JSON.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { daneVerify } from '../../src/auth/auth_dane.ts';
import { MtaStsClient, mtaStsMxAllowed } from '../../src/auth/auth_mta_sts.ts';
import { type TlsaRecord, tlsaLookup, usableTlsa } from '../../src/auth/auth_tlsa.ts';
import { TlsRptCollector } from '../../src/auth/auth_tlsrpt.ts';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { parseDnsServers } from '../../src/dns/dns_servers.ts';
import { startDnsServer } from '../peers/dns_server.ts';
import { makeTestCerts } from '../peers/test_certs.ts';
import { tempDir } from '../peers/tmpdir.ts';

/** An HTTPS policy server on 127.0.0.1 answering with `body` (and `type`), counting requests. */
async function policyServer(t: TestContext, key: string, cert: string, body: () => string, type = 'text/plain') {
  let requests = 0;
  const server = createServer({ key, cert }, (req, res) => {
    requests++;
    if (req.url !== '/.well-known/mta-sts.txt') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': type }).end(body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, requests: () => requests };
}

const POLICY = 'version: STSv1\nmode: enforce\nmx: mx1.sts.test\nmx: *.backup.sts.test\nmax_age: 86400\n';

test('MTA-STS: the policy is fetched over HTTPS with the test CA, enforced per MX name, and cached for max_age', async (t) => {
  const certs = makeTestCerts(t, 'mta-sts.sts.test');
  let body = POLICY;
  const https = await policyServer(t, certs.valid.key, certs.valid.cert, () => body);
  const dns = await startDnsServer(t, {
    zone: {
      '_mta-sts.sts.test': { TXT: ['v=STSv1; id=20261129'] },
      'mta-sts.sts.test': { A: ['127.0.0.1'] },
    },
  });
  let now = Date.UTC(2026, 10, 29);
  const client = new MtaStsClient({
    dns: new DnsResolver({ servers: dns.servers, timeout: 500, tries: 1, cacheSize: 0 }),
    port: https.port,
    ca: [readFileSync(certs.caFile, 'utf8')],
    clock: () => now,
  });
  const first = await client.lookup('sts.test');
  assert.equal(first.status, 'policy');
  assert.ok(first.status === 'policy');
  assert.equal(first.policy.mode, 'enforce');
  assert.equal(first.cached, false);
  assert.equal(mtaStsMxAllowed(first.policy, 'mx1.sts.test'), true);
  assert.equal(mtaStsMxAllowed(first.policy, 'a.backup.sts.test'), true);
  assert.equal(mtaStsMxAllowed(first.policy, 'a.b.backup.sts.test'), false, 'a wildcard covers one label');
  assert.equal(mtaStsMxAllowed(first.policy, 'mx.attacker.test'), false);
  // Same id, within max_age: no second fetch.
  const again = await client.lookup('sts.test');
  assert.ok(again.status === 'policy' && again.cached);
  assert.equal(https.requests(), 1);
  // A new id is fetched; a broken policy then leaves the cached one in force (RFC 8461 section 5.1).
  dns.set('_mta-sts.sts.test', { TXT: ['v=STSv1; id=20261130'] });
  body = 'garbage';
  const kept = await client.lookup('sts.test');
  assert.ok(kept.status === 'policy' && kept.cached && kept.policy.id === '20261129');
  // After max_age the broken policy is an error.
  now += 86401 * 1000;
  const broken = await client.lookup('sts.test');
  assert.equal(broken.status, 'error');
  assert.ok(broken.status === 'error' && broken.resultType === 'sts-policy-invalid');
  // No TXT record, nothing cached: no policy.
  assert.deepEqual(await client.lookup('plain.test'), { status: 'none' });
});

test('MTA-STS: testing mode, and a policy host with a certificate for another name (sts-webpki-invalid)', async (t) => {
  const certs = makeTestCerts(t, 'mta-sts.sts.test');
  const good = await policyServer(t, certs.valid.key, certs.valid.cert, () => POLICY.replace('enforce', 'testing'));
  const bad = await policyServer(t, certs.wrongName.key, certs.wrongName.cert, () => POLICY);
  const dns = await startDnsServer(t, {
    zone: {
      '_mta-sts.sts.test': { TXT: ['v=STSv1; id=1'] },
      'mta-sts.sts.test': { A: ['127.0.0.1'] },
    },
  });
  const make = (port: number) =>
    new MtaStsClient({
      dns: new DnsResolver({ servers: dns.servers, timeout: 500, tries: 1 }),
      port,
      ca: [readFileSync(certs.caFile, 'utf8')],
    });
  const testing = await make(good.port).lookup('sts.test');
  assert.ok(testing.status === 'policy' && testing.policy.mode === 'testing');
  const wrong = await make(bad.port).lookup('sts.test');
  assert.ok(wrong.status === 'error', JSON.stringify(wrong));
  assert.equal(wrong.resultType, 'sts-webpki-invalid');
  assert.match(wrong.reason, /^https:\/\/mta-sts\.sts\.test\/\.well-known\/mta-sts\.txt: /);
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

test('DANE: TLSA records count only with the AD bit; an unsigned zone is insecure, a signed empty one has none', async (t) => {
  const certs = makeTestCerts(t, 'mx.dane.test');
  const leaf = new X509Certificate(certs.valid.cert);
  const spki = sha256(leaf.publicKey.export({ type: 'spki', format: 'der' }));
  const dns = await startDnsServer(t, {
    authenticData: true,
    zone: {
      '_25._tcp.mx.dane.test': {
        TLSA: [
          [3, 1, 1, spki.toString('hex')],
          [1, 1, 1, 'ab'],
        ],
      },
      '_25._tcp.mx.unsigned.test': { TLSA: [[3, 1, 1, spki.toString('hex')]], insecure: true },
      'mx.signed.test': { A: ['192.0.2.1'] },
      '_25._tcp.broken.test': { fault: 'servfail' },
    },
  });
  const parsed = parseDnsServers(dns.servers);
  assert.ok(parsed.ok);
  const o = { servers: parsed.value, timeout: 500, tries: 1 };
  const secure = await tlsaLookup('mx.dane.test', 25, o);
  assert.equal(secure.status, 'secure');
  assert.ok(secure.status === 'secure');
  assert.equal(usableTlsa(secure.records).length, 1, 'PKIX-EE (1) is not used for SMTP');
  assert.equal((await tlsaLookup('mx.unsigned.test', 25, o)).status, 'insecure');
  assert.equal((await tlsaLookup('mx.signed.test', 25, o)).status, 'notfound');
  assert.equal((await tlsaLookup('broken.test', 25, o)).status, 'error');
  assert.ok(dns.queriesFor('_25._tcp.mx.dane.test', 'TLSA').length > 0);
});

test('DANE-EE matches the server key whatever its name and dates; DANE-TA needs the chain and the name', (t) => {
  const certs = makeTestCerts(t, 'mx.dane.test');
  const leaf = new X509Certificate(certs.valid.cert);
  const ca = new X509Certificate(readFileSync(certs.caFile));
  const expired = new X509Certificate(certs.expired.cert);
  const ee = (c: X509Certificate): TlsaRecord => ({
    usage: 3,
    selector: 1,
    matchingType: 1,
    data: sha256(c.publicKey.export({ type: 'spki', format: 'der' })),
  });
  const ta: TlsaRecord = { usage: 2, selector: 0, matchingType: 1, data: sha256(ca.raw) };
  assert.deepEqual(daneVerify([leaf, ca], [ee(leaf)], ['mx.dane.test']), {
    ok: true,
    match: '3 1 1',
    why: null,
    record: ee(leaf),
    depth: 0,
  });
  assert.equal(daneVerify([expired], [ee(expired)], ['other.test']).ok, true, 'DANE-EE ignores names and dates');
  assert.equal(daneVerify([leaf, ca], [ta], ['mx.dane.test']).match, '2 0 1');
  assert.equal(daneVerify([leaf, ca], [ta], ['mx.dane.test']).depth, 1, 'the trust anchor is the CA, one up');
  assert.match(daneVerify([leaf, ca], [ta], ['mx.other.test']).why ?? '', /does not name mx\.other\.test/);
  assert.match(daneVerify([expired, ca], [ta], ['mx.dane.test']).why ?? '', /does not verify/);
  const wrongKey = ee(new X509Certificate(certs.wrongName.cert));
  assert.deepEqual(daneVerify([leaf, ca], [wrongKey], ['mx.dane.test']), {
    ok: false,
    match: null,
    why: 'no TLSA record matches the certificate chain',
  });
});

test('TLS-RPT: sessions are counted per policy and failure, and a finished day is written as RFC 8460 JSON', async (t) => {
  let now = Date.UTC(2026, 10, 29, 12);
  const rpt = new TlsRptCollector(() => now);
  const policy = {
    type: 'sts' as const,
    domain: 'sts.test',
    strings: ['version: STSv1', 'mode: enforce', 'mx: mx1.sts.test', 'max_age: 86400'],
    mxHost: ['mx1.sts.test'],
  };
  rpt.record(policy, null);
  rpt.record(policy, null);
  const failure = {
    resultType: 'certificate-host-mismatch' as const,
    sendingMtaIp: '192.0.2.5',
    receivingMxHostname: 'mx.attacker.test',
    receivingIp: '198.51.100.9',
  };
  rpt.record(policy, failure);
  rpt.record(policy, failure);
  const reporter = { organization: 'mx.example.test', contact: 'postmaster@example.test' };
  assert.deepEqual(rpt.report('2026-11-29', 'sts.test', reporter, 'id-1'), {
    'organization-name': 'mx.example.test',
    'date-range': { 'start-datetime': '2026-11-29T00:00:00Z', 'end-datetime': '2026-11-29T23:59:59Z' },
    'contact-info': 'postmaster@example.test',
    'report-id': 'id-1',
    policies: [
      {
        policy: {
          'policy-type': 'sts',
          'policy-string': ['version: STSv1', 'mode: enforce', 'mx: mx1.sts.test', 'max_age: 86400'],
          'policy-domain': 'sts.test',
          'mx-host': ['mx1.sts.test'],
        },
        summary: { 'total-successful-session-count': 2, 'total-failure-session-count': 2 },
        'failure-details': [
          {
            'result-type': 'certificate-host-mismatch',
            'sending-mta-ip': '192.0.2.5',
            'receiving-mx-hostname': 'mx.attacker.test',
            'receiving-ip': '198.51.100.9',
            'failed-session-count': 2,
          },
        ],
      },
    ],
  });
  const dir = tempDir(t, 'affix-tlsrpt-');
  assert.deepEqual(await rpt.writeFinished(dir, reporter), [], 'today is not finished');
  now += 86400 * 1000;
  const files = await rpt.writeFinished(dir, reporter);
  assert.equal(files.length, 1);
  assert.match(readdirSync(dir)[0]!, /^mx\.example\.test!sts\.test!1795910400!1795996799![0-9a-f-]{36}\.json$/);
  const json = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8'));
  assert.equal(json.policies[0].summary['total-failure-session-count'], 2);
  assert.equal(rpt.report('2026-11-29', 'sts.test', reporter), null, 'written days are forgotten');
});
