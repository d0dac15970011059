/**
 * Signatures made by affix survive a real relay: a client in mynetworks
 * submits to the affix daemon (smtpd, cleanup, qmgr, smtp on loopback),
 * cleanup signs with RSA-2048 and Ed25519 keys from `affix dkim keygen`
 * (an OpenDKIM KeyTable/SigningTable), affix relays through relayhost to a
 * private Postfix 3.7, which delivers to a virtual maildir. The delivered
 * file — with Postfix's Received:, Delivered-To: and Return-Path: on top —
 * is checked by dkimverify (python3-dkim, both signatures) and
 * opendkim-testmsg (libopendkim), the keys served by a DNS server on
 * loopback; a copy changed after delivery fails.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main as dkimMain } from '../../src/cli/dkim.ts';
import { startMaster } from '../../src/cli/master.ts';
import { createPrograms, ServiceHub } from '../../src/cli/master_programs.ts';
import { affixInstance } from '../peers/affix_instance.ts';
import { runCli } from '../peers/cli_capture.ts';
import { freePort, postfixSkipReason, startPostfix, submit } from '../peers/postfix_instance.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { needTools, runWithDns, startDns53 } from './auth_tools.ts';

/** The owner of the virtual mailboxes in the private Postfix (nobody). */
const VUID = 65534;

async function keygen(dir: string, selector: string, type: 'rsa' | 'ed25519') {
  const r = await runCli(dkimMain, ['keygen', '-d', 'example.org', '-s', selector, '-t', type, '-D', dir], {});
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.trim();
  return { name: line.slice(0, line.indexOf('. IN TXT ')), chunks: [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!) };
}

const MESSAGE = [
  'From: Alice Example <alice@example.org>',
  'To: Bob <bob@example.net>',
  'Subject: relayed through Postfix',
  'Date: Sun, 29 Nov 2026 10:00:00 +0000',
  'Message-ID: <relay-dkim@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'Hello Bob,',
  '',
  'this message went   through two MTAs.  ',
  '.a line that starts with a dot',
  '',
].join('\n');

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

