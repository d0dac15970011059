/**
 * Inbound authentication in smtpd, end to end over real sockets: a client
 * on 127.0.0.9 (untrusted) sends to affix's smtpd, which checks SPF, DKIM,
 * DMARC and ARC against a DNS server on loopback and hands the message to
 * the real cleanup. DMARC p=reject refuses a spoofed From with `550 5.7.1`
 * and a `reject: END-OF-MESSAGE` line; an aligned message is queued with
 * Received-SPF: and Authentication-Results: on top and forged results
 * claiming our authserv-id removed; p=quarantine holds; reject_spf_fail and
 * defer_spf_temperror refuse in the sender restrictions.
 */
import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { type TestContext, test } from 'node:test';
import { dkimRecordText, generateDkimKey } from '../../src/auth/auth_dkim_key.ts';
import { dkimSignature } from '../../src/auth/auth_dkim_sign.ts';
import type { DnsZone } from '../peers/dns_server.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';
import { sendInbound, startInbound } from './auth_inbound_peer.ts';

const KEY = generateDkimKey('ed25519');

const ZONE: DnsZone = {
  'good.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
  '_dmarc.good.test': { TXT: ['v=DMARC1; p=reject'] },
  'bank.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
  '_dmarc.bank.test': { TXT: ['v=DMARC1; p=reject; adkim=s; aspf=s'] },
  'evil.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
  'shop.test': { TXT: ['v=spf1 -all'] },
  '_dmarc.shop.test': { TXT: ['v=DMARC1; p=quarantine'] },
  'signed.test': { TXT: ['v=spf1 ~all'] },
  '_dmarc.signed.test': { TXT: ['v=DMARC1; p=reject'] },
  'sel._domainkey.signed.test': { TXT: [dkimRecordText(KEY.key)] },
  'fail.test': { TXT: ['v=spf1 ip4:192.0.2.77 -all'] },
  'flaky.test': { fault: { TXT: 'servfail' } },
  'mail.client.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
};

function start(t: TestContext, extra: readonly string[] = []) {
  return startInbound(t, ZONE, extra);
}

const send = sendInbound;

const msg = (from: string, extra = '') =>
  `${extra}From: ${from}\nTo: user@example.test\nSubject: auth test\nDate: Sun, 29 Nov 2026 10:00:00 +0000\n\nbody\n`;

test('smtpd refuses a spoofed From under p=reject: 550 5.7.1, logged as reject: END-OF-MESSAGE', async (t) => {
  const { port, sink } = await start(t);
  const reply = await send(t, port, 'evil@evil.test', msg('CEO <ceo@bank.test>'));
  assert.equal(reply, '550 5.7.1 rejected by DMARC policy for bank.test');
  await sink.waitFor(
    /: reject: END-OF-MESSAGE from unknown\[127\.0\.0\.9\]: 550 5\.7\.1 rejected by DMARC policy for bank\.test; from=<evil@evil\.test> to=<user@example\.test> proto=ESMTP helo=<mail\.client\.test>$/,
  );
  await sink.waitFor(/: Authentication-Results: spf=pass dkim=none dmarc=fail\(p=reject from=bank\.test\) arc=none$/);
});

test('smtpd queues an aligned message with Received-SPF: and Authentication-Results: on top, forged results dropped', async (t) => {
  const { port, sink, h } = await start(t);
  const forged = 'Authentication-Results: mx.example.test; dmarc=pass header.from=good.test\n';
  const other = 'Authentication-Results: elsewhere.test; spf=pass\n';
  const reply = await send(t, port, 'alice@good.test', msg('Alice <alice@good.test>', forged + other));
  const id = /^250 2\.0\.0 Ok: queued as (\w+)$/.exec(reply)?.[1];
  assert.ok(id, reply);
  const content = await text(h.store.content(await h.store.read('incoming', id as never)));
  const [first, second] = content.split(/\n(?![ \t])/);
  assert.match(
    first!,
    /^Received-SPF: pass \(mx\.example\.test: domain of alice@good\.test designates 127\.0\.0\.9 as permitted sender\)/,
  );
  assert.match(second!, /^Authentication-Results: mx\.example\.test;\n /);
  assert.match(second!, /\n spf=pass .*smtp\.mailfrom=alice@good\.test/);
  assert.match(second!, /dmarc=pass .*header\.from=good\.test/);
  assert.ok(!content.includes('dmarc=pass header.from=good.test\n'), 'the forged field is gone');
  assert.ok(content.includes(other), 'a field of another authserv-id stays');
  assert.ok(
    h
      .lines()
      .some((l) => l.endsWith(`${id}: removed 1 Authentication-Results: header claiming authserv-id mx.example.test`)),
  );
  await sink.waitFor(`${id}: Authentication-Results: spf=pass dkim=none dmarc=pass(p=reject from=good.test) arc=none`);
});

