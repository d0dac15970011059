/**
 * DANE in the smtp client (smtp_tls_security_level = dane / dane-only, and
 * per destination in smtp_tls_policy_maps): TLSA records of the MX host
 * from a test DNS server on 127.0.0.1 that sets the AD bit as a validating
 * resolver does (or not, for an unsigned zone), and an SMTP server with
 * STARTTLS on loopback. Each outcome is asserted by its log lines, worded
 * as Postfix 3.7 words them: a DANE-EE or DANE-TA match is `Verified`; a
 * mismatch is Postfix's verification failure and `Server certificate not
 * verified`; without validated TLSA records `dane` is `may` and
 * `dane-only` defers; unusable records mean `encrypt`; a failed TLSA
 * lookup defers.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import type { LogRecord } from '../../src/log/log_sink.ts';
import { type DnsNode, startDnsServer } from '../peers/dns_server.ts';
import { type ScriptServer, startScriptServer } from '../peers/smtp_script_server.ts';
import { makeTestCerts, type TestCerts } from '../peers/test_certs.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { makeRequest, normalise, startAgent } from './smtp_fixtures.ts';

const MX = 'mx.dane.test';

const spkiSha256 = (pem: string) =>
  createHash('sha256')
    .update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
const certSha256 = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

/** A log line as it would appear after the program tag (`warning: ` for warnings), ports made comparable. */
const line = (r: LogRecord) => normalise(r.level === 'warning' ? `warning: ${r.text}` : r.text);

interface Setup {
  readonly certs: TestCerts;
  readonly server: ScriptServer;
  readonly lines: () => string[];
  readonly tlsaQueries: () => number;
  deliver(rcpt?: string): Promise<string>;
}

interface SetupOptions {
  /** The server's certificate: CA-signed (default), self-signed, or CA-signed with the CA in the chain. */
  readonly cert?: 'valid' | 'selfSigned' | 'chain';
  /** TLSA records, given the certificates and the server's port. */
  readonly tlsa?: (certs: TestCerts) => [number, number, number, string][];
  readonly authenticData?: boolean;
  readonly tlsaNode?: Partial<DnsNode>;
  readonly main?: Record<string, string>;
  /** The MX RRset (the domain's zone) is unsigned while the host's is signed. */
  readonly insecureMx?: boolean;
  readonly now?: () => number;
}

async function setup(t: TestContext, o: SetupOptions = {}): Promise<Setup> {
  const certs = makeTestCerts(t, MX);
  const kind = o.cert ?? 'valid';
  const tls =
    kind === 'selfSigned'
      ? certs.selfSigned
      : kind === 'chain'
        ? { key: certs.valid.key, cert: `${certs.valid.cert}${readCa(certs)}` }
        : certs.valid;
  const server = await startScriptServer(t, { tls });
  const tlsaName = `_${server.port}._tcp.${MX}`;
  const dns = await startDnsServer(t, {
    authenticData: o.authenticData ?? true,
    zone: {
      'dane.test': { MX: [[10, MX]], insecure: o.insecureMx ?? false },
      [MX]: { A: ['127.0.0.1'] },
      [tlsaName]: { TLSA: o.tlsa?.(certs) ?? [], ...o.tlsaNode },
    },
  });
  const resolver = new DnsResolver({ servers: dns.servers, timeout: 1000, tries: 1 });
  const { agent, sink } = await startAgent(
    t,
    {
      smtp_dns_support_level: 'dnssec',
      smtp_tcp_port: String(server.port),
      smtp_tls_security_level: 'dane',
      smtp_tls_loglevel: '1',
      affix_dns_timeout: '1s',
      affix_dns_tries: '1',
      ...o.main,
    },
    'smtp',
    { dns: resolver, ...(o.now ? { now: o.now } : {}) },
  );
  return {
    certs,
    server,
    lines: () => sink.records.map(line),
    tlsaQueries: () => dns.queriesFor(tlsaName, 'TLSA').length,
    async deliver(rcpt = 'user@dane.test') {
      const out = await agent.deliver(makeRequest({ nexthop: 'dane.test', recipients: [rcpt] }));
      assert.equal(out.statuses.length, 1);
      return sink.records.map(line).find((l) => l.includes(`to=<${rcpt}>`)) ?? '';
    },
  };
}

const readCa = (certs: TestCerts) => readFileSync(certs.caFile, 'utf8');

const ESTABLISHED = (trust: string) =>
  new RegExp(
    `^${trust} TLS connection established to mx\\.dane\\.test\\[127\\.0\\.0\\.1\\]:PORT: TLSv1\\.3 with cipher `,
  );