test('affix signs (RSA-2048 and Ed25519), relays to Postfix 3.7, and the delivered message verifies', async (t) => {
  const skip = postfixSkipReason() ?? (await needTools(['dkimverify', 'opendkim-testmsg', 'unshare']));
  if (skip !== undefined) return t.skip(skip);

  // Keys and records, as an OpenDKIM user has them.
  const keys = tempDir(t, 'affix-relay-keys-');
  const rsa = await keygen(keys, 'rsa2026', 'rsa');
  const ed = await keygen(keys, 'ed2026', 'ed25519');
  const dns = await startDns53(t, { zone: { [rsa.name]: { TXT: [rsa.chunks] }, [ed.name]: { TXT: [ed.chunks] } } });
  writeFileSync(
    join(keys, 'KeyTable'),
    `rsa2026 example.org:rsa2026:${keys}/rsa2026.private\ned2026 example.org:ed2026:${keys}/ed2026.private\n`,
  );
  writeFileSync(join(keys, 'SigningTable'), '*@example.org rsa2026\n*@example.org ed2026\n');

  // The private Postfix: example.net is a virtual domain delivered to maildirs.
  const boxes = tempDir(t, 'affix-relay-boxes-');
  chmodSync(boxes, 0o755);
  mkdirSync(join(boxes, 'vhosts'));
  chownSync(join(boxes, 'vhosts'), VUID, VUID);
  const pf = await startPostfix(t, {
    main: {
      virtual_mailbox_domains: 'example.net',
      virtual_mailbox_base: join(boxes, 'vhosts'),
      virtual_mailbox_maps: 'inline:{ bob@example.net=bob/ }',
      virtual_uid_maps: `static:${VUID}`,
      virtual_gid_maps: `static:${VUID}`,
    },
  });

  // The affix daemon: smtpd for mynetworks, cleanup signing, qmgr, smtp to relayhost.
  const port = await freePort();
  const inst = affixInstance(
    t,
    [
      'smtpd_peername_lookup = no',
      'mynetworks = 127.0.0.1/32',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      `relayhost = [127.0.0.1]:${pf.port}`,
      'smtp_dns_support_level = disabled',
      `affix_dkim_key_table = file:${keys}/KeyTable`,
      `affix_dkim_signing_table = refile:${keys}/SigningTable`,
      'affix_dkim_multiple_signatures = yes',
      '',
    ].join('\n'),
    [
      `127.0.0.1:${port} inet n - n - - smtpd`,
      'cleanup unix n - n - 0 cleanup',
      'qmgr unix n - n 300 1 qmgr',
      'smtp unix - - n - - smtp',
      'relay unix - - n - - smtp',
      'error unix - - n - - error',
      'retry unix - - n - - error',
      'bounce unix - - n - 0 bounce',
      'defer unix - - n - 0 bounce',
      'trace unix - - n - 0 bounce',
      '',
    ].join('\n'),
  );
  const master = await startMaster({
    optionC: inst.configDir,
    env: {},
    signals: false,
    programs: createPrograms(new ServiceHub()),
  });
  t.after(() => master.stop('immediate'));

  const reply = await submit(port, 'alice@example.org', ['bob@example.net'], MESSAGE);
  const id = /^250 2\.0\.0 Ok: queued as (\w+)$/.exec(reply)?.[1];
  assert.ok(id, reply);
  await inst.waitForLog(`${id}: DKIM-Signature field added (s=rsa2026, d=example.org)`);
  await inst.waitForLog(`${id}: DKIM-Signature field added (s=ed2026, d=example.org)`);
  await inst.waitForLog(
    new RegExp(`${id}: to=<bob@example\\.net>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${pf.port},.* status=sent `),
    30_000,
  );
  await pf.waitForLog(/postfix\/virtual\[\d+\]: \w+: to=<bob@example\.net>.*status=sent \(delivered to maildir\)/);

  const newDir = join(boxes, 'vhosts', 'bob', 'new');
  const files = readdirSync(newDir);
  assert.equal(files.length, 1);
  const delivered = readFileSync(join(newDir, files[0]!), 'latin1');
  // Postfix's trace fields are on top of affix's signatures, and the body is as sent.
  assert.match(
    delivered,
    /^Return-Path: <alice@example\.org>\nX-Original-To: bob@example\.net\nDelivered-To: bob@example\.net\nReceived: from mx\.example\.test .*\n\tby mx\.example\.test \(Postfix\)/,
  );
  assert.match(delivered, /\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.org;\s+s=rsa2026;/);
  assert.match(delivered, /\nDKIM-Signature: v=1; a=ed25519-sha256; c=relaxed\/relaxed; d=example\.org;\s+s=ed2026;/);
  assert.ok(delivered.includes('\n.a line that starts with a dot\n'), 'dot-stuffing undone on both hops');

  for (const index of ['0', '1']) {
    const r = await runWithDns(t, dns, '/usr/bin/python3', ['/usr/bin/dkimverify', '--index', index], crlf(delivered));
    assert.equal(r.stdout.trim(), 'signature ok', `index ${index}: ${r.stdout}${r.stderr}`);
    assert.equal(r.status, 0);
  }
  const testmsg = await runWithDns(t, dns, 'opendkim-testmsg', [], crlf(delivered));
  assert.equal(testmsg.status, 0, testmsg.stderr);
  assert.ok(dns.queriesFor('rsa2026._domainkey.example.org', 'TXT').length > 0);
  assert.ok(dns.queriesFor('ed2026._domainkey.example.org', 'TXT').length > 0);

  const changed = crlf(delivered.replace('went   through', 'went around'));
  const bad = await runWithDns(t, dns, '/usr/bin/python3', ['/usr/bin/dkimverify'], changed);
  assert.match(bad.stderr, /body hash mismatch/);
  assert.equal(bad.status, 1);
});
