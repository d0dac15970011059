/**
 * Check 4, blacklists: DNSBL answers served on loopback (127.0.0.2 decoded
 * as Spamhaus SBL, the PBL, 127.255.255.254 as a refused query and never
 * as a listing, an answer outside 127/8, SERVFAIL, a clean list), and the
 * lists this host's own smtpd uses without a reply filter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DnsZone, startDnsServer } from '../peers/dns_server.ts';
import { assertFinding, assertNoFinding, baseMainCf, findingOf, runCheck } from './doctor_harness.ts';

const ZONES = ['zen.spamhaus.org', 'b.barracudacentral.org', 'bl.spamcop.net'];

const ZONE: DnsZone = {
  '10.2.0.192.zen.spamhaus.org': { A: ['127.0.0.2'], TXT: ['https://www.spamhaus.org/query/ip/192.0.2.10'] },
  '11.2.0.192.zen.spamhaus.org': {
    A: ['127.255.255.254'],
    TXT: ['Error: open resolver; https://check.spamhaus.org/returnc/pub/'],
  },
  '12.2.0.192.zen.spamhaus.org': { A: ['127.0.0.11'] },
  '10.2.0.192.b.barracudacentral.org': { fault: 'servfail' },
  '13.2.0.192.bl.spamcop.net': { A: ['198.51.100.1'] },
  'bl.spamcop.net': { TXT: ['zone apex'] },
};

test('doctor dnsbl: 127.0.0.2 is a listing, decoded, with where to delist; SERVFAIL is a failed lookup', async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const r = await runCheck(t, 'dnsbl', { dns, publicIps: ['192.0.2.10'], dnsblZones: ZONES });
  const f = findingOf(r.findings, 'dnsbl.listed');
  assert.match(f.title, /192\.0\.2\.10 is listed in Spamhaus \(zen\.spamhaus\.org\)/);
  assertFinding(f, {
    severity: 'error',
    evidence: /127\.0\.0\.2: SBL \(Spamhaus Block List\)/,
    fix: /https:\/\/check\.spamhaus\.org\//,
  });
  assert.equal(f.impact?.factor, 'blacklist');
  assertFinding(findingOf(r.findings, 'dnsbl.lookup_failed'), {
    severity: 'warning',
    evidence: /192\.0\.2\.10 in b\.barracudacentral\.org: .*try again/,
  });
  assert.equal(r.status, 2);
});

test('doctor dnsbl: 127.255.255.254 is a refused query through a public resolver, never "listed"', async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const r = await runCheck(t, 'dnsbl', { dns, publicIps: ['192.0.2.11'], dnsblZones: ZONES });
  const f = findingOf(r.findings, 'dnsbl.query_refused');
  assertFinding(f, {
    severity: 'warning',
    cause: /public resolvers .* This is not a listing/,
    fix: /resolver of your own/,
  });
  assert.match(f.title, /127\.255\.255\.254: query via public\/open resolver/);
  assertNoFinding(r.findings, 'dnsbl.listed');
  assert.ok(!r.findings.some((x) => /is listed/.test(x.title)));
  assert.equal(f.impact, undefined);
});

test('doctor dnsbl: the PBL is a warning about direct sending; an answer outside 127/8 is the resolver; clean is ok', async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const pbl = await runCheck(t, 'dnsbl', { dns, publicIps: ['192.0.2.12'], dnsblZones: ZONES });
  assertFinding(findingOf(pbl.findings, 'dnsbl.pbl'), {
    severity: 'warning',
    evidence: /127\.0\.0\.11: PBL/,
    fix: /relayhost = \[smtp\.provider\.example\]:587/,
  });
  const hijack = await runCheck(t, 'dnsbl', { dns, publicIps: ['192.0.2.13'], dnsblZones: ZONES });
  assertFinding(findingOf(hijack.findings, 'dnsbl.resolver_rewrites'), {
    severity: 'warning',
    cause: /rewrites "no such name"/,
  });
  const clean = await runCheck(t, 'dnsbl', { dns, publicIps: ['192.0.2.99'], dnsblZones: ZONES });
  assertFinding(findingOf(clean.findings, 'dnsbl.clean'), {
    severity: 'ok',
    evidence: /192\.0\.2\.99 not in bl\.spamcop\.net/,
  });
  assert.equal(clean.status, 0);
});

test("doctor dnsbl: this host's smtpd using Spamhaus that refuses its queries would reject every client", async (t) => {
  const dns = await startDnsServer(t, { zone: { ...ZONE, '2.0.0.127.zen.spamhaus.org': { A: ['127.255.255.254'] } } });
  const r = await runCheck(t, 'dnsbl', {
    dns,
    dnsblZones: ZONES,
    mainCf: `${baseMainCf()}smtpd_recipient_restrictions = reject_unauth_destination, reject_rbl_client zen.spamhaus.org\n`,
  });
  assertFinding(findingOf(r.findings, 'dnsbl.own_list_refused'), {
    severity: 'error',
    evidence: /smtpd_recipient_restrictions = reject_unauth_destination, reject_rbl_client zen\.spamhaus\.org/,
    cause: /rejects every client/,
    fix: /reject_rbl_client zen\.spamhaus\.org=127\.0\.0\.\[2\.\.11\]/,
  });
  const dns2 = await startDnsServer(t, { zone: { '2.0.0.127.zen.spamhaus.org': { A: ['127.0.0.2'] } } });
  const u = await runCheck(t, 'dnsbl', {
    dns: dns2,
    dnsblZones: ZONES,
    mainCf: `${baseMainCf()}smtpd_client_restrictions = reject_rbl_client zen.spamhaus.org\n`,
  });
  assertFinding(findingOf(u.findings, 'dnsbl.own_list_unfiltered'), { severity: 'warning' });
  const filtered = await runCheck(t, 'dnsbl', {
    dns: dns2,
    dnsblZones: ZONES,
    mainCf: `${baseMainCf()}smtpd_client_restrictions = reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]\n`,
  });
  assertNoFinding(filtered.findings, 'dnsbl.own_list_unfiltered');
});
