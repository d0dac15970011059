/**
 * ARC (RFC 8617) on inbound mail, end to end over real sockets: messages
 * sealed in the test with mailauth's own sealing API (sealMessage for the
 * first hop, authenticate() with `seal` for a second), the ARC keys served
 * by the DNS server on loopback, sent by an untrusted client on 127.0.0.9
 * to affix's smtpd. The queued Authentication-Results: says arc=pass for a
 * valid chain, arc=fail for a message changed after sealing or a seal
 * whose key is gone, and arc=none when there is no chain; the summary log
 * line says the same.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { authenticate, sealMessage } from 'mailauth';
import { withArcNone } from '../../src/auth/auth_arc.ts';
import { dkimRecordText, generateDkimKey } from '../../src/auth/auth_dkim_key.ts';
import type { DnsZone } from '../peers/dns_server.ts';
import { queuedContent, sendInbound, startInbound } from './auth_inbound_peer.ts';

const LIST_KEY = generateDkimKey('rsa', 2048);
const FORWARDER_KEY = generateDkimKey('ed25519');

const ZONE: DnsZone = {
  'list.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
  '_dmarc.list.test': { TXT: ['v=DMARC1; p=none'] },
  'arc1._domainkey.list.test': { TXT: [dkimRecordText(LIST_KEY.key)] },
  'arc2._domainkey.forwarder.test': { TXT: [dkimRecordText(FORWARDER_KEY.key)] },
  'author.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
  '_dmarc.author.test': { TXT: ['v=DMARC1; p=none'] },
  'mail.client.test': { TXT: ['v=spf1 ip4:127.0.0.9 -all'] },
};

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

const MESSAGE = crlf(
  [
    'From: Author <author@author.test>',
    'To: members@list.test',
    'Subject: [list] ARC test',
    'Date: Sun, 29 Nov 2026 10:00:00 +0000',
    'Message-ID: <arc-test@author.test>',
    '',
    'A message the list forwarded.',
    '',
  ].join('\n'),
);

/** The first hop: list.test seals the message with sealMessage() (cv=none, i=1). */
async function sealedByList(message: string): Promise<string> {
  const set = await sealMessage(Buffer.from(message), {
    signingDomain: 'list.test',
    selector: 'arc1',
    privateKey: LIST_KEY.privatePem,
    authResults: 'list.test; spf=pass smtp.mailfrom=author@author.test',
    cv: 'none',
  } as Parameters<typeof sealMessage>[1]);
  assert.match(set.toString(), /^ARC-Seal: i=1; a=rsa-sha256; /);
  return set.toString() + message;
}

/** The Authentication-Results: field of a queued message, unfolded. */
function authResults(content: string): string {
  const field = content.split(/\n(?![ \t])/).find((f) => f.startsWith('Authentication-Results:'));
  assert.ok(field, content);
  return field.replace(/\n(?=[ \t])/g, '');
}

async function start(t: TestContext) {
  return startInbound(t, ZONE, ['affix_authserv_id = mx.example.test']);
}

test('a valid ARC chain: arc=pass in Authentication-Results: and in the log line', async (t) => {
  const { port, sink, h, dns } = await start(t);
  const reply = await sendInbound(t, port, 'bounces@list.test', await sealedByList(MESSAGE));
  const ar = authResults(await queuedContent(h, reply));
  assert.match(ar, /^Authentication-Results: mx\.example\.test;/);
  assert.match(ar, /; +arc=pass \(i=1 spf=pass\);/);
  // mailauth's order: spf=, then arc=, then dmarc=.
  assert.match(ar, /spf=pass .*; +arc=pass .*; +dmarc=/);
  await sink.waitFor(
    /: Authentication-Results: spf=pass dkim=none dmarc=fail\(p=none from=author\.test\) arc=pass\(i=1\)$/,
  );
  assert.ok(dns.queriesFor('arc1._domainkey.list.test', 'TXT').length > 0, 'the ARC key came from the DNS server');
});

