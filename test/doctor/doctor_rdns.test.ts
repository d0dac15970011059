/**
 * Check 3, reverse DNS: a DNS server on loopback with a missing PTR, a PTR
 * that does not resolve back (FCrDNS mismatch), a SERVFAIL, a good PTR, a
 * PTR that differs from HELO; a HELO that is not a FQDN; and the inbound
 * side from the sample log of a real Postfix.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type DnsZone, startDnsServer } from '../peers/dns_server.ts';
import {
  assertFinding,
  assertNoFinding,
  baseMainCf,
  findingOf,
  runCheck,
  SAMPLE_LOG,
  SAMPLE_MAIN_CF,
} from './doctor_harness.ts';

const ZONE: DnsZone = {
  'mx.example.test': { A: ['192.0.2.11', '192.0.2.14'] },
  '11.2.0.192.in-addr.arpa': { PTR: ['mx.example.test'] },
  '12.2.0.192.in-addr.arpa': { PTR: ['mail.other.test'] },
  'mail.other.test': { A: ['192.0.2.99'] },
  '13.2.0.192.in-addr.arpa': { fault: 'servfail' },
  '14.2.0.192.in-addr.arpa': { PTR: ['host14.example.test'] },
  'host14.example.test': { A: ['192.0.2.14'] },
  'example.org': { MX: [[10, 'mx.example.org']] },
  'mx.example.org': { A: ['198.51.100.20'] },
};

test('doctor rdns: missing PTR, FCrDNS mismatch, SERVFAIL, PTR differing from HELO, and a good one', async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const r = await runCheck(t, 'rdns', {
    dns,
    publicIps: ['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14'],
  });
  assertFinding(findingOf(r.findings, 'rdns.no_ptr', /192\.0\.2\.10 has no PTR record/), {
    severity: 'error',
    evidence: /Name service error for name=10\.2\.0\.192\.in-addr\.arpa type=PTR: Host not found/,
    cause: /without reverse DNS/,
    fix: /set its PTR to mx\.example\.test, and publish mx\.example\.test\. IN A 192\.0\.2\.10/,
  });
  assertFinding(findingOf(r.findings, 'rdns.fcrdns_mismatch', /192\.0\.2\.12/), {
    severity: 'error',
    evidence: /hostname mail\.other\.test does not resolve to address 192\.0\.2\.12/,
    fix: /mail\.other\.test\. IN A 192\.0\.2\.12/,
  });
  assertFinding(findingOf(r.findings, 'rdns.ptr_tempfail', /192\.0\.2\.13/), { severity: 'warning' });
  assertFinding(findingOf(r.findings, 'rdns.helo_mismatch', /192\.0\.2\.14/), {
    severity: 'warning',
    fix: /myhostname = host14\.example\.test/,
  });
  findingOf(r.findings, 'rdns.ok', /192\.0\.2\.11: PTR mx\.example\.test is forward-confirmed/);
  assertNoFinding(r.findings, 'rdns.helo_not_fqdn');
});

test('doctor rdns: a HELO name that is not fully qualified, or that does not resolve', async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const r = await runCheck(t, 'rdns', {
    dns,
    publicIps: ['192.0.2.11'],
    mainCf: `${baseMainCf()}smtp_helo_name = mailhost\n`,
  });
  assertFinding(findingOf(r.findings, 'rdns.helo_not_fqdn'), {
    severity: 'error',
    evidence: /smtp_helo_name = mailhost/,
    fix: /myhostname = mail\./,
  });
  const u = await runCheck(t, 'rdns', {
    dns,
    publicIps: ['192.0.2.11'],
    mainCf: `${baseMainCf()}smtp_helo_name = ghost.example.test\n`,
  });
  assertFinding(findingOf(u.findings, 'rdns.helo_unresolvable'), {
    severity: 'error',
    fix: /ghost\.example\.test\. IN A 192\.0\.2\.11/,
  });
  const none = await runCheck(t, 'rdns', { dns });
  assertFinding(findingOf(none.findings, 'rdns.no_public_ip'), { severity: 'info', fix: /--public-ip/ });
});

test('doctor rdns, inbound: clients failing FCrDNS, reject_unknown_* rejects, a rejected domain that resolves now', async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const r = await runCheck(t, 'rdns', { dns, mainCf: readFileSync(SAMPLE_MAIN_CF, 'utf8'), logs: [SAMPLE_LOG] });
  assertFinding(findingOf(r.findings, 'rdns.inbound_fcrdns'), {
    severity: 'info',
    evidence: /warning: hostname mismatch\.example\.test does not resolve to address 127\.0\.0\.6/,
  });
  assertFinding(findingOf(r.findings, 'rdns.inbound_unknown_reject', /reject_unknown_reverse_client_hostname/), {
    evidence: /cannot find your reverse hostname, \[127\.0\.0\.5\]/,
  });
  assertFinding(findingOf(r.findings, 'rdns.inbound_unknown_reject', /reject_unknown_sender_domain/), {
    severity: 'warning',
    evidence: /example\.org resolves now/,
    cause: /resolver failed at the time/,
    fix: /dig MX/,
  });
});

test('doctor: a DNS server that does not answer is reported once, and the DNS checks are skipped', async (t) => {
  const dns = await startDnsServer(t, { zone: { 'mx.example.test': { fault: 'drop' } } });
  const r = await runCheck(t, null, { dns, publicIps: ['192.0.2.11'], domains: ['good.test'] });
  const f = findingOf(r.findings, 'input.dns_unreachable');
  assertFinding(f, { severity: 'warning', fix: /--resolver/ });
  assertNoFinding(r.findings, 'rdns.no_ptr');
  assertNoFinding(r.findings, 'domain.spf_missing');
  assertNoFinding(r.findings, 'rdns.offline');
  assert.equal(dns.queriesFor('mx.example.test').length, 1);
});
