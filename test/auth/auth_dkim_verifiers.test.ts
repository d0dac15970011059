/**
 * DKIM signatures made by cleanup, with keys and records from `affix dkim
 * keygen`, checked by two independent verifiers — dkimverify (python3-dkim)
 * and opendkim-testmsg (OpenDKIM's library) — which fetch the records from
 * a DNS server on loopback. RSA-2048 and Ed25519 side by side, as an
 * OpenDKIM KeyTable/SigningTable with MultipleSignatures configures them.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { type TestContext, test } from 'node:test';
import { main as dkimMain } from '../../src/cli/dkim.ts';
import { runCli } from '../peers/cli_capture.ts';
import type { DnsServer } from '../peers/dns_server.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { harness } from '../qmgr/harness.ts';
import { needTools, runWithDns, startDns53 } from './auth_tools.ts';

/** The character-strings of the TXT record keygen printed (`NAME. IN TXT "a" "b"`). */
function printedRecord(line: string): { name: string; chunks: string[] } {
  const name = line.slice(0, line.indexOf('. IN TXT '));
  const chunks = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  return { name, chunks };
}

async function keygen(dir: string, selector: string, type: string) {
  const r = await runCli(dkimMain, ['keygen', '-d', 'example.org', '-s', selector, '-t', type], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  return printedRecord(r.stdout.trim());
}

const MESSAGE = [
  'From: Alice Example <alice@example.org>',
  'To: Bob <bob@example.net>',
  'Subject: signed by affix',
  'Date: Sun, 29 Nov 2026 10:00:00 +0000',
  'Message-ID: <dkim-test@example.org>',
  '',
  'Hello Bob,',
  '',
  'this message is   signed.  ',
  '',
].join('\n');

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

async function signedMessage(t: TestContext): Promise<{ dns: DnsServer; signed: string; lines: () => string[] }> {
  const dir = tempDir(t, 'affix-dkim-');
  const rsa = await keygen(dir, 'rsa2026', 'rsa');
  const ed = await keygen(dir, 'ed2026', 'ed25519');
  const dns = await startDns53(t, {
    zone: { [rsa.name]: { TXT: [rsa.chunks] }, [ed.name]: { TXT: [ed.chunks] } },
  });
  writeFileSync(
    join(dir, 'KeyTable'),
    `rsa2026._domainkey.example.org example.org:rsa2026:${dir}/rsa2026.private\n` +
      `ed2026._domainkey.example.org example.org:ed2026:${dir}/ed2026.private\n`,
  );
  writeFileSync(
    join(dir, 'SigningTable'),
    '# OpenDKIM refile: wildcards\n*@example.org rsa2026._domainkey.example.org\n*@example.org ed2026._domainkey.example.org\n',
  );
  const h = await harness(t, [
    `affix_dkim_key_table = file:${dir}/KeyTable`,
    `affix_dkim_signing_table = refile:${dir}/SigningTable`,
    'affix_dkim_multiple_signatures = yes',
    'affix_dkim_internal_hosts = 127.0.0.0/8',
  ]);
  const r = await h.submit({ sender: 'alice@example.org' }, MESSAGE);
  const signed = await text(h.store.content(await h.store.read('incoming', r.queueId)));
  return { dns, signed, lines: () => h.lines() };
}

test('cleanup signs with RSA-2048 and Ed25519 and logs OpenDKIM\'s "DKIM-Signature field added" per key', async (t) => {
  const skip = await needTools(['dkimverify', 'opendkim-testmsg', 'unshare']);
  if (skip !== undefined) return t.skip(skip);
  const { signed, lines } = await signedMessage(t);
  assert.match(signed, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.org;\s+s=rsa2026;/);
  assert.match(signed, /\nDKIM-Signature: v=1; a=ed25519-sha256; c=relaxed\/relaxed; d=example\.org;\s+s=ed2026;/);
  // From is oversigned: listed once more than present.
  assert.match(signed, /h=From:Subject:Date:To:Message-ID:From;/);
  assert.ok(
    lines().some((l) =>
      /postfix\/cleanup\[\d+\]: \w+: DKIM-Signature field added \(s=rsa2026, d=example\.org\)$/.test(l),
    ),
  );
  assert.ok(lines().some((l) => /: DKIM-Signature field added \(s=ed2026, d=example\.org\)$/.test(l)));
});

test('dkimverify (python3-dkim) accepts both signatures, with the keygen records served from loopback DNS', async (t) => {
  const skip = await needTools(['dkimverify', 'unshare']);
  if (skip !== undefined) return t.skip(skip);
  const { dns, signed } = await signedMessage(t);
  for (const index of ['0', '1']) {
    const r = await runWithDns(t, dns, '/usr/bin/python3', ['/usr/bin/dkimverify', '--index', index], crlf(signed));
    assert.equal(r.stdout.trim(), 'signature ok', `index ${index}: ${r.stdout}${r.stderr}`);
    assert.equal(r.status, 0);
  }
  assert.ok(dns.queriesFor('rsa2026._domainkey.example.org', 'TXT').length > 0);
  assert.ok(dns.queriesFor('ed2026._domainkey.example.org', 'TXT').length > 0);
  const tampered = crlf(signed.replace('Subject: signed by affix', 'Subject: changed on the way'));
  const bad = await runWithDns(t, dns, '/usr/bin/python3', ['/usr/bin/dkimverify'], tampered);
  assert.equal(bad.stdout.trim(), 'signature verification failed', bad.stderr);
  assert.equal(bad.status, 1);
  const body = crlf(signed.replace('this message is', 'this message was'));
  const badBody = await runWithDns(t, dns, '/usr/bin/python3', ['/usr/bin/dkimverify'], body);
  assert.match(badBody.stderr, /body hash mismatch/);
  assert.equal(badBody.status, 1);
});

test('opendkim-testmsg (libopendkim) verifies the message and rejects a tampered copy', async (t) => {
  const skip = await needTools(['opendkim-testmsg', 'unshare']);
  if (skip !== undefined) return t.skip(skip);
  const { dns, signed } = await signedMessage(t);
  const ok = await runWithDns(t, dns, 'opendkim-testmsg', [], crlf(signed));
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  const tampered = crlf(signed.replace('Subject: signed by affix', 'Subject: changed'));
  const bad = await runWithDns(t, dns, 'opendkim-testmsg', [], tampered);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /signature|verif|bad/i);
});