test('a two-hop chain (second set by authenticate() with seal, Ed25519): arc=pass with i=2', async (t) => {
  const { port, sink, h } = await start(t);
  const resolver = async (name: string, rrtype: string) => {
    const node = ZONE[name.replace(/\.$/, '')];
    if (rrtype === 'TXT' && node?.TXT) return node.TXT.map((r) => (typeof r === 'string' ? [r] : [...r]));
    throw Object.assign(new Error(`query ${name}`), { code: 'ENOTFOUND' });
  };
  const first = await sealedByList(MESSAGE);
  const hop = await authenticate(Buffer.from(first), {
    ip: '127.0.0.9',
    helo: 'mail.client.test',
    sender: 'bounces@list.test',
    mta: 'forwarder.test',
    resolver,
    disableBimi: true,
    seal: { signingDomain: 'forwarder.test', selector: 'arc2', privateKey: FORWARDER_KEY.privatePem },
  } as Parameters<typeof authenticate>[1]);
  assert.equal(hop.arc === false ? 'none' : hop.arc.status.result, 'pass');
  const twice = hop.headers.split(/\r\n(?![ \t])/).filter((f) => f.startsWith('ARC-'));
  assert.equal(twice.length, 3, hop.headers);
  assert.match(twice[0]!, /^ARC-Seal: i=2; a=ed25519-sha256; .*cv=pass;/s);
  const reply = await sendInbound(t, port, 'bounces@forwarder.test', `${twice.join('\r\n')}\r\n${first}`);
  const ar = authResults(await queuedContent(h, reply));
  assert.match(ar, /; +arc=pass \(i=2 spf=pass /);
  await sink.waitFor(/ arc=pass\(i=2\)$/);
});

test('a message changed after sealing: arc=fail, with the reason', async (t) => {
  const { port, sink, h } = await start(t);
  const sealed = await sealedByList(MESSAGE);
  const tampered = sealed.replace('A message the list forwarded.', 'A message someone changed.');
  assert.notEqual(tampered, sealed);
  const reply = await sendInbound(t, port, 'bounces@list.test', tampered);
  const ar = authResults(await queuedContent(h, reply));
  assert.match(ar, /; +arc=fail \(i=1 no valid signature\);/);
  assert.doesNotMatch(ar, /arc=pass/);
  await sink.waitFor(/ arc=fail\(i=1 no valid signature\)$/);
});

test('a seal whose key is not in DNS: arc=fail', async (t) => {
  const { port, h } = await start(t);
  const sealed = (await sealedByList(MESSAGE)).replace(/s=arc1;/g, 's=gone;');
  const reply = await sendInbound(t, port, 'bounces@list.test', sealed);
  const ar = authResults(await queuedContent(h, reply));
  assert.match(ar, /; +arc=fail\b/);
});

test('no ARC headers: arc=none is written between spf= and dmarc=', async (t) => {
  const { port, sink, h } = await start(t);
  const reply = await sendInbound(t, port, 'bounces@list.test', MESSAGE);
  const content = await queuedContent(h, reply);
  const ar = authResults(content);
  assert.match(ar, /spf=pass [^;]*; +arc=none; +dmarc=fail /);
  assert.equal(ar.match(/; +arc=/g)?.length, 1, ar);
  assert.ok(!content.includes('\r'), 'the queued header fields are LF-folded');
  await sink.waitFor(/ arc=none$/);
});

test('withArcNone: before a folded dmarc= result, at the end without one', () => {
  const dmarc = `dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=${'x'.repeat(150)}.test`;
  const folded = `dmarc=pass (p=NONE sp=NONE dis=NONE)\r\n header.from=${'x'.repeat(150)}.test`;
  const field = `Authentication-Results: mx.test;\r\n dkim=none;\r\n spf=pass smtp.mailfrom=a@b.test;\r\n ${folded}`;
  assert.equal(
    withArcNone(field, dmarc),
    `Authentication-Results: mx.test;\r\n dkim=none;\r\n spf=pass smtp.mailfrom=a@b.test;\r\n arc=none;\r\n ${folded}`,
  );
  const noDmarc = 'Authentication-Results: mx.test;\r\n dkim=none;\r\n spf=none smtp.helo=h.test';
  assert.equal(withArcNone(noDmarc, null), `${noDmarc};\r\n arc=none`);
  // a dmarc= text inside another result is not taken for the dmarc= result
  const tricky = 'Authentication-Results: mx.test;\r\n spf=none (x;\r\n dmarc=fake);\r\n dmarc=none header.from=b.test';
  assert.equal(
    withArcNone(tricky, 'dmarc=none header.from=b.test'),
    'Authentication-Results: mx.test;\r\n spf=none (x;\r\n dmarc=fake);\r\n arc=none;\r\n dmarc=none header.from=b.test',
  );
});
