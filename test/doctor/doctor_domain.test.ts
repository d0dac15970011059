/**
 * Check 5, SPF, DKIM, DMARC, MX: a DNS server on loopback serves the
 * records (11 lookups, two SPF records, bad syntax, void lookups, a record
 * without this host, bad and missing DMARC, DKIM keys published or not or
 * wrong, null MX, an MX pointing elsewhere, SERVFAIL), an OpenDKIM
 * configuration and key made with openssl name the signer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type DnsZone, startDnsServer } from '../peers/dns_server.ts';
import { missingPrograms } from '../peers/programs.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { assertFinding, assertNoFinding, baseMainCf, findingOf, runCheck } from './doctor_harness.ts';

const IP = '192.0.2.11';

function zone(goodKey: string): DnsZone {
  return {
    'good.test': { TXT: [`v=spf1 ip4:${IP} -all`], MX: [[10, 'mx.good.test']] },
    'mx.good.test': { A: [IP] },
    '_dmarc.good.test': { TXT: ['v=DMARC1; p=reject; rua=mailto:dmarc@good.test'] },
    'mail._domainkey.good.test': { TXT: [`v=DKIM1; k=rsa; p=${goodKey}`] },
    '_mta-sts.good.test': { TXT: ['v=STSv1; id=20260101'] },
    '_smtp._tls.good.test': { TXT: ['v=TLSRPTv1; rua=mailto:tls@good.test'] },
    'many.test': {
      TXT: [`v=spf1 ip4:${IP} ${Array.from({ length: 11 }, (_, i) => `include:i${i}.many.test`).join(' ')} -all`],
    },
    ...Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`i${i}.many.test`, { TXT: ['v=spf1 ip4:10.1.1.1 -all'] }]),
    ),
    'two.test': { TXT: ['v=spf1 mx -all', `v=spf1 ip4:${IP} -all`] },
    'syntax.test': { TXT: ['v=spf1 ip4:999.0.0.1 -all'] },
    'voids.test': { TXT: ['v=spf1 a:n1.voids.test a:n2.voids.test a:n3.voids.test ~all'] },
    'soft.test': { TXT: ['v=spf1 ip4:198.51.100.0/24 ~all'] },
    'plusall.test': { TXT: ['v=spf1 +all'] },
    'baddmarc.test': { TXT: [`v=spf1 ip4:${IP} -all`] },
    '_dmarc.baddmarc.test': { TXT: ['v=DMARC1; p=maybe; pct=150'] },
    'strict.test': { TXT: ['v=spf1 -all'] },
    '_dmarc.strict.test': { TXT: ['v=DMARC1; p=reject'] },
    'flaky.test': { fault: 'servfail' },
    'nullmx.test': { MX: [[0, '.']] },
    'elsewhere.test': { MX: [[10, 'mx.provider.test']] },
    'mx.provider.test': { A: ['198.51.100.7'] },
    'mxbad.test': { MX: [[10, 'nohost.mxbad.test']] },
  };
}

function dkimKey(t: import('node:test').TestContext): { conf: string; p: string; otherP: string } | string {
  const missing = missingPrograms(['openssl']);
  if (missing !== undefined) return missing;
  const dir = tempDir(t, 'affix-dkim-');
  execFileSync('openssl', ['genrsa', '-out', join(dir, 'mail.private'), '2048'], { stdio: 'pipe' });
  execFileSync('openssl', ['genrsa', '-out', join(dir, 'other.private'), '2048'], { stdio: 'pipe' });
  const p = (file: string) =>
    createPublicKey(createPrivateKey(execFileSync('cat', [join(dir, file)])))
      .export({ type: 'spki', format: 'der' })
      .toString('base64');
  const conf = join(dir, 'opendkim.conf');
  writeFileSync(
    join(dir, 'key.table'),
    `mail._domainkey.good.test good.test:mail:${join(dir, 'mail.private')}\nmail._domainkey.strict.test strict.test:mail:${join(dir, 'mail.private')}\nmail._domainkey.baddmarc.test baddmarc.test:mail:${join(dir, 'other.private')}\n`,
  );
  writeFileSync(
    conf,
    `# OpenDKIM\nSyslog yes\nKeyTable file:${join(dir, 'key.table')}\nSigningTable refile:${join(dir, 'signing.table')}\n`,
  );
  return { conf, p: p('mail.private'), otherP: p('other.private') };
}

test('doctor domain: SPF, DKIM, DMARC and MX in order for a good domain', async (t) => {
  const k = dkimKey(t);
  if (typeof k === 'string') return t.skip(k);
  const dns = await startDnsServer(t, { zone: zone(k.p) });
  const r = await runCheck(t, 'domain', { dns, publicIps: [IP], domains: ['good.test'], opendkimConf: k.conf });
  findingOf(r.findings, 'domain.spf_pass');
  assertFinding(findingOf(r.findings, 'domain.dkim_ok'), { evidence: /mail\._domainkey\.good\.test TXT/ });
  assertFinding(findingOf(r.findings, 'domain.dmarc_ok'), {
    evidence: /policy reject: mail that fails DMARC is refused/,
  });
  assertFinding(findingOf(r.findings, 'domain.mx_ok'), { cause: /points to this host/ });
  assertFinding(findingOf(r.findings, 'domain.mta_sts'), {
    severity: 'info',
    evidence: /_mta-sts\.good\.test TXT "v=STSv1; id=20260101"/,
  });
  assert.equal(
    r.findings.filter((f) => f.severity === 'error' || f.severity === 'warning').length,
    0,
    r.findings.map((f) => f.title).join('\n'),
  );
});

test('doctor domain: 11 lookups, two SPF records, a syntax error, void lookups, softfail, +all, no record', async (t) => {
  const dns = await startDnsServer(t, { zone: zone('') });
  const r = await runCheck(t, 'domain', {
    dns,
    publicIps: [IP],
    domains: [
      'many.test',
      'two.test',
      'syntax.test',
      'voids.test',
      'soft.test',
      'plusall.test',
      'nospf.test',
      'flaky.test',
    ],
  });
  const many = findingOf(r.findings, 'domain.spf_too_many_lookups');
  assertFinding(many, {
    severity: 'error',
    cause: /11th include/,
    fix: /flatten the record/,
    evidence: /lookup 11: include:i10\.many\.test/,
  });
  assert.match(many.title, /needs 11 DNS lookups \(the limit is 10\)/);
  assertFinding(findingOf(r.findings, 'domain.spf_multiple'), {
    severity: 'error',
    cause: /permerror/,
    fix: /replace them with one record: two\.test\. IN TXT "v=spf1 mx ip4:192\.0\.2\.11 ~all"/,
  });
  assertFinding(findingOf(r.findings, 'domain.spf_syntax'), { severity: 'error', evidence: /not an IPv4 address/ });
  assertFinding(findingOf(r.findings, 'domain.spf_void_lookups'), { severity: 'error', fix: /remove the a:/ });
  assertFinding(findingOf(r.findings, 'domain.spf_softfail', /soft\.test/), {
    severity: 'warning',
    fix: /soft\.test\. IN TXT "v=spf1 ip4:198\.51\.100\.0\/24 ip4:192\.0\.2\.11 ~all"/,
  });
  assertFinding(findingOf(r.findings, 'domain.spf_all'), { severity: 'error', cause: /forged mail/ });
  assertFinding(findingOf(r.findings, 'domain.spf_missing'), {
    severity: 'error',
    fix: /nospf\.test\. IN TXT "v=spf1 mx ip4:192\.0\.2\.11 ~all"/,
  });
  assertFinding(findingOf(r.findings, 'domain.spf_temperror'), { severity: 'warning' });
});

test("doctor domain: bad and missing DMARC, DMARC that rejects the host's own mail, DKIM missing or wrong", async (t) => {
  const k = dkimKey(t);
  if (typeof k === 'string') return t.skip(k);
  const dns = await startDnsServer(t, {
    zone: { ...zone(k.p), 'mail._domainkey.baddmarc.test': { TXT: [`v=DKIM1; k=rsa; p=${k.p}`] } },
  });
  const r = await runCheck(t, 'domain', {
    dns,
    publicIps: [IP],
    domains: ['baddmarc.test', 'strict.test', 'soft.test'],
    opendkimConf: k.conf,
  });
  const bad = findingOf(r.findings, 'domain.dmarc_invalid');
  assertFinding(bad, {
    severity: 'error',
    evidence: /p=maybe: the policy must be none, quarantine or reject/,
    fix: /_dmarc\.baddmarc\.test\. IN TXT "v=DMARC1; p=none/,
  });
  assert.ok(bad.evidence.some((e) => /pct=150: must be 0 to 100/.test(e)));
  assertFinding(findingOf(r.findings, 'domain.dmarc_missing'), {
    severity: 'warning',
    fix: /_dmarc\.soft\.test\. IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@soft\.test"/,
  });
  const missingKey = findingOf(r.findings, 'domain.dkim_missing');
  assert.match(missingKey.title, /mail\._domainkey\.strict\.test is not published/);
  assert.ok(
    missingKey.fix.includes(`publish: mail._domainkey.strict.test. IN TXT "v=DKIM1; k=rsa; p=${k.p.slice(0, 100)}`),
    missingKey.fix,
  );
  assertFinding(findingOf(r.findings, 'domain.dmarc_own_mail_fails'), {
    severity: 'error',
    cause: /refuse this host's mail/,
  });
  assertFinding(findingOf(r.findings, 'domain.dkim_key_mismatch'), {
    severity: 'error',
    cause: /every message fails DKIM/,
  });
  assertFinding(findingOf(r.findings, 'domain.dkim_none', /soft\.test/), {
    severity: 'warning',
    fix: /opendkim-genkey -b 2048 -s mail -d soft\.test/,
  });
});

test('doctor domain: null MX, an MX elsewhere, an MX host that does not resolve', async (t) => {
  const dns = await startDnsServer(t, { zone: zone('') });
  const r = await runCheck(t, 'domain', {
    dns,
    publicIps: [IP],
    mainCf: `${baseMainCf()}virtual_mailbox_domains = nullmx.test elsewhere.test mxbad.test\n`,
  });
  assertFinding(findingOf(r.findings, 'domain.mx_null'), {
    severity: 'error',
    fix: /nullmx\.test\. IN MX 10 mx\.example\.test\./,
  });
  assertFinding(findingOf(r.findings, 'domain.mx_elsewhere'), {
    severity: 'warning',
    evidence: /elsewhere\.test MX 10 mx\.provider\.test/,
  });
  assertFinding(findingOf(r.findings, 'domain.mx_unresolvable'), {
    severity: 'error',
    evidence: /nohost\.mxbad\.test/,
  });
  assertNoFinding(r.findings, 'domain.none');
});

test("doctor domain: affix's own DKIM signer (affix_dkim_*) whose selector is not published gets the exact record", async (t) => {
  const missing = missingPrograms(['openssl']);
  if (missing !== undefined) return t.skip(missing);
  const dir = tempDir(t, 'affix-dkim-own-');
  const key = join(dir, 's2026.private');
  execFileSync('openssl', ['genrsa', '-out', key, '2048'], { stdio: 'pipe' });
  const p = createPublicKey(createPrivateKey(execFileSync('cat', [key])))
    .export({ type: 'spki', format: 'der' })
    .toString('base64');
  const dns = await startDnsServer(t, { zone: zone('') });
  const r = await runCheck(t, 'domain', {
    dns,
    publicIps: [IP],
    domains: ['good.test'],
    mainCf: `${baseMainCf()}affix_dkim_domain = good.test\naffix_dkim_selector = s2026\naffix_dkim_key_file = ${key}\n`,
  });
  const f = findingOf(r.findings, 'domain.dkim_missing');
  assert.match(f.title, /s2026\._domainkey\.good\.test is not published/);
  assert.ok(
    f.evidence.some((e) => /signer: main\.cf affix_dkim_\*: domain good\.test, selector s2026/.test(e)),
    f.evidence.join('\n'),
  );
  assert.ok(f.fix.replace(/" "/g, '').includes(`s2026._domainkey.good.test. IN TXT "v=DKIM1; k=rsa; p=${p}"`), f.fix);
});
