/**
 * smtpd_proto scenarios over real sockets: the greeting, HELO/EHLO and the
 * EHLO keyword list, MAIL/RCPT replies and their errors, the small
 * commands, unknown and forbidden commands, the error limit, pipelining,
 * overlong lines, timeouts, lost connections, and a session that fails
 * alone while the daemon serves the next client. Each asserts the reply
 * the client saw and the log line an admin would grep for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAffixSmtpd } from '../peers/affix_smtpd.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';

const EHLO_REPLY = [
  '250-mx.example.test',
  '250-PIPELINING',
  '250-SIZE 10240000',
  '250-VRFY',
  '250-ETRN',
  '250-ENHANCEDSTATUSCODES',
  '250-8BITMIME',
  '250-DSN',
  '250-SMTPUTF8',
  '250 CHUNKING',
].join('\n');

test('smtpd greets with smtpd_banner and answers EHLO with Postfix keywords in Postfix order', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect('220 mx.example.test ESMTP affix');
  await c.send('EHLO client.example.org', EHLO_REPLY);
  await c.send('HELO client.example.org', '250 mx.example.test');
  await c.send('QUIT', '221 2.0.0 Bye');
  await c.waitClosed();
  await smtpd.log.waitFor('connect from unknown[127.0.0.1]');
  await smtpd.log.waitFor('disconnect from unknown[127.0.0.1] helo=1 ehlo=1 quit=1 commands=3');
});

test('smtpd hides smtpd_discard_ehlo_keywords, logs it, and refuses DSN parameters then', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_discard_ehlo_keywords: 'pipelining, dsn, chunking' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  const ehlo = await c.send('EHLO c.example', /^250-/);
  assert.ok(!ehlo!.includes('PIPELINING') && !ehlo!.includes('DSN') && !ehlo!.includes('CHUNKING'));
  assert.ok(ehlo!.includes('250-ENHANCEDSTATUSCODES'));
  await smtpd.log.waitFor('discarding EHLO keywords: PIPELINING DSN CHUNKING');
  await c.send('MAIL FROM:<a@example.org> RET=FULL', '501 5.7.1 DSN support is disabled');
  await c.send('BDAT 1 LAST', '521 5.5.1 Error: command not implemented');
  await c.waitClosed();
});

test('smtpd answers MAIL and RCPT errors as Postfix 3.7 does', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('RCPT TO:<b@mx.example.test>', '503 5.5.1 Error: need MAIL command');
  await c.send('DATA', '503 5.5.1 Error: need RCPT command');
  await c.send('MAIL FROM <a@example.org>', '501 5.5.4 Syntax: MAIL FROM:<address>');
  await c.send('MAIL FROM:<a@exa\0mple.org>', '501 5.1.7 Bad sender address syntax');
  await smtpd.log.waitFor('warning: Illegal address syntax from unknown[127.0.0.1] in MAIL command: <a@exa?mple.org>');
  await c.send('MAIL FROM:<a@example.org> SIZE=12x', '501 5.5.4 Bad message size syntax');
  await c.send('MAIL FROM:<a@example.org> FOO=BAR', '555 5.5.4 Unsupported option: FOO=BAR');
  await c.send('MAIL FROM:<a@example.org> SIZE=999999999999', '552 5.3.4 Message size exceeds fixed limit');
  await smtpd.log.waitFor(
    'NOQUEUE: reject: MAIL from unknown[127.0.0.1]: 552 5.3.4 Message size exceeds fixed limit; from=<a@example.org> proto=SMTP',
  );
  await c.send('MAIL FROM:<a@example.org> BODY=8BITMIME SIZE=100', '250 2.1.0 Ok');
  await c.send('MAIL FROM:<a@example.org>', '503 5.5.1 Error: nested MAIL command');
  await c.send('RCPT TO:<"wietse venema>', '501 5.1.3 Bad recipient address syntax');
  await c.send('RCPT TO:<b@mx.example.test> NOTIFY=NEVER,SUCCESS', '501 5.5.4 Error: Bad NOTIFY parameter syntax');
  await c.send(
    `RCPT TO:<b@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example>`,
    '501 5.1.3 Bad recipient address syntax',
  );
  await c.send('RCPT TO:<>', '501 5.1.3 Bad recipient address syntax');
  await c.send('DATA', '554 5.5.1 Error: no valid recipients');
  await c.send('RSET', '250 2.0.0 Ok');
  await c.send('RSET x', '501 5.5.4 Syntax: RSET');
  await c.send('QUIT', '221 2.0.0 Bye');
  const line = (await smtpd.log.waitFor('disconnect from')).line;
  assert.match(line, / mail=1\/7 rcpt=0\/5 data=0\/2 rset=1\/2 quit=1 commands=3\/17$/);
});

test('smtpd with smtpd_helo_required wants HELO/EHLO before MAIL', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_helo_required: 'yes' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '503 5.5.1 Error: send HELO/EHLO first');
  await c.send('ETRN example.org', '503 Error: send HELO/EHLO first');
  await c.send('HELO c.example', '250 mx.example.test');
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
});

test('smtpd answers NOOP, VRFY, ETRN, HELP and XCLIENT as Postfix does', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('NOOP', '250 2.0.0 Ok');
  await c.send('VRFY u@mx.example.test', '252 2.0.0 u@mx.example.test');
  await c.send('VRFY', '501 5.5.4 Syntax: VRFY address [SMTPUTF8]');
  await c.send('ETRN', '500 Syntax: ETRN domain');
  await c.send('ETRN bad!domain', '501 Error: invalid parameter syntax');
  await c.send('ETRN example.org', '459 <example.org>: service unavailable');
  await smtpd.log.waitFor('warning: reject: ETRN example.org... from unknown[127.0.0.1]');
  await c.send(
    'HELP',
    '214 2.0.0 Commands: AUTH BDAT DATA EHLO ETRN HELO HELP MAIL NOOP QUIT RCPT RSET STARTTLS VRFY XCLIENT XFORWARD',
  );
  await c.send('XCLIENT NAME=x', '550 5.7.0 Error: insufficient authorization');
  await c.send('STARTTLS', '502 5.5.1 Error: command not implemented');
  await c.send('AUTH PLAIN', '503 5.5.1 Error: authentication not enabled');
  await c.send('EXPN staff', '500 5.5.2 Error: command not recognized');
});

test('smtpd with disable_vrfy_command refuses VRFY and leaves it out of EHLO', async (t) => {
  const smtpd = await startAffixSmtpd(t, { disable_vrfy_command: 'yes' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  const ehlo = await c.send('EHLO c.example', /^250-/);
  assert.ok(!ehlo!.includes('VRFY'));
  await c.send('VRFY u', '502 5.5.1 VRFY command is disabled');
});

test('smtpd says goodbye to HTTP and header-like commands (smtpd_forbidden_commands)', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('POST / HTTP/1.0', '221 2.7.0 Error: I can break rules, too. Goodbye.');
  await c.waitClosed();
  await smtpd.log.waitFor('warning: non-SMTP command from unknown[127.0.0.1]: POST / HTTP/1.0');
  const d = await smtpDialog(t, smtpd.port);
  await d.expect(/^220 /);
  await d.send('Subject: hello', '221 2.7.0 Error: I can break rules, too. Goodbye.');
  await d.waitClosed();
  await smtpd.log.waitFor('disconnect from unknown[127.0.0.1] unknown=0/1 commands=0/1');
});

test('smtpd hangs up with 421 after smtpd_hard_error_limit errors and logs too many errors', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_error_sleep_time: '0' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  for (let i = 0; i < 20; i++) await c.send('BOGUS', '500 5.5.2 Error: command not recognized');
  await c.send('BOGUS', '421 4.7.0 mx.example.test Error: too many errors');
  await c.waitClosed();
  await smtpd.log.waitFor('too many errors after UNKNOWN from unknown[127.0.0.1]');
  await smtpd.log.waitFor('disconnect from unknown[127.0.0.1] unknown=0/20 commands=0/20');
});

test('smtpd with smtpd_forbid_unauth_pipelining refuses a command pipelined after EHLO', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_forbid_unauth_pipelining: 'yes' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  c.raw('EHLO c.example\r\nMAIL FROM:<a@example.org>\r\n');
  await c.expect('554 5.5.0 Error: SMTP protocol synchronization');
  await c.waitClosed();
  await smtpd.log.waitFor(
    'improper command pipelining after EHLO from unknown[127.0.0.1]: MAIL FROM:<a@example.org>\\r\\n',
  );
});

test('smtpd without smtpd_forbid_unauth_pipelining logs improper pipelining once and goes on', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  c.raw('HELO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@mx.example.test>\r\nNOOP\r\n');
  await c.expect('250 mx.example.test');
  await c.expect('250 2.1.0 Ok');
  await c.expect('250 2.1.5 Ok');
  await c.expect('250 2.0.0 Ok');
  await smtpd.log.waitFor(
    'improper command pipelining after HELO from unknown[127.0.0.1]: MAIL FROM:<a@example.org>\\r\\nRCPT',
  );
});

test('smtpd reads an overlong command up to line_length_limit, skips the rest, and warns', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send(`NOOP ${'x'.repeat(5000)}`, '250 2.0.0 Ok');
  await smtpd.log.waitFor(`warning: unknown[127.0.0.1]: request longer than 2048: NOOP ${'x'.repeat(25)}...`);
  await c.send('QUIT', '221 2.0.0 Bye');
});

test('smtpd answers a line that is not UTF-8 with 500 5.5.2 Error: bad UTF-8 syntax', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  c.raw(Buffer.from([0x4e, 0x4f, 0x4f, 0x50, 0x20, 0xff, 0xfe, 13, 10]));
  await c.expect('500 5.5.2 Error: bad UTF-8 syntax');
});

test('smtpd with smtpd_forbid_bare_newline = reject refuses a command ending in bare LF and hangs up', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_forbid_bare_newline: 'reject', mynetworks: '192.0.2.0/24' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  c.raw('EHLO c.example\n');
  await c.expect('550 5.5.2 mx.example.test Error: bare <LF> received');
  await c.waitClosed();
  await smtpd.log.waitFor('NOQUEUE: reject: CONNECT from unknown[127.0.0.1]: bare <LF> received; proto=SMTP');
});

test('smtpd times out an idle client with 421 4.4.2 and logs timeout after the last command', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_timeout: '1s' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('EHLO c.example', /^250-/);
  await c.expect('421 4.4.2 mx.example.test Error: timeout exceeded');
  await c.waitClosed();
  await smtpd.log.waitFor('timeout after EHLO from unknown[127.0.0.1]');
});

test('smtpd logs lost connection after the last command when the client goes away', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  c.close();
  await smtpd.log.waitFor('lost connection after MAIL from unknown[127.0.0.1]');
  await smtpd.log.waitFor('disconnect from unknown[127.0.0.1] mail=1 commands=1');
});

test('a failing session gets 421 4.3.0 Server local error and a warning; the next client is served', async (t) => {
  const smtpd = await startAffixSmtpd(
    t,
    {},
    {
      deps: {
        resolver: {
          resolve: async () => {
            throw new TypeError('resolver exploded');
          },
          isLocalDomain: async () => false,
        },
      },
    },
  );
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '421 4.3.0 mx.example.test Server local error');
  await c.waitClosed();
  await smtpd.log.waitFor(
    /warning: unknown\[127\.0\.0\.1\]: unexpected error after MAIL: TypeError: resolver exploded/,
  );
  const d = await smtpDialog(t, smtpd.port);
  await d.expect('220 mx.example.test ESMTP affix');
  await d.send('NOOP', '250 2.0.0 Ok');
});

test('smtpd without a cleanup service refuses the first recipient with 451 4.3.0', async (t) => {
  const smtpd = await startAffixSmtpd(t, {}, { noCleanup: true });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<b@mx.example.test>', '451 4.3.0 Error: queue file write error');
  await smtpd.log.waitFor('warning: no cleanup service: mail will be refused');
});

test('smtpd refuses recipients over smtpd_recipient_limit with 452 and drops an overshooting client', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_recipient_limit: '2', smtpd_recipient_overshoot_limit: '2' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<b1@mx.example.test>', '250 2.1.5 Ok');
  await c.send('RCPT TO:<b2@mx.example.test>', '250 2.1.5 Ok');
  await c.send('RCPT TO:<b3@mx.example.test>', '452 4.5.3 Error: too many recipients');
  await c.send('RCPT TO:<b4@mx.example.test>', '452 4.5.3 Error: too many recipients');
  await c.send('RCPT TO:<b5@mx.example.test>', '452 4.5.3 Error: too many recipients');
  await c.send('QUIT', '221 2.0.0 Bye');
  await smtpd.log.waitFor('disconnect from unknown[127.0.0.1] mail=1 rcpt=4/5 quit=1 commands=6/7');
});
