/**
 * Relay control over real sockets: an untrusted client (127.0.0.5, outside
 * mynetworks) gets `Relay access denied` for every address trick of
 * bench-and-security.md section 4.3, worded as Postfix 3.7.11 words it;
 * a trusted client relays; the compat-3.6 default defers with 454; and
 * smtpd refuses to start without a restriction that can refuse relaying.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAffixSmtpd } from '../peers/affix_smtpd.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';

const RELAY = {
  mynetworks: '127.0.0.1/32',
  relay_domains: '',
  smtpd_relay_restrictions: 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
};

/** [RCPT argument, the address Postfix names in its reply] (postfix-3.7.11-probe-transcript.txt). */
const TRICKS: readonly (readonly [string, string])[] = [
  ['<victim@example.net>', 'victim@example.net'],
  ['<victim%example.net@mx.example.test>', 'victim%example.net@mx.example.test'],
  ['<example.net!victim@mx.example.test>', 'example.net!victim@mx.example.test'],
  ['<@mx.example.test:victim@example.net>', 'victim@example.net'],
  ['<"victim@example.net"@mx.example.test>', 'victim@example.net@mx.example.test'],
  ['<victim@example.net@mx.example.test>', 'victim@example.net@mx.example.test'],
  ['<victim@[192.0.2.1]>', 'victim@[192.0.2.1]'],
  ['<victim@example.net.>', 'victim@example.net.'],
  ['<"victim%example.net">', 'victim%example.net'],
  ['<relaytest%example.net@[127.0.0.2]>', 'relaytest%example.net@[127.0.0.2]'],
];

test('smtpd refuses every relay trick from an untrusted client with 554 5.7.1 Relay access denied', async (t) => {
  const smtpd = await startAffixSmtpd(t, RELAY);
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.5' });
  await c.expect(/^220 /);
  await c.send('EHLO client.example.org', /^250-/);
  await c.send('MAIL FROM:<sender@example.org>', '250 2.1.0 Ok');
  for (const [arg, named] of TRICKS) {
    await c.send(`RCPT TO:${arg}`, `554 5.7.1 <${named}>: Relay access denied`);
  }
  await smtpd.log.waitFor(
    'NOQUEUE: reject: RCPT from unknown[127.0.0.5]: 554 5.7.1 <victim@example.net>: Relay access denied; from=<sender@example.org> to=<victim@example.net> proto=ESMTP helo=<client.example.org>',
  );
  // Local delivery is still fine for the same client.
  await c.send('RCPT TO:<postmaster@mx.example.test>', '250 2.1.5 Ok');
  await c.send('RCPT TO:<postmaster>', '250 2.1.5 Ok');
});

test('smtpd relays for a client in mynetworks', async (t) => {
  const smtpd = await startAffixSmtpd(t, RELAY);
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.1' });
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<sender@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<victim@example.net>', '250 2.1.5 Ok');
});

test('smtpd with the compatibility-3.6 default relay restrictions defers relaying with 454 4.7.1', async (t) => {
  const smtpd = await startAffixSmtpd(t, { mynetworks: '127.0.0.1/32', relay_domains: '' });
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.5' });
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<x1@elsewhere.test>', '454 4.7.1 <x1@elsewhere.test>: Relay access denied');
});

test('smtpd relays for relay_domains and refuses the percent hack through them to elsewhere', async (t) => {
  const smtpd = await startAffixSmtpd(t, { ...RELAY, relay_domains: 'relay.test' });
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.5' });
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<u@relay.test>', '250 2.1.5 Ok');
  await c.send('RCPT TO:<u@sub.relay.test>', '250 2.1.5 Ok');
  await c.send('RCPT TO:<u%elsewhere.test@relay.test>', '554 5.7.1 <u%elsewhere.test@relay.test>: Relay access denied');
});

test('smtpd refuses to start when no restriction can refuse relaying, with Postfix fatal text', async (t) => {
  await assert.rejects(
    startAffixSmtpd(t, { compatibility_level: '0', smtpd_relay_restrictions: '', smtpd_recipient_restrictions: '' }),
    /in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit or check_relay_domains/,
  );
});

test('smtpd accepts permit_mynetworks then reject_unauth_destination in recipient restrictions only', async (t) => {
  const smtpd = await startAffixSmtpd(t, {
    mynetworks: '127.0.0.1/32',
    smtpd_relay_restrictions: '',
    smtpd_recipient_restrictions: 'permit_mynetworks, reject_unauth_destination',
  });
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.5' });
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<x@elsewhere.test>', '554 5.7.1 <x@elsewhere.test>: Relay access denied');
});
