/**
 * DMARC (RFC 7489, with mailauth 7.1.0's RFC 9989 tree walk) through
 * affix's checks: checkInbound() with affix's resolver asking a DNS server
 * on loopback, messages signed with affix's own signer, one case per rule
 * — DKIM and SPF identifier alignment, relaxed and strict (`adkim=s` with
 * a subdomain signature fails: the mailauth 4.13.3 bug stack.md section 3
 * names), `sp=` for a subdomain without a record of its own, `pct=` and
 * `p=none` as affix's disposition sees them, and a SERVFAIL on the record
 * as temperror, which affix never refuses for.
 *
 * Standards: RFC 7489 sections 3.1, 6.3, 6.6; RFC 9989
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dkimRecordText, generateDkimKey } from '../../src/auth/auth_dkim_key.ts';
import { dkimSignature } from '../../src/auth/auth_dkim_sign.ts';
import { dmarcDisposition } from '../../src/auth/auth_dmarc.ts';
import { checkInbound } from '../../src/auth/auth_inbound.ts';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { type DnsZone, startDnsServer } from '../peers/dns_server.ts';

const KEY = generateDkimKey('ed25519');
const RECORD = dkimRecordText(KEY.key);

const ZONE: DnsZone = {
  // relaxed alignment, subdomains quarantined
  'relaxed.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
  '_dmarc.relaxed.test': { TXT: ['v=DMARC1; p=reject; sp=quarantine'] },
  'mail.relaxed.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
  'sel._domainkey.relaxed.test': { TXT: [RECORD] },
  'sel._domainkey.mail.relaxed.test': { TXT: [RECORD] },
  // strict alignment
  'strict.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
  '_dmarc.strict.test': { TXT: ['v=DMARC1; p=reject; adkim=s; aspf=s'] },
  'mail.strict.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
  'sel._domainkey.mail.strict.test': { TXT: [RECORD] },
  'sel._domainkey.strict.test': { TXT: [RECORD] },
  // pct=0 and p=none
  'sampled.test': { TXT: ['v=spf1 -all'] },
  '_dmarc.sampled.test': { TXT: ['v=DMARC1; p=reject; pct=0'] },
  'monitor.test': { TXT: ['v=spf1 -all'] },
  '_dmarc.monitor.test': { TXT: ['v=DMARC1; p=none'] },
  // the record cannot be had
  'broken.test': { TXT: ['v=spf1 -all'] },
  '_dmarc.broken.test': { fault: 'servfail' },
  'other.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
  'sel._domainkey.other.test': { TXT: [RECORD] },
};

const PARAMS = { affix_authserv_id: 'mx.example.test', affix_spf_max_lookups: 10, affix_spf_max_void_lookups: 2 };

const DISPOSITION = {
  affix_dmarc_enforce: true,
  affix_dmarc_reject_code: 550,
  affix_dmarc_quarantine_action: 'hold',
} as const;

interface Case {
  readonly name: string;
  readonly from: string;
  /** MAIL FROM (SPF passes for every domain here except sampled, monitor, broken). */
  readonly sender: string;
  /** d= of an Ed25519 signature, or null for an unsigned message. */
  readonly signer: string | null;
  readonly result: string;
  readonly policy?: string;
  /** affix's action (auth_dmarc) on the outcome. */
  readonly action: 'accept' | 'reject' | 'quarantine';
}

