/**
 * MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) in the smtp client, affix
 * extensions: the recipient domain's policy found through its `_mta-sts`
 * TXT record on a test DNS server and fetched from an HTTPS policy server
 * on 127.0.0.1 (its host name resolved through affix's resolver, its port
 * set by the affix_mta_sts_port test hook, its CA trusted through
 * affix_mta_sts_CAfile); MX servers with STARTTLS on loopback. Enforce with
 * a listed MX and a valid certificate delivers Verified; an unlisted MX or
 * a certificate for another name defers; testing delivers and warns; a
 * policy that cannot be fetched is warned about and ignored. The TLS-RPT
 * aggregate report of a finished day is checked field by field.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import type { LogRecord } from '../../src/log/log_sink.ts';
import { type DnsZone, startDnsServer } from '../peers/dns_server.ts';
import { type ScriptOptions, type ScriptServer, startScriptServer } from '../peers/smtp_script_server.ts';
import { makeTestCerts } from '../peers/test_certs.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { makeRequest, normalise, startAgent } from './smtp_fixtures.ts';

const line = (r: LogRecord) => normalise(r.level === 'warning' ? `warning: ${r.text}` : r.text);

const policyText = (mode: string, mx: readonly string[]) =>
  `version: STSv1\nmode: ${mode}\n${mx.map((m) => `mx: ${m}\n`).join('')}max_age: 86400\n`;

/** The HTTPS policy server of mta-sts.sts.test on 127.0.0.1. */
async function policyServer(t: TestContext, policy: string | null) {
  const certs = makeTestCerts(t, 'mta-sts.sts.test');
  let requests = 0;
  const server = createServer({ key: certs.valid.key, cert: certs.valid.cert }, (req, res) => {
    requests++;
    if (policy === null || req.url !== '/.well-known/mta-sts.txt') res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(policy);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    caFile: certs.caFile,
    requests: () => requests,
  };
}

interface StsSetup {
  /** Policy text served, or null for a 404. */
  readonly policy: string | null;
  /** MX host name → which certificate its server presents (all for the name `certName`, signed by one CA). */
  readonly mx: readonly {
    readonly host: string;
    readonly address: string;
    /** `none`: the server offers no STARTTLS. */
    readonly cert: 'valid' | 'wrongName' | 'none';
  }[];
  readonly certName: string;
  readonly main?: Record<string, string>;
  readonly now?: () => number;
}

async function setup(t: TestContext, o: StsSetup) {
  const https = await policyServer(t, o.policy);
  const certs = makeTestCerts(t, o.certName);
  const servers: ScriptServer[] = [];
  for (const mx of o.mx) {
    const opts: ScriptOptions = {
      ...(mx.cert === 'none' ? {} : { tls: certs[mx.cert] }),
      host: mx.address,
      ...(servers[0] !== undefined ? { port: servers[0].port } : {}),
    };
    servers.push(await startScriptServer(t, opts));
  }
  const zone: Record<string, DnsZone[string]> = {
    'sts.test': { MX: o.mx.map((m, i) => [10 * (i + 1), m.host] as [number, string]) },
    '_mta-sts.sts.test': { TXT: ['v=STSv1; id=20261129T000000'] },
    'mta-sts.sts.test': { A: ['127.0.0.1'] },
  };
  for (const mx of o.mx) zone[mx.host] = { A: [mx.address] };
  const dns = await startDnsServer(t, { zone });
  const reports = tempDir(t);
  const { agent, sink } = await startAgent(
    t,
    {
      smtp_dns_support_level: 'enabled',
      smtp_tcp_port: String(servers[0]!.port),
      smtp_tls_CAfile: certs.caFile,
      smtp_tls_loglevel: '1',
      affix_mta_sts_enable: 'yes',
      affix_mta_sts_port: String(https.port),
      affix_mta_sts_CAfile: https.caFile,
      affix_tlsrpt_report_directory: reports,
      ...o.main,
    },
    'smtp',
    { dns: new DnsResolver({ servers: dns.servers, timeout: 1000, tries: 1 }), ...(o.now ? { now: o.now } : {}) },
  );
  return {
    servers,
    https,
    reports,
    lines: () => sink.records.map(line),
    async deliver(rcpt = 'user@sts.test') {
      await agent.deliver(makeRequest({ nexthop: 'sts.test', recipients: [rcpt] }));
      return sink.records.map(line).find((l) => l.includes(`to=<${rcpt}>`)) ?? '';
    },
  };
}

const ESTABLISHED = (trust: string, host: string) =>
  new RegExp(
    `^${trust} TLS connection established to ${host.replaceAll('.', '\\.')}\\[127\\.0\\.0\\.1\\]:PORT: TLSv1\\.3 `,
  );

test('MTA-STS enforce: a listed MX with a valid certificate for its name gets a Verified delivery', async (t) => {
  const s = await setup(t, {
    policy: policyText('enforce', ['mx.sts.test']),
    certName: 'mx.sts.test',
    mx: [{ host: 'mx.sts.test', address: '127.0.0.1', cert: 'valid' }],
  });
  const status = await s.deliver();
  assert.match(status, /relay=mx\.sts\.test\[127\.0\.0\.1\]:PORT, .*dsn=2\.0\.0, status=sent/, s.lines().join('\n'));
  assert.ok(
    s.lines().some((l) => ESTABLISHED('Verified', 'mx.sts.test').test(l)),
    s.lines().join('\n'),
  );
  assert.equal(s.servers[0]!.messages[0]!.tls, true);
  // The policy is cached: a second delivery fetches nothing.
  await s.deliver('other@sts.test');
  assert.equal(s.https.requests(), 1);
});

test('MTA-STS enforce: an MX host the policy does not list is not used, and the mail defers', async (t) => {
  const s = await setup(t, {
    policy: policyText('enforce', ['mx1.elsewhere.test']),
    certName: 'mx.sts.test',
    mx: [{ host: 'mx.sts.test', address: '127.0.0.1', cert: 'valid' }],
  });
  const status = await s.deliver();
  assert.match(
    status,
    /^A1B2C3D4E5: to=<user@sts\.test>, relay=none, delay=D, delays=D\/D\/D\/D, dsn=4\.7\.5, status=deferred \(MX host mx\.sts\.test is not allowed by the MTA-STS policy of sts\.test\)$/,
  );
  assert.ok(
    s
      .lines()
      .includes(
        'warning: TLS policy lookup for sts.test/mx.sts.test: MX host mx.sts.test is not allowed by the MTA-STS policy of sts.test',
      ),
  );
  assert.equal(s.servers[0]!.connections, 0);
});

test('MTA-STS enforce: a certificate for another name defers with "Server certificate not verified"', async (t) => {
  const s = await setup(t, {
    policy: policyText('enforce', ['mx.sts.test']),
    certName: 'mx.sts.test',
    mx: [{ host: 'mx.sts.test', address: '127.0.0.1', cert: 'wrongName' }],
  });
  const status = await s.deliver();
  assert.match(status, /dsn=4\.7\.5, status=deferred \(Server certificate not verified\)$/);
  const lines = s.lines();
  assert.ok(
    lines.includes('server certificate verification failed for mx.sts.test[127.0.0.1]:PORT: num=62:hostname mismatch'),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => ESTABLISHED('Untrusted', 'mx.sts.test').test(l)));
  assert.equal(s.servers[0]!.messages.length, 0);
});

