/**
 * Published test vectors, the ones mailauth's own test suite runs, through
 * affix's checks with affix's resolver asking a DNS server on loopback:
 *
 * - the ARC validation suite (ValiMail's arc_test_suite, MIT licence, in
 *   vectors/arc-validation-tests.json): 171 messages with sealed chains;
 *   checkInbound() must report the chain validation status the suite
 *   expects (cv= `Pass`, `Fail`, `None`; an empty cv is a broken chain,
 *   fail). The vectors mailauth itself skips are skipped here, with
 *   mailauth's reasons; one vector mailauth 7.1.0 answers otherwise is
 *   listed with its answer and the reason.
 * - the RFC 7208 SPF test suite (openspf / pyspf, BSD licence, converted
 *   from YAML to vectors/rfc7208-tests.json): 200 cases with their zone
 *   data served from the DNS server (a `TIMEOUT` name answers SERVFAIL,
 *   the same temperror); checkInbound()'s SPF result must be the expected
 *   one (or one of the expected ones). Skipped: the cases mailauth's suite
 *   skips, with mailauth's reasons; five cases where affix's resolver
 *   refuses a name that is not a host name are listed with affix's answer.
 * - RFC 8463 appendix A.3 (the message mailauth's Ed25519 tests verify,
 *   vectors/rfc8463-signed.eml): an Ed25519 and an RSA signature by
 *   football.example.com, keys from appendix A.2 served by the DNS server;
 *   both pass, and with a p=reject DMARC record the aligned signatures
 *   pass DMARC; a changed body fails both, and DMARC with them.
 *
 * Standards: RFC 8617 section 5.2, RFC 7208, RFC 8463 appendix A, RFC 7489
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkInbound } from '../../src/auth/auth_inbound.ts';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { type DnsNode, type DnsServerType, type DnsZone, startDnsServer } from '../peers/dns_server.ts';

const VECTORS = join(import.meta.dirname, 'vectors');

interface ArcScenario {
  readonly description: string;
  readonly tests: Readonly<Record<string, { readonly message?: string; readonly cv?: string }>>;
  readonly 'txt-records': Readonly<Record<string, string>>;
}

/** The vectors mailauth's suite skips (test/arc/arc-suite-validation-test.js), and why. */
const ARC_SKIPPED: Readonly<Record<string, string>> = {
  as_format_tags_sc: 'mailauth accepts an extra semicolon in ARC-Seal',
  as_format_tags_key_case: 'mailauth accepts upper-case ARC-Seal tag names',
  as_format_tags_dup: 'mailauth accepts duplicate tags',
  as_format_inv_tag_key: 'mailauth accepts unknown ARC-Seal tags',
  ams_fields_h_empty_added: 'the AMS h= names a field the message does not have',
};

/**
 * Vectors where mailauth 7.1.0 (newer than the suite and than the mailauth
 * whose tests run it) answers otherwise, with its answer: an
 * ARC-Message-Signature with an empty h= does not sign From, which RFC 6376
 * section 3.5 requires of every DKIM-style signature, so it is not valid.
 */
const ARC_MAILAUTH_7: Readonly<Record<string, string>> = { ams_fields_h_empty: 'fail' };

const PARAMS = { affix_authserv_id: 'mx.example.test', affix_spf_max_lookups: 10, affix_spf_max_void_lookups: 2 };

test("the ARC validation suite through checkInbound() and affix's resolver: the expected cv for every vector", async (t) => {
  const scenarios = JSON.parse(readFileSync(join(VECTORS, 'arc-validation-tests.json'), 'utf8')) as ArcScenario[];
  let checked = 0;
  const wrong: string[] = [];
  for (const scenario of scenarios) {
    const zone: Record<string, DnsZone[string]> = {};
    for (const [name, record] of Object.entries(scenario['txt-records'])) zone[name] = { TXT: [record] };
    const dns = await startDnsServer(t, { zone });
    const resolver = new DnsResolver({ servers: dns.servers, timeout: 1000, tries: 2 });
    for (const [name, vector] of Object.entries(scenario.tests)) {
      if (ARC_SKIPPED[name] !== undefined) continue;
      const expected = ARC_MAILAUTH_7[name] ?? ((vector.cv ?? '').toLowerCase() || 'fail');
      const r = await checkInbound({
        ip: '127.0.0.9',
        helo: 'mail.client.test',
        sender: '',
        content: Buffer.from(vector.message ?? ''),
        dns: resolver,
        params: PARAMS,
      });
      checked++;
      if (r.arc.result !== expected)
        wrong.push(`${scenario.description} / ${name}: ${r.arc.result}, expected ${expected}`);
      const ar = r.fields.find((f) => f.startsWith('Authentication-Results:')) ?? '';
      if (!new RegExp(`;\\n arc=${r.arc.result}\\b`).test(ar)) wrong.push(`${name}: no arc=${r.arc.result} in ${ar}`);
    }
    await dns.close();
  }
  assert.deepEqual(wrong, []);
  assert.equal(checked, 171 - Object.keys(ARC_SKIPPED).length);
});

