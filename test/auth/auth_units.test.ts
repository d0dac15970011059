/**
 * The pieces of src/auth one at a time: OpenDKIM's SigningTable lookup
 * order and wildcards, the From: author parser, forged
 * Authentication-Results: removal, DMARC pct=, internal hosts, the
 * resolver adapter's error codes, oversigning (a From: added after signing
 * breaks the signature), and the typed mailauth dkimSign adapter.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dkimSign, dkimVerify } from 'mailauth';
import { dkimRecordText, generateDkimKey, parseDkimKey } from '../../src/auth/auth_dkim_key.ts';
import { dkimSignature } from '../../src/auth/auth_dkim_sign.ts';
import { DkimSigner } from '../../src/auth/auth_dkim_signer.ts';
import { dmarcDisposition, dmarcPct } from '../../src/auth/auth_dmarc.ts';
import { authResolver } from '../../src/auth/auth_dns.ts';
import { authorOf, dropForgedResults, firstMailbox } from '../../src/auth/auth_header.ts';
import { internalHosts } from '../../src/auth/auth_hosts.ts';
import { mailauthDkimSign } from '../../src/auth/auth_mailauth_sign.ts';
import { lookupKeys, readSigningTable, signingMatches } from '../../src/auth/auth_opendkim_tables.ts';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { startDnsServer } from '../peers/dns_server.ts';
import { tempDir } from '../peers/tmpdir.ts';

test('SigningTable without refile is searched in OpenDKIM order: user@host, host, user@.parent, .parent, user@*, *', () => {
  assert.deepEqual(lookupKeys('bob', 'mail.example.org'), [
    'bob@mail.example.org',
    'mail.example.org',
    'bob@.example.org',
    'bob@.org',
    '.example.org',
    '.org',
    'bob@*',
    '*',
  ]);
});

test('SigningTable refile: wildcards in file order; MultipleSignatures takes every match', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'st'), '# comment\n*@sales.example.org  sales\n*@example.org  main  %\n*  fallback\n');
  const table = readSigningTable(`refile:${join(dir, 'st')}`);
  assert.equal(table.regex, true);
  assert.deepEqual(
    signingMatches(table, 'Ann@Sales.Example.org', false).map((e) => e.keyname),
    ['sales'],
  );
  assert.deepEqual(
    signingMatches(table, 'x@example.org', true).map((e) => e.keyname),
    ['main', 'fallback'],
  );
  writeFileSync(join(dir, 'plain'), 'example.org main\n.example.org sub\n');
  const plain = readSigningTable(join(dir, 'plain'));
  assert.deepEqual(
    signingMatches(plain, 'x@mail.example.org', false).map((e) => e.keyname),
    ['sub'],
  );
});

test('DkimSigner reads a KeyTable with `%` domains and inline key data, and names the domain per From', (t) => {
  const dir = tempDir(t);
  const { privatePem } = generateDkimKey('ed25519');
  const inline = privatePem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  writeFileSync(join(dir, 'kt'), `k1 %:sel:${inline}\n`);
  writeFileSync(join(dir, 'st'), '*@example.org k1 user@%\n*@other.test k1 someone@elsewhere.test\n');
  const signer = DkimSigner.fromParams({
    affix_dkim_key_table: join(dir, 'kt'),
    affix_dkim_signing_table: `refile:${join(dir, 'st')}`,
    affix_dkim_domain: [],
    affix_dkim_selector: '',
    affix_dkim_key_file: '',
    affix_dkim_multiple_signatures: false,
    affix_dkim_internal_hosts: ['127.0.0.0/8'],
    affix_dkim_signed_headers: ['From'],
    affix_dkim_oversign_headers: ['From'],
    affix_dkim_canonicalization: 'relaxed/relaxed',
    affix_dkim_sign_failure_action: 'pass',
    config_directory: dir,
  });
  assert.ok(signer);
  const [plan] = signer.plan('alice@example.org');
  assert.equal(plan?.domain, 'example.org');
  assert.equal(plan?.identity, 'user@example.org');
  assert.equal(plan?.key.algorithm, 'ed25519-sha256');
  // An i= outside d= is left out, as OpenDKIM does.
  assert.equal(signer.plan('bob@other.test')[0]?.identity, null);
  assert.deepEqual(signer.plan('carol@nowhere.test'), []);
});

test('a From: field added after signing breaks the signature, because From is oversigned', async () => {
  const { key } = generateDkimKey('rsa');
  const record = dkimRecordText(key);
  const resolver = async (name: string) => {
    if (name === 's._domainkey.example.org') return [[record]];
    throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
  };
  const msg = Buffer.from('From: a@example.org\nSubject: x\n\nbody\n');
  const sig = dkimSignature(msg, {
    domain: 'example.org',
    selector: 's',
    key,
    canonicalization: 'relaxed/relaxed',
    headers: ['From', 'Subject'],
    oversign: ['From'],
    time: null,
  });
  const wire = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'));
  const good = await dkimVerify(wire(`${sig}\n${msg}`), { resolver } as never);
  assert.equal(good.results[0]?.status.result, 'pass');
  const added = await dkimVerify(wire(`${sig}\nFrom: evil@attacker.test\n${msg}`), { resolver } as never);
  assert.equal(added.results[0]?.status.result, 'fail');
});

test('the mailauth dkimSign adapter signs through signatureData (the typed form signs nothing)', async () => {
  const { privatePem, key } = generateDkimKey('ed25519');
  const headers = await mailauthDkimSign(Buffer.from('From: a@example.org\r\n\r\nbody\r\n'), [
    {
      signingDomain: 'example.org',
      selector: 's',
      privateKey: privatePem,
      algorithm: key.algorithm,
      canonicalization: 'relaxed/relaxed',
    },
  ]);
  assert.match(headers, /^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed\/relaxed; d=example\.org;/);
  // The form index.d.ts declares: accepted, and no signature at all (stack.md section 3).
  const typed = await dkimSign(Buffer.from('From: a@example.org\r\n\r\nbody\r\n'), {
    signingDomain: 'example.org',
    selector: 's',
    privateKey: privatePem,
  });
  assert.equal(typed.signatures, '');
  await assert.rejects(
    mailauthDkimSign(Buffer.from('Subject: no from\r\n\r\nbody\r\n'), [
      {
        signingDomain: 'example.org',
        selector: 's',
        privateKey: privatePem,
        algorithm: key.algorithm,
        canonicalization: 'relaxed/relaxed',
      },
    ]),
    /no From header/,
  );
});

test('parseDkimKey refuses short RSA keys and other key types', () => {
  const { privatePem } = generateDkimKey('rsa', 1024);
  assert.equal(parseDkimKey(privatePem, 'k').bits, 1024);
  assert.throws(() => parseDkimKey('not a key', 'k.private'), /k\.private: cannot read private key/);
});

test('the author is the first mailbox of From:, comments, display names and groups aside', () => {
  assert.equal(firstMailbox(' "Doe, John" (CEO) <John@Example.ORG>'), 'John@example.org');
  assert.equal(firstMailbox(' a@example.org, b@example.net'), 'a@example.org');
  assert.equal(firstMailbox(' Team: x@team.test, y@team.test;'), 'x@team.test');
  assert.equal(firstMailbox(' undisclosed-recipients:;'), null);
  assert.deepEqual(authorOf(Buffer.from('Subject: s\nFrom: a@b.test\nFrom: c@d.test\n\nbody\n')), {
    fields: 2,
    address: 'a@b.test',
  });
});

test('only Authentication-Results: claiming our authserv-id are dropped, continuation lines included', () => {
  const msg = Buffer.from(
    'Authentication-Results: MX.Example.Test;\n\tspf=pass\nAuthentication-Results: other.test; dkim=pass\nSubject: s\n\nAuthentication-Results: mx.example.test; in the body\n',
  );
  const r = dropForgedResults(msg, 'mx.example.test');
  assert.equal(r.dropped, 1);
  assert.equal(
    r.message.toString(),
    'Authentication-Results: other.test; dkim=pass\nSubject: s\n\nAuthentication-Results: mx.example.test; in the body\n',
  );
});

test('DMARC pct= applies the policy to that share and the next milder one to the rest', () => {
  assert.equal(dmarcPct('v=DMARC1; p=reject; pct=20'), 20);
  assert.equal(dmarcPct('v=DMARC1; p=reject'), 100);
  const outcome = { result: 'fail', from: 'x.test', policy: 'reject' as const, record: 'v=DMARC1; p=reject; pct=20' };
  const p = { affix_dmarc_enforce: true };
  assert.equal(dmarcDisposition(outcome, p, () => 0.1).action, 'reject');
  assert.equal(dmarcDisposition(outcome, p, () => 0.5).action, 'quarantine');
  assert.equal(dmarcDisposition({ ...outcome, policy: 'quarantine' }, p, () => 0.5).action, 'accept');
  assert.equal(dmarcDisposition(outcome, { affix_dmarc_enforce: false }).action, 'accept');
  assert.equal(dmarcDisposition({ ...outcome, result: 'pass' }, p).action, 'accept');
});

test('internal hosts: networks, names, `!` exclusions, first match decides', () => {
  const hosts = internalHosts(['!127.0.0.7', '127.0.0.0/8', '[2001:db8::]/32', '.corp.test', 'cidr:/etc/x']);
  assert.equal(hosts.match('127.0.0.5'), true);
  assert.equal(hosts.match('127.0.0.7'), false);
  assert.equal(hosts.match('2001:db8::1'), true);
  assert.equal(hosts.match('192.0.2.1', 'pc.corp.test'), true);
  assert.equal(hosts.match('::ffff:127.0.0.2'), true);
  assert.equal(hosts.match('192.0.2.1', 'unknown'), false);
  assert.deepEqual(hosts.unsupported, ['cidr:/etc/x']);
});

test('the resolver adapter answers in node:dns shapes and throws ENOTFOUND / ENODATA / ESERVFAIL', async (t) => {
  const dns = await startDnsServer(t, {
    zone: {
      'example.test': { TXT: [['v=spf1 ', '-all']], MX: [[10, 'mx.example.test']] },
      'broken.test': { fault: 'servfail' },
    },
  });
  const resolve = authResolver(new DnsResolver({ servers: dns.servers, timeout: 500, tries: 1 }));
  assert.deepEqual(await resolve('example.test', 'TXT'), [['v=spf1 ', '-all']]);
  assert.deepEqual(await resolve('example.test', 'MX'), [{ exchange: 'mx.example.test', priority: 10 }]);
  await assert.rejects(resolve('nx.example.test', 'TXT'), { code: 'ENOTFOUND' });
  await assert.rejects(resolve('example.test', 'A'), { code: 'ENODATA' });
  await assert.rejects(resolve('broken.test', 'TXT'), { code: 'ESERVFAIL' });
  await assert.rejects(resolve('example.test', 'SRV'), { code: 'ENOTIMP' });
});