const CASES: readonly Case[] = [
  {
    name: 'DKIM d= equal to the From domain',
    from: 'relaxed.test',
    sender: 'x@other.test',
    signer: 'relaxed.test',
    result: 'pass',
    action: 'accept',
  },
  {
    name: 'DKIM d= a subdomain, relaxed',
    from: 'relaxed.test',
    sender: 'x@other.test',
    signer: 'mail.relaxed.test',
    result: 'pass',
    action: 'accept',
  },
  {
    name: 'SPF domain a subdomain, relaxed',
    from: 'relaxed.test',
    sender: 'bounce@mail.relaxed.test',
    signer: null,
    result: 'pass',
    action: 'accept',
  },
  {
    name: 'neither aligned: p=reject',
    from: 'relaxed.test',
    sender: 'x@other.test',
    signer: 'other.test',
    result: 'fail',
    policy: 'reject',
    action: 'reject',
  },
  {
    name: 'a subdomain without a record takes sp=quarantine',
    from: 'news.relaxed.test',
    sender: 'x@other.test',
    signer: 'other.test',
    result: 'fail',
    policy: 'quarantine',
    action: 'quarantine',
  },
  {
    name: 'adkim=s: a subdomain signature is not aligned',
    from: 'strict.test',
    sender: 'x@other.test',
    signer: 'mail.strict.test',
    result: 'fail',
    policy: 'reject',
    action: 'reject',
  },
  {
    name: 'aspf=s: a subdomain MAIL FROM is not aligned',
    from: 'strict.test',
    sender: 'bounce@mail.strict.test',
    signer: null,
    result: 'fail',
    policy: 'reject',
    action: 'reject',
  },
  {
    name: 'adkim=s: the exact domain is aligned',
    from: 'strict.test',
    sender: 'x@other.test',
    signer: 'strict.test',
    result: 'pass',
    action: 'accept',
  },
  {
    name: 'pct=0: the failing message gets the next milder policy',
    from: 'sampled.test',
    sender: 'x@other.test',
    signer: null,
    result: 'fail',
    policy: 'reject',
    action: 'quarantine',
  },
  {
    name: 'p=none: reported only',
    from: 'monitor.test',
    sender: 'x@other.test',
    signer: null,
    result: 'fail',
    policy: 'none',
    action: 'accept',
  },
  {
    name: 'SERVFAIL on _dmarc: temperror, accepted',
    from: 'broken.test',
    sender: 'x@other.test',
    signer: null,
    result: 'temperror',
    action: 'accept',
  },
];

function message(from: string, signer: string | null): Buffer {
  const unsigned = Buffer.from(
    `From: Someone <someone@${from}>\nTo: user@example.test\nSubject: DMARC case\nDate: Sun, 29 Nov 2026 10:00:00 +0000\n\nbody\n`,
  );
  if (signer === null) return unsigned;
  const sig = dkimSignature(unsigned, {
    domain: signer,
    selector: 'sel',
    key: KEY.key,
    canonicalization: 'relaxed/relaxed',
    headers: ['From', 'To', 'Subject', 'Date'],
    oversign: ['From'],
    time: Math.floor(Date.now() / 1000),
  });
  return Buffer.concat([Buffer.from(`${sig}\n`), unsigned]);
}

test("DMARC alignment, sp=, pct=, p=none and temperror through checkInbound() and affix's resolver", async (t) => {
  const dns = await startDnsServer(t, { zone: ZONE });
  const wrong: string[] = [];
  for (const c of CASES) {
    const r = await checkInbound({
      ip: '127.0.0.9',
      helo: 'mail.client.test',
      sender: c.sender,
      content: message(c.from, c.signer),
      dns: new DnsResolver({ servers: dns.servers, timeout: 500, tries: 1 }),
      params: PARAMS,
    });
    const got = r.dmarc?.result ?? 'none';
    if (got !== c.result) wrong.push(`${c.name}: dmarc=${got}, expected ${c.result} (${r.summary})`);
    if (c.policy !== undefined && r.dmarc?.policy !== c.policy)
      wrong.push(`${c.name}: policy ${r.dmarc?.policy}, expected ${c.policy}`);
    const action = dmarcDisposition(r.dmarc, DISPOSITION, () => 0.5).action;
    if (action !== c.action) wrong.push(`${c.name}: action ${action}, expected ${c.action}`);
    const ar = r.fields.find((f) => f.startsWith('Authentication-Results:')) ?? '';
    if (!ar.includes(`dmarc=${c.result}`)) wrong.push(`${c.name}: no dmarc=${c.result} in ${ar}`);
  }
  assert.deepEqual(wrong, []);
});