type SpfZoneEntry = 'TIMEOUT' | Readonly<Record<string, string | readonly string[] | readonly [number, string]>>;

interface SpfScenario {
  readonly description: string;
  readonly tests: Readonly<
    Record<
      string,
      { readonly host: string; readonly mailfrom: string; readonly helo: string; readonly result: string | string[] }
    >
  >;
  readonly zonedata: Readonly<Record<string, readonly SpfZoneEntry[]>>;
}

/** The cases mailauth's suite skips (test/spf/rfc-suite-test.js), with its reasons. */
const SPF_SKIPPED: readonly [RegExp, string][] = [
  [/^non-ascii-non-spf$/, 'SPF record specific issue'],
  [/^bytes-bug$/, 'SPF record specific issue'],
  [/^two-spaces$|^trailing-space$/, 'mailauth is more relaxed about spaces'],
  [/^bare-ip6$|^cidr6-129$/, 'mailauth does not test a failing ip6 for an ip4 client'],
  [/^exp-/, 'exp= is not supported'],
  [/^p-/, 'validated-domain macros are not exact'],
  [/^invalid-hello-macro$|^hello-domain-literal$|^require-valid-helo$/, 'HELO macro domain handling differs'],
];

/**
 * Cases where affix answers otherwise, on purpose, with its answer: the
 * domain-spec names a host with `:`, `/`, `%` or a space in it, which
 * RFC 7208 section 7.1 allows but affix's DnsResolver refuses to ask about
 * (valid_hostname(), as for every name that comes from mail), so the
 * lookup is a name error and the result permerror instead of pass.
 */
const SPF_AFFIX_DIFFERS: Readonly<Record<string, string>> = {
  'a-colon-domain': 'permerror',
  'a-colon-domain-ip4mapped': 'permerror',
  'mx-colon-domain': 'permerror',
  'mx-colon-domain-ip4mapped': 'permerror',
  'macro-mania-in-domain': 'permerror',
};

/** 200 cases less the skipped ones. */
const SPF_CHECKED = 177;

const SPF_TYPES = ['A', 'AAAA', 'MX', 'PTR', 'TXT', 'CNAME'] as const;

/** mailauth's suite's escapes: `\\0` and `\\xNN` in record text. */
const unescapeRecord = (s: string) =>
  s.replace(/\\0/g, '\x00').replace(/\\x([0-9A-F]{2})/g, (_, c: string) => String.fromCharCode(Number.parseInt(c, 16)));

/** One name of the suite's zone data as the DNS server serves it (SPF-type records as TXT when there is no TXT). */
function spfNode(entries: readonly SpfZoneEntry[]): DnsNode {
  const records = new Map<string, unknown[]>();
  let timeout = false;
  for (const e of entries) {
    if (e === 'TIMEOUT') {
      timeout = true;
      continue;
    }
    for (const [type, value] of Object.entries(e)) {
      if (!records.has(type)) records.set(type, []);
      if (value !== 'NONE') records.get(type)!.push(value);
    }
  }
  if (!records.has('TXT') && records.has('SPF')) records.set('TXT', records.get('SPF')!);
  const node: Record<string, unknown> = {};
  const fault: Partial<Record<DnsServerType, 'servfail'>> = {};
  for (const type of SPF_TYPES) {
    const list = records.get(type) ?? [];
    if (list.length === 0) {
      if (timeout) fault[type] = 'servfail';
      continue;
    }
    if (type === 'TXT')
      node[type] = list.map((v) => (Array.isArray(v) ? v.map(unescapeRecord) : [unescapeRecord(v as string)]));
    else if (type === 'MX') node[type] = list.map((v) => [(v as [number, string])[0], (v as [number, string])[1]]);
    else if (type === 'CNAME') node[type] = list[0];
    else node[type] = list.map((v) => unescapeRecord(String(v)));
  }
  if (Object.keys(fault).length > 0) node['fault'] = fault;
  return node as DnsNode;
}

