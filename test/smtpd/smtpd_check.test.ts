/**
 * smtpd restrictions over real sockets: delayed and immediate rejects,
 * the HELO, sender and recipient checks (with a DNS server on loopback for
 * the unknown-domain, reverse-DNS and DNSBL checks), access(5) results,
 * restriction classes, recipient tables, warn_if_reject, defer_if_permit,
 * table failures, data and end-of-data restrictions, and ETRN. Replies are
 * those postfix-compat.md section 6.2 records from Postfix 3.7.11.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { startAffixSmtpd } from '../peers/affix_smtpd.ts';
import { startDnsServer } from '../peers/dns_server.ts';
import { type SmtpDialog, smtpDialog } from '../peers/smtp_dialog.ts';

async function mailFrom(c: SmtpDialog, sender = 'a@example.org', helo = 'client.example.org'): Promise<void> {
  await c.expect(/^220 /);
  await c.send(`EHLO ${helo}`, /^250-/);
  await c.send(`MAIL FROM:<${sender}>`, '250 2.1.0 Ok');
}

async function dnsFor(t: import('node:test').TestContext) {
  const server = await startDnsServer(t, {
    zone: {
      'example.org': { MX: [[10, 'mx.example.org']] },
      'mx.example.org': { A: ['192.0.2.10'] },
      'servfail.test': { fault: 'servfail' },
      'nullmx.test': { MX: [[0, '.']] },
      'host.exists.test': { A: ['192.0.2.11'] },
      '5.0.0.127.rbl.test': { A: ['127.0.0.2'], TXT: ['Listed by test RBL, see http://rbl.test/lookup?ip=127.0.0.5'] },
      '6.0.0.127.rbl.test': { A: ['127.0.0.3'] },
      'spammer.test.dbl.test': { A: ['127.0.1.2'] },
      '8.0.0.127.in-addr.arpa': { PTR: ['good.example.test'] },
      'good.example.test': { A: ['127.0.0.8'] },
      '6.0.0.127.in-addr.arpa': { PTR: ['mismatch.example.test'] },
      'mismatch.example.test': { A: ['192.0.2.66'] },
    },
  });
  return new DnsResolver({ servers: server.servers, timeout: 2000, tries: 1 });
}

test('client restrictions are delayed to RCPT by default and logged as RCPT rejects', async (t) => {
  const smtpd = await startAffixSmtpd(t, {
    smtpd_client_restrictions: 'check_client_access inline:{{127.0.0.20=REJECT Go away spammer}}',
  });
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.20' });
  await mailFrom(c);
  await c.send(
    'RCPT TO:<carol@mx.example.test>',
    '554 5.7.1 <unknown[127.0.0.20]>: Client host rejected: Go away spammer',
  );
  await smtpd.log.waitFor(
    'NOQUEUE: reject: RCPT from unknown[127.0.0.20]: 554 5.7.1 <unknown[127.0.0.20]>: Client host rejected: Go away spammer; from=<a@example.org> to=<carol@mx.example.test> proto=ESMTP helo=<client.example.org>',
  );
});

test('with smtpd_delay_reject = no the client is refused at connect and every command after', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_delay_reject: 'no', smtpd_client_restrictions: 'reject' });
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.6' });
  await c.expect('554 5.7.1 <unknown[127.0.0.6]>: Client host rejected: Access denied');
  await c.send('EHLO x.example', '503 5.7.0 Error: access denied for unknown[127.0.0.6]');
  await c.send('QUIT', '221 2.0.0 Bye');
  await smtpd.log.waitFor(
    'NOQUEUE: reject: CONNECT from unknown[127.0.0.6]: 554 5.7.1 <unknown[127.0.0.6]>: Client host rejected: Access denied; proto=SMTP',
  );
});

test('HELO restrictions: invalid, non-FQDN and unknown names', async (t) => {
  const dns = await dnsFor(t);
  const smtpd = await startAffixSmtpd(
    t,
    {
      smtpd_helo_restrictions:
        'reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname',
    },
    { dns },
  );
  const expectations: readonly (readonly [string, string])[] = [
    ['-bad-!name', '501 5.5.2 <-bad-!name>: Helo command rejected: Invalid name'],
    ['nodots', '504 5.5.2 <nodots>: Helo command rejected: need fully-qualified hostname'],
    ['host.nosuch.test', '450 4.7.1 <host.nosuch.test>: Helo command rejected: Host not found'],
    ['[300.1.2.3]', '501 5.5.2 <[300.1.2.3]>: Helo command rejected: invalid ip address'],
  ];
  for (const [helo, reply] of expectations) {
    const c = await smtpDialog(t, smtpd.port);
    await mailFrom(c, 'a@example.org', helo);
    await c.send('RCPT TO:<carol@mx.example.test>', reply);
  }
  const c = await smtpDialog(t, smtpd.port);
  await mailFrom(c, 'a@example.org', 'host.exists.test');
  await c.send('RCPT TO:<carol@mx.example.test>', '250 2.1.5 Ok');
});

test('sender and recipient domain checks with DNS: Domain not found, null MX, and a SERVFAIL deferral', async (t) => {
  const dns = await dnsFor(t);
  const smtpd = await startAffixSmtpd(
    t,
    {
      smtpd_sender_restrictions: 'reject_non_fqdn_sender, reject_unknown_sender_domain',
      smtpd_recipient_restrictions: 'reject_non_fqdn_recipient, reject_unknown_recipient_domain, permit',
      smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
    },
    { dns },
  );
  const run = async (sender: string, rcpt: string, reply: string) => {
    const c = await smtpDialog(t, smtpd.port);
    await mailFrom(c, sender);
    await c.send(`RCPT TO:<${rcpt}>`, reply);
  };
  await run(
    'a@nodots',
    'carol@mx.example.test',
    '504 5.5.2 <a@nodots>: Sender address rejected: need fully-qualified address',
  );
  await run(
    'a@nosuch.test',
    'carol@mx.example.test',
    '450 4.1.8 <a@nosuch.test>: Sender address rejected: Domain not found',
  );
  await run(
    'a@nullmx.test',
    'carol@mx.example.test',
    '550 5.7.27 <a@nullmx.test>: Sender address rejected: Domain nullmx.test does not accept mail (nullMX)',
  );
  await run(
    'a@example.org',
    'user@nosuchdomain.test',
    '450 4.1.2 <user@nosuchdomain.test>: Recipient address rejected: Domain not found',
  );
  await run(
    'a@example.org',
    'user@nodots',
    '504 5.5.2 <user@nodots>: Recipient address rejected: need fully-qualified address',
  );
  // A temporary failure only defers when everything else would permit.
  await run(
    'a@servfail.test',
    'carol@mx.example.test',
    '450 4.1.8 <a@servfail.test>: Sender address rejected: Domain not found',
  );
  await run('a@example.org', 'carol@mx.example.test', '250 2.1.5 Ok');
});

test('reverse DNS: reject_unknown_client_hostname and _reverse_client_hostname', async (t) => {
  const dns = await dnsFor(t);
  const smtpd = await startAffixSmtpd(
    t,
    { smtpd_peername_lookup: 'yes', smtpd_client_restrictions: 'reject_unknown_client_hostname' },
    { dns },
  );
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.6' });
  await mailFrom(c);
  await c.send(
    'RCPT TO:<carol@mx.example.test>',
    '450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.6]',
  );
  await smtpd.log.waitFor('warning: hostname mismatch.example.test does not resolve to address 127.0.0.6');
  const good = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.8' });
  await mailFrom(good);
  await good.send('RCPT TO:<carol@mx.example.test>', '250 2.1.5 Ok');
  await smtpd.log.waitFor('connect from good.example.test[127.0.0.8]');

  const smtpd2 = await startAffixSmtpd(
    t,
    { smtpd_peername_lookup: 'yes', smtpd_client_restrictions: 'reject_unknown_reverse_client_hostname' },
    { dns },
  );
  const d = await smtpDialog(t, smtpd2.port, { localAddress: '127.0.0.5' });
  await mailFrom(d);
  await d.send(
    'RCPT TO:<carol@mx.example.test>',
    '450 4.7.1 Client host rejected: cannot find your reverse hostname, [127.0.0.5]',
  );
});

test('DNSBL and RHSBL: the reply names the list and quotes its TXT record; a filter can exclude an answer', async (t) => {
  const dns = await dnsFor(t);
  const smtpd = await startAffixSmtpd(
    t,
    { smtpd_client_restrictions: 'reject_rbl_client rbl.test=127.0.0.2, reject_rhsbl_sender dbl.test' },
    { dns },
  );
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.5' });
  await mailFrom(c, 'sender@example.org');
  await c.send(
    'RCPT TO:<carol@mx.example.test>',
    '554 5.7.1 Service unavailable; Client host [127.0.0.5] blocked using rbl.test; Listed by test RBL, see http://rbl.test/lookup?ip=127.0.0.5',
  );
  const d = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.6' });
  await mailFrom(d, 'x@spammer.test');
  await d.send(
    'RCPT TO:<carol@mx.example.test>',
    '554 5.7.1 Service unavailable; Sender address [x@spammer.test] blocked using dbl.test',
  );
  const e = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.6' });
  await mailFrom(e);
  await e.send('RCPT TO:<carol@mx.example.test>', '250 2.1.5 Ok');
});

test('access(5) results: REJECT without text, numeric codes with DSN, HOLD, DISCARD, WARN, DUNNO, OK and classes', async (t) => {
  const smtpd = await startAffixSmtpd(t, {
    smtpd_restriction_classes: 'strict',
    strict: 'reject_non_fqdn_helo_hostname',
    smtpd_sender_restrictions:
      'check_sender_access inline:{spam@example.org=REJECT, {spf@example.org=550 5.7.26 SPF fail}, strict@example.org=strict, ok@example.org=OK}',
    smtpd_recipient_restrictions:
      'check_recipient_access inline:{{hold@mx.example.test=HOLD quarantine test}, disc@mx.example.test=DISCARD, {warn@mx.example.test=WARN just a warning}, dunno@mx.example.test=DUNNO}',
  });
  const run = async (sender: string, rcpt: string, reply: string, helo = 'client.example.org') => {
    const c = await smtpDialog(t, smtpd.port);
    await mailFrom(c, sender, helo);
    return c.send(`RCPT TO:<${rcpt}>`, reply).then(() => c);
  };
  await run(
    'spam@example.org',
    'carol@mx.example.test',
    '554 5.7.1 <spam@example.org>: Sender address rejected: Access denied',
  );
  await run(
    'spf@example.org',
    'carol@mx.example.test',
    '550 5.7.26 <spf@example.org>: Sender address rejected: SPF fail',
  );
  await run(
    'strict@example.org',
    'carol@mx.example.test',
    '504 5.5.2 <nodots>: Helo command rejected: need fully-qualified hostname',
    'nodots',
  );
  await run('a@example.org', 'warn@mx.example.test', '250 2.1.5 Ok');
  await smtpd.log.waitFor(
    /NOQUEUE: warn: RCPT from unknown\[127\.0\.0\.1\]: just a warning; from=<a@example\.org> to=<warn@mx\.example\.test>/,
  );
  const held = await run('a@example.org', 'hold@mx.example.test', '250 2.1.5 Ok');
  await smtpd.log.waitFor(
    'NOQUEUE: hold: RCPT from unknown[127.0.0.1]: <hold@mx.example.test>: Recipient address quarantine test; from=<a@example.org> to=<hold@mx.example.test> proto=ESMTP helo=<client.example.org>',
  );
  await held.send('DATA', /^354 /);
  await held.send('x\r\n.', /^250 2\.0\.0 Ok: queued as /);
  assert.equal(smtpd.cleanup.queued.at(-1)?.queue, 'hold');
  const disc = await run('a@example.org', 'disc@mx.example.test', '250 2.1.5 Ok');
  await smtpd.log.waitFor(
    'NOQUEUE: discard: RCPT from unknown[127.0.0.1]: <disc@mx.example.test>: Recipient address triggers DISCARD action;',
  );
  await disc.send('DATA', /^354 /);
  await disc.send('x\r\n.', /^250 2\.0\.0 Ok: queued as /);
  await run('a@example.org', 'dunno@mx.example.test', '250 2.1.5 Ok');
});

test('reject_unlisted_recipient (implicit) refuses unknown local users: User unknown in local recipient table', async (t) => {
  const smtpd = await startAffixSmtpd(t, { local_recipient_maps: 'inline:{carol=x}' });
  const c = await smtpDialog(t, smtpd.port);
  await mailFrom(c, 'sender@example.org');
  await c.send(
    'RCPT TO:<nosuchuser@mx.example.test>',
    '550 5.1.1 <nosuchuser@mx.example.test>: Recipient address rejected: User unknown in local recipient table',
  );
  await c.send('RCPT TO:<carol@mx.example.test>', '250 2.1.5 Ok');
  await c.send('RCPT TO:<postmaster@mx.example.test>', '250 2.1.5 Ok');
});

test('warn_if_reject logs reject_warning and lets the mail through', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_helo_restrictions: 'warn_if_reject reject_non_fqdn_helo_hostname' });
  const c = await smtpDialog(t, smtpd.port);
  await mailFrom(c, 'a@example.org', 'nodots');
  await c.send('RCPT TO:<carol@mx.example.test>', '250 2.1.5 Ok');
  await smtpd.log.waitFor(
    'NOQUEUE: reject_warning: RCPT from unknown[127.0.0.1]: 504 5.5.2 <nodots>: Helo command rejected: need fully-qualified hostname;',
  );
});

test('a table that cannot answer yields 451 4.3.5 Server configuration error; an unknown restriction too', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_client_restrictions: 'check_client_access fail:x' });
  const c = await smtpDialog(t, smtpd.port);
  await mailFrom(c);
  await c.send(
    'RCPT TO:<carol@mx.example.test>',
    '451 4.3.5 <unknown[127.0.0.1]>: Client host rejected: Server configuration error',
  );
  const smtpd2 = await startAffixSmtpd(t, { smtpd_recipient_restrictions: 'no_such_restriction' });
  const d = await smtpDialog(t, smtpd2.port);
  await mailFrom(d);
  await d.send('RCPT TO:<carol@mx.example.test>', '451 4.3.5 Server configuration error');
  await smtpd2.log.waitFor('warning: unknown smtpd restriction: "no_such_restriction"');
});

test('data and end-of-data restrictions: multi-recipient bounce, pipelining, and a refusal after the content', async (t) => {
  const smtpd = await startAffixSmtpd(t, {
    smtpd_data_restrictions: 'reject_multi_recipient_bounce, reject_unauth_pipelining',
    smtpd_end_of_data_restrictions: 'check_sender_access inline:{{eod@example.org=REJECT no thanks}}',
  });
  const c = await smtpDialog(t, smtpd.port);
  await mailFrom(c, '');
  await c.send('RCPT TO:<a@mx.example.test>', '250 2.1.5 Ok');
  await c.send('RCPT TO:<b@mx.example.test>', '250 2.1.5 Ok');
  await c.send('DATA', '550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce');
  const d = await smtpDialog(t, smtpd.port);
  await d.expect(/^220 /);
  d.raw('HELO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@mx.example.test>\r\nDATA\r\n');
  await d.expect('250 mx.example.test');
  await d.expect('250 2.1.0 Ok');
  await d.expect('250 2.1.5 Ok');
  await d.expect('503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining');
  const e = await smtpDialog(t, smtpd.port);
  await mailFrom(e, 'eod@example.org');
  await e.send('RCPT TO:<a@mx.example.test>', '250 2.1.5 Ok');
  await e.send('DATA', /^354 /);
  await e.send('x\r\n.', '554 5.7.1 <eod@example.org>: Sender address rejected: no thanks');
  assert.equal(smtpd.cleanup.queued.length, 0);
  await e.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
});

test('ETRN restrictions: check_etrn_access decides before the flush service is asked', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_etrn_restrictions: 'check_etrn_access inline:{bad.example=REJECT}' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('EHLO c.example', /^250-/);
  await c.send('ETRN bad.example', '554 5.7.1 <bad.example>: Etrn command rejected: Access denied');
  await smtpd.log.waitFor(
    'NOQUEUE: reject: ETRN from unknown[127.0.0.1]: 554 5.7.1 <bad.example>: Etrn command rejected: Access denied;',
  );
});

test('soft_bounce turns every 5xx refusal into 4xx, in the reply and in the log', async (t) => {
  const smtpd = await startAffixSmtpd(t, { soft_bounce: 'yes', smtpd_recipient_restrictions: 'reject' });
  const c = await smtpDialog(t, smtpd.port);
  await mailFrom(c);
  await c.send(
    'RCPT TO:<a@mx.example.test>',
    '454 4.7.1 <a@mx.example.test>: Recipient address rejected: Access denied',
  );
  await c.send('FOO', '400 4.5.2 Error: command not recognized');
  await smtpd.log.waitFor(
    'NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 454 4.7.1 <a@mx.example.test>: Recipient address rejected: Access denied;',
  );
});

test('smtpd_reject_footer is expanded with session attributes, repeats the code on each line, \\c continues the line', async (t) => {
  const smtpd = await startAffixSmtpd(t, {
    smtpd_recipient_restrictions: 'reject',
    smtpd_reject_footer: 'Client $client_address said $helo_name.\\nSee https://help.example.test/?from=$sender_domain',
  });
  const c = await smtpDialog(t, smtpd.port);
  await mailFrom(c);
  await c.send(
    'RCPT TO:<a@mx.example.test>',
    [
      '554-5.7.1 <a@mx.example.test>: Recipient address rejected: Access denied',
      '554-5.7.1 Client 127.0.0.1 said client.example.org.',
      '554 5.7.1 See https://help.example.test/?from=example.org',
    ].join('\n'),
  );
  await c.send('NOOP', '250 2.0.0 Ok');
  // The log has the reply without the footer, as Postfix logs it.
  await smtpd.log.waitFor(
    'NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 554 5.7.1 <a@mx.example.test>: Recipient address rejected: Access denied;',
  );
  const d = await startAffixSmtpd(t, {
    smtpd_recipient_restrictions: 'reject',
    smtpd_reject_footer: '\\c (ref $client_port)',
  });
  const e = await smtpDialog(t, d.port);
  await mailFrom(e);
  await e.send(
    'RCPT TO:<a@mx.example.test>',
    /^554 5\.7\.1 <a@mx\.example\.test>: Recipient address rejected: Access denied \(ref \d+\)$/,
  );
});