test('dane: a DANE-EE(3) record matching the server key gives a Verified TLS delivery', async (t) => {
  let hash = '';
  const s = await setup(t, {
    tlsa: (c) => {
      hash = spkiSha256(c.valid.cert);
      return [[3, 1, 1, hash]];
    },
    main: { smtp_tls_loglevel: '2' },
  });
  const status = await s.deliver();
  // smtp_tls_loglevel = 2: tls_dane_log()'s line names the record that matched.
  assert.ok(
    s
      .lines()
      .includes(`mx.dane.test[127.0.0.1]:PORT: Matched DANE EE certificate at depth 0: 3 1 1 ${hash.toUpperCase()}`),
    s.lines().join('\n'),
  );
  assert.match(
    status,
    /relay=mx\.dane\.test\[127\.0\.0\.1\]:PORT, .*dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok/,
    status,
  );
  assert.ok(
    s.lines().some((l) => ESTABLISHED('Verified').test(l)),
    s.lines().join('\n'),
  );
  assert.equal(s.server.messages.length, 1);
  assert.equal(s.server.messages[0]!.tls, true);
});

test('dane: DANE-EE matches a self-signed certificate too (no name or CA is checked)', async (t) => {
  const s = await setup(t, { cert: 'selfSigned', tlsa: (c) => [[3, 0, 1, certSha256(c.selfSigned.cert)]] });
  const status = await s.deliver();
  assert.match(status, /status=sent/, s.lines().join('\n'));
  assert.ok(s.lines().some((l) => ESTABLISHED('Verified').test(l)));
});

test('dane: a DANE-TA(2) record for the CA in the chain the server sends gives a Verified delivery', async (t) => {
  let hash = '';
  const s = await setup(t, {
    cert: 'chain',
    tlsa: (c) => {
      hash = certSha256(readCa(c));
      return [[2, 0, 1, hash]];
    },
    main: { smtp_tls_loglevel: '2' },
  });
  const status = await s.deliver();
  assert.ok(
    s
      .lines()
      .includes(`mx.dane.test[127.0.0.1]:PORT: Matched DANE TA certificate at depth 1: 2 0 1 ${hash.toUpperCase()}`),
    s.lines().join('\n'),
  );
  assert.match(status, /status=sent/, s.lines().join('\n'));
  assert.ok(s.lines().some((l) => ESTABLISHED('Verified').test(l)));
});

test("dane: a TLSA record that matches nothing defers with Postfix's verification failure texts", async (t) => {
  const s = await setup(t, { tlsa: () => [[3, 1, 1, 'ab'.repeat(32)]] });
  const status = await s.deliver();
  assert.match(
    status,
    /^A1B2C3D4E5: to=<user@dane\.test>, relay=mx\.dane\.test\[127\.0\.0\.1\]:PORT, delay=D, delays=D\/D\/D\/D, dsn=4\.7\.5, status=deferred \(Server certificate not verified\)$/,
  );
  const lines = s.lines();
  assert.ok(
    lines.includes(
      'certificate verification failed for mx.dane.test[127.0.0.1]:PORT: untrusted issuer /CN=affix test CA',
    ),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => ESTABLISHED('Untrusted').test(l)));
  assert.equal(s.server.messages.length, 0);
});

test('dane: a self-signed certificate that no record matches is reported as self-signed', async (t) => {
  const s = await setup(t, { cert: 'selfSigned', tlsa: (c) => [[3, 1, 1, spkiSha256(c.valid.cert)]] });
  const status = await s.deliver();
  assert.match(status, /dsn=4\.7\.5, status=deferred \(Server certificate not verified\)$/);
  assert.ok(
    s.lines().includes('certificate verification failed for mx.dane.test[127.0.0.1]:PORT: self-signed certificate'),
  );
});

test('dane: without the AD bit (unsigned zone) no TLSA lookup is made and delivery is opportunistic TLS', async (t) => {
  const s = await setup(t, { authenticData: false, tlsa: () => [[3, 1, 1, 'ab'.repeat(32)]] });
  const status = await s.deliver();
  assert.match(status, /dsn=2\.0\.0, status=sent/, s.lines().join('\n'));
  assert.ok(s.lines().some((l) => ESTABLISHED('Untrusted').test(l)));
  assert.equal(s.tlsaQueries(), 0);
  assert.ok(!s.lines().some((l) => l.startsWith('warning:')), s.lines().join('\n'));
});

test('dane-only: an unsigned zone defers with "non DNSSEC destination", without connecting', async (t) => {
  const s = await setup(t, {
    authenticData: false,
    main: { smtp_tls_security_level: 'dane-only' },
    tlsa: (c) => [[3, 1, 1, spkiSha256(c.valid.cert)]],
  });
  const status = await s.deliver();
  assert.match(
    status,
    /^A1B2C3D4E5: to=<user@dane\.test>, relay=none, delay=D, delays=D\/D\/D\/D, dsn=4\.7\.5, status=deferred \(non DNSSEC destination\)$/,
  );
  assert.ok(s.lines().includes('warning: TLS policy lookup for dane.test/mx.dane.test: non DNSSEC destination'));
  assert.equal(s.server.connections, 0);
});