test('MTA-STS testing: an unlisted MX with a wrong certificate is delivered to, with warnings', async (t) => {
  const s = await setup(t, {
    policy: policyText('testing', ['mx1.elsewhere.test']),
    certName: 'mx.sts.test',
    mx: [{ host: 'mx.sts.test', address: '127.0.0.1', cert: 'wrongName' }],
  });
  const status = await s.deliver();
  assert.match(status, /dsn=2\.0\.0, status=sent/, s.lines().join('\n'));
  const lines = s.lines();
  assert.ok(
    lines.includes(
      'warning: MTA-STS policy of sts.test (testing): MX host mx.sts.test is not listed in the policy; delivering anyway',
    ),
    lines.join('\n'),
  );
  assert.ok(
    lines.includes(
      'warning: MTA-STS policy of sts.test (testing): server certificate not verified for mx.sts.test[127.0.0.1]:PORT; delivering anyway',
    ),
    lines.join('\n'),
  );
  assert.equal(s.servers[0]!.messages[0]!.tls, true);
});

test('MTA-STS: without STARTTLS, enforce defers (4.7.4) and testing delivers with a warning', async (t) => {
  const enforce = await setup(t, {
    policy: policyText('enforce', ['mx.sts.test']),
    certName: 'mx.sts.test',
    mx: [{ host: 'mx.sts.test', address: '127.0.0.1', cert: 'none' }],
  });
  assert.match(
    await enforce.deliver(),
    /dsn=4\.7\.4, status=deferred \(TLS is required, but was not offered by host mx\.sts\.test\[127\.0\.0\.1\]\)$/,
  );
  assert.equal(enforce.servers[0]!.messages.length, 0);
  const testing = await setup(t, {
    policy: policyText('testing', ['mx.sts.test']),
    certName: 'mx.sts.test',
    mx: [{ host: 'mx.sts.test', address: '127.0.0.1', cert: 'none' }],
  });
  assert.match(await testing.deliver(), /status=sent/);
  assert.ok(
    testing
      .lines()
      .includes(
        'warning: MTA-STS policy of sts.test (testing): TLS is not offered by host mx.sts.test[127.0.0.1]; delivering anyway',
      ),
    testing.lines().join('\n'),
  );
  assert.equal(testing.servers[0]!.messages[0]!.tls, false);
});