test("the RFC 7208 SPF suite through checkInbound() and affix's resolver: the expected result for every case", async (t) => {
  const scenarios = JSON.parse(readFileSync(join(VECTORS, 'rfc7208-tests.json'), 'utf8')) as SpfScenario[];
  let checked = 0;
  const wrong: string[] = [];
  for (const scenario of scenarios) {
    const zone: Record<string, DnsNode> = {};
    for (const [name, entries] of Object.entries(scenario.zonedata)) zone[name] = spfNode(entries);
    const dns = await startDnsServer(t, { zone });
    for (const [name, c] of Object.entries(scenario.tests)) {
      if (SPF_SKIPPED.some(([re]) => re.test(name))) continue;
      // A fresh resolver per case: no answers cached from the last one.
      const resolver = new DnsResolver({ servers: dns.servers, timeout: 1000, tries: 1 });
      const r = await checkInbound({
        ip: c.host,
        helo: c.helo,
        sender: c.mailfrom,
        content: Buffer.from('Subject: SPF suite\n\nbody\n'),
        dns: resolver,
        params: PARAMS,
      });
      checked++;
      const expected = ([] as string[]).concat(SPF_AFFIX_DIFFERS[name] ?? c.result);
      if (!expected.includes(r.spf))
        wrong.push(`${scenario.description} / ${name}: ${r.spf}, expected ${expected.join('|')}`);
    }
    await dns.close();
  }
  assert.deepEqual(wrong, []);
  assert.equal(checked, SPF_CHECKED);
});

const RFC8463_ZONE: DnsZone = {
  'brisbane._domainkey.football.example.com': {
    TXT: ['v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='],
  },
  'test._domainkey.football.example.com': {
    TXT: [
      [
        'v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR',
        'iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC',
        'DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3',
        'Ip3G+2kryOTIKT+l/K4w3QIDAQAB',
      ],
    ],
  },
  'football.example.com': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
  '_dmarc.football.example.com': { TXT: ['v=DMARC1; p=reject'] },
};

test("RFC 8463 A.3: the Ed25519 and RSA signatures pass through affix's resolver, and DMARC with them", async (t) => {
  const dns = await startDnsServer(t, { zone: RFC8463_ZONE });
  const message = readFileSync(join(VECTORS, 'rfc8463-signed.eml'));
  const check = (content: Buffer) =>
    checkInbound({
      ip: '127.0.0.9',
      helo: 'mail.client.test',
      sender: 'joe@football.example.com',
      content,
      dns: new DnsResolver({ servers: dns.servers, timeout: 1000, tries: 2 }),
      params: PARAMS,
    });
  const good = await check(message);
  assert.deepEqual(good.dkim, ['pass(d=football.example.com)', 'pass(d=football.example.com)']);
  assert.equal(good.spf, 'fail');
  assert.equal(good.dmarc?.result, 'pass');
  const ar = good.fields.find((f) => f.startsWith('Authentication-Results:')) ?? '';
  assert.match(ar, /dkim=pass header\.i=@football\.example\.com header\.s=brisbane header\.a=ed25519-sha256/);
  assert.match(ar, /dkim=pass header\.i=@football\.example\.com header\.s=test header\.a=rsa-sha256/);

  const changed = await check(Buffer.from(message.toString('latin1').replace('We lost the game.', 'We won the game.')));
  // mailauth reports a body hash mismatch as neutral with the reason, not fail; DMARC counts neither.
  assert.deepEqual(changed.dkim, ['neutral(d=football.example.com)', 'neutral(d=football.example.com)']);
  const changedAr = changed.fields.find((f) => f.startsWith('Authentication-Results:')) ?? '';
  assert.equal(changedAr.match(/dkim=neutral \(body hash did not verify\)/g)?.length, 2, changedAr);
  assert.equal(changed.dmarc?.result, 'fail');
  assert.equal(changed.dmarc?.policy, 'reject');
});