test('dane-only: a signed zone without TLSA records defers with "no TLSA records found"', async (t) => {
  const s = await setup(t, { main: { smtp_tls_security_level: 'dane-only' } });
  const status = await s.deliver();
  assert.match(status, /relay=none, .*dsn=4\.7\.5, status=deferred \(no TLSA records found\)$/);
  assert.ok(s.lines().includes('warning: TLS policy lookup for dane.test/mx.dane.test: no TLSA records found'));
});

test('dane: a failed TLSA lookup defers with "TLSA lookup error for HOST:PORT"', async (t) => {
  const s = await setup(t, { tlsaNode: { fault: 'servfail' } });
  const status = await s.deliver();
  assert.match(status, /relay=none, .*dsn=4\.7\.5, status=deferred \(TLSA lookup error for mx\.dane\.test:PORT\)$/);
  const lines = s.lines();
  assert.ok(
    lines.some((l) => l.startsWith('warning: DANE TLSA lookup problem: ')),
    lines.join('\n'),
  );
  assert.ok(
    lines.includes('warning: TLS policy lookup for dane.test/mx.dane.test: TLSA lookup error for mx.dane.test:PORT'),
    lines.join('\n'),
  );
  assert.equal(s.server.connections, 0);
});

test('dane: only unusable (PKIX-EE) records mean mandatory unauthenticated TLS (encrypt)', async (t) => {
  const s = await setup(t, { tlsa: (c) => [[1, 1, 1, spkiSha256(c.valid.cert)]] });
  const status = await s.deliver();
  assert.match(status, /status=sent/, s.lines().join('\n'));
  assert.ok(s.lines().some((l) => ESTABLISHED('Untrusted').test(l)));
  assert.equal(s.server.messages[0]!.tls, true);
});

test('dane-only per destination in smtp_tls_policy_maps, with TLS otherwise off', async (t) => {
  const dir = tempDir(t);
  const table = join(dir, 'tls_policy');
  writeFileSync(table, 'dane.test dane-only\n');
  const s = await setup(t, {
    main: { smtp_tls_security_level: 'none', smtp_tls_policy_maps: `texthash:${table}` },
    tlsa: (c) => [[3, 1, 1, spkiSha256(c.valid.cert)]],
  });
  const status = await s.deliver();
  assert.match(status, /status=sent/, s.lines().join('\n'));
  assert.ok(s.lines().some((l) => ESTABLISHED('Verified').test(l)));
});

test("dane: with DNSSEC lookups off, Postfix's warning and opportunistic TLS", async (t) => {
  const s = await setup(t, {
    main: { smtp_dns_support_level: 'enabled' },
    tlsa: () => [[3, 1, 1, 'ab'.repeat(32)]],
  });
  const status = await s.deliver();
  assert.match(status, /status=sent/);
  assert.ok(
    s.lines().includes('warning: dane.test: dane configured with dnssec lookups disabled'),
    s.lines().join('\n'),
  );
  assert.equal(s.tlsaQueries(), 0);
});

test('dane: TLSA records of a host behind an insecure MX RRset are still used (half-dane: Trusted)', async (t) => {
  const s = await setup(t, { insecureMx: true, tlsa: (c) => [[3, 1, 1, spkiSha256(c.valid.cert)]] });
  const status = await s.deliver();
  assert.match(status, /status=sent/, s.lines().join('\n'));
  assert.ok(
    s.lines().some((l) => ESTABLISHED('Trusted').test(l)),
    s.lines().join('\n'),
  );
  assert.equal(s.tlsaQueries(), 1);
});

test('dane: smtp_tls_dane_insecure_mx_policy = may ignores the TLSA records behind an insecure MX', async (t) => {
  const s = await setup(t, {
    insecureMx: true,
    main: { smtp_tls_dane_insecure_mx_policy: 'may' },
    tlsa: () => [[3, 1, 1, 'ab'.repeat(32)]],
  });
  assert.match(await s.deliver(), /status=sent/);
  assert.equal(s.tlsaQueries(), 0);
});

test('TLS-RPT: DANE sessions are reported under the tlsa policy with the records as policy strings', async (t) => {
  let now = Date.UTC(2026, 10, 28, 23);
  const dir = tempDir(t);
  let record = '';
  const s = await setup(t, {
    tlsa: (c) => {
      record = spkiSha256(c.valid.cert);
      return [[3, 1, 1, record]];
    },
    main: { affix_tlsrpt_report_directory: dir, affix_tlsrpt_organization: 'Example Org' },
    now: () => now,
  });
  assert.match(await s.deliver(), /status=sent/);
  now += 3600 * 1000;
  assert.match(await s.deliver('second@dane.test'), /status=sent/);
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^Example Org!dane\.test!1795824000!1795910399!/, '2026-11-28 00:00:00 to 23:59:59 UTC');
  const report = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
  assert.equal(report['organization-name'], 'Example Org');
  assert.deepEqual(report.policies, [
    {
      policy: {
        'policy-type': 'tlsa',
        'policy-string': [`3 1 1 ${record}`],
        'policy-domain': 'dane.test',
        'mx-host': [MX],
      },
      summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 0 },
    },
  ]);
});