test('MTA-STS: a policy that cannot be fetched is warned about and delivery goes on without it', async (t) => {
  const s = await setup(t, {
    policy: null,
    certName: 'mx.sts.test',
    mx: [{ host: 'mx.sts.test', address: '127.0.0.1', cert: 'wrongName' }],
  });
  const status = await s.deliver();
  assert.match(status, /status=sent/);
  assert.ok(
    s
      .lines()
      .includes(
        'warning: MTA-STS policy lookup for sts.test: https://mta-sts.sts.test/.well-known/mta-sts.txt: HTTP status 404',
      ),
    s.lines().join('\n'),
  );
});

test('MTA-STS is off by default (Postfix compatibility): no policy lookup at all', async (t) => {
  const s = await setup(t, {
    policy: policyText('enforce', ['mx1.elsewhere.test']),
    certName: 'mx.sts.test',
    mx: [{ host: 'mx.sts.test', address: '127.0.0.1', cert: 'valid' }],
    main: { affix_mta_sts_enable: 'no' },
  });
  assert.match(await s.deliver(), /status=sent/);
  assert.equal(s.https.requests(), 0);
});

test('TLS-RPT: a finished day is written as an RFC 8460 report with the sessions under the MTA-STS policy', async (t) => {
  let now = Date.UTC(2026, 10, 28, 12);
  const policy = policyText('enforce', ['*.sts.test']);
  const s = await setup(t, {
    policy,
    certName: 'mx2.sts.test',
    // The best MX presents a certificate for another name: skipped; the second one delivers.
    mx: [
      { host: 'mx1.sts.test', address: '127.0.0.1', cert: 'wrongName' },
      { host: 'mx2.sts.test', address: '127.0.0.2', cert: 'valid' },
    ],
    now: () => now,
  });
  assert.match(await s.deliver(), /relay=mx2\.sts\.test\[127\.0\.0\.2\]:PORT, .*status=sent/, s.lines().join('\n'));
  assert.deepEqual(readdirSync(s.reports), [], 'nothing is written before the day is over');
  now += 86400 * 1000;
  await s.deliver('next@sts.test');
  const files = readdirSync(s.reports);
  assert.equal(files.length, 1);
  const begin = Date.UTC(2026, 10, 28) / 1000;
  assert.match(
    files[0]!,
    new RegExp(`^client\\.example\\.test!sts\\.test!${begin}!${begin + 86399}![0-9a-f-]{36}\\.json$`),
  );
  const report = JSON.parse(readFileSync(join(s.reports, files[0]!), 'utf8'));
  assert.equal(report['organization-name'], 'client.example.test');
  assert.equal(report['contact-info'], 'postmaster@example.test');
  assert.deepEqual(report['date-range'], {
    'start-datetime': '2026-11-28T00:00:00Z',
    'end-datetime': '2026-11-28T23:59:59Z',
  });
  assert.match(report['report-id'], /^[0-9a-f-]{36}$/);
  assert.deepEqual(report.policies, [
    {
      policy: {
        'policy-type': 'sts',
        'policy-string': ['version: STSv1', 'mode: enforce', 'mx: *.sts.test', 'max_age: 86400'],
        'policy-domain': 'sts.test',
        'mx-host': ['*.sts.test'],
      },
      summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 1 },
      'failure-details': [
        {
          'result-type': 'certificate-host-mismatch',
          'receiving-mx-hostname': 'mx1.sts.test',
          'receiving-ip': '127.0.0.1',
          'failed-session-count': 1,
        },
      ],
    },
  ]);
});