test('a DKIM signature aligned with From passes DMARC although SPF does not', async (t) => {
  const { port, h } = await start(t);
  const unsigned = Buffer.from(msg('Shop <news@signed.test>'));
  const sig = dkimSignature(unsigned, {
    domain: 'signed.test',
    selector: 'sel',
    key: KEY.key,
    canonicalization: 'relaxed/relaxed',
    headers: ['From', 'To', 'Subject', 'Date'],
    oversign: ['From'],
    time: Math.floor(Date.now() / 1000),
  });
  const reply = await send(t, port, 'bounces@signed.test', `${sig}\n${unsigned.toString()}`);
  const id = /queued as (\w+)$/.exec(reply)?.[1];
  assert.ok(id, reply);
  const content = await text(h.store.content(await h.store.read('incoming', id as never)));
  assert.match(content, /dkim=pass header\.i=@signed\.test header\.s=sel header\.a=ed25519-sha256/);
  assert.match(content, /spf=softfail/);
  assert.match(content, /dmarc=pass/);
});

test('p=quarantine puts the message on hold with a `hold: END-OF-MESSAGE` line', async (t) => {
  const { port, sink, h } = await start(t);
  const reply = await send(t, port, 'x@evil.test', msg('Shop <deals@shop.test>'));
  const id = /queued as (\w+)$/.exec(reply)?.[1];
  assert.ok(id, reply);
  await sink.waitFor(
    /: hold: END-OF-MESSAGE from unknown\[127\.0\.0\.9\]: quarantined by DMARC policy for shop\.test; from=<x@evil\.test>/,
  );
  // The hold line is logged at end of data, just before the file is committed to hold/.
  let held = await h.store.read('hold', id as never).catch(() => null);
  for (let waited = 0; held === null && waited < 10_000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    held = await h.store.read('hold', id as never).catch(() => null);
  }
  assert.ok(held);
});

test('affix_dmarc_quarantine_action = header delivers with a marker field instead', async (t) => {
  const { port, h } = await start(t, ['affix_dmarc_quarantine_action = header']);
  const reply = await send(t, port, 'x@evil.test', msg('Shop <deals@shop.test>'));
  const id = /queued as (\w+)$/.exec(reply)?.[1];
  const content = await text(h.store.content(await h.store.read('incoming', id as never)));
  assert.match(content, /^X-Affix-DMARC-Quarantine: policy for shop\.test\n/);
});

test('reject_spf_fail refuses at RCPT with 550 5.7.23; defer_spf_temperror with 451 4.7.24', async (t) => {
  const { port, sink } = await start(t);
  const c = await smtpDialog(t, port, { localAddress: '127.0.0.9' });
  await c.expect(/^220 /);
  await c.send('EHLO mail.client.test', /^250/);
  await c.send('MAIL FROM:<bob@fail.test>', '250 2.1.0 Ok');
  await c.send(
    'RCPT TO:<user@example.test>',
    '550 5.7.23 <bob@fail.test>: Sender address rejected: SPF fail - not authorized',
  );
  await sink.waitFor(
    'NOQUEUE: reject: RCPT from unknown[127.0.0.9]: 550 5.7.23 <bob@fail.test>: Sender address rejected: SPF fail - not authorized; from=<bob@fail.test> to=<user@example.test> proto=ESMTP helo=<mail.client.test>',
  );
  await c.send('RSET', /^250 /);
  await c.send('MAIL FROM:<carol@flaky.test>', '250 2.1.0 Ok');
  await c.send(
    'RCPT TO:<user@example.test>',
    /^451 4\.7\.24 <carol@flaky\.test>: Sender address rejected: SPF temperror - /,
  );
});

test('a client in affix_dkim_internal_hosts is not checked and gets no Authentication-Results:', async (t) => {
  const { port, h } = await start(t, ['affix_dkim_internal_hosts = 127.0.0.0/8']);
  const reply = await send(t, port, 'evil@evil.test', msg('CEO <ceo@bank.test>'));
  const id = /queued as (\w+)$/.exec(reply)?.[1];
  assert.ok(id, reply);
  const content = await text(h.store.content(await h.store.read('incoming', id as never)));
  assert.ok(!content.includes('Authentication-Results:'));
});
