/**
 * smtpd DATA and BDAT scenarios: a message is acknowledged only once the
 * queue file is synced, with Postfix's Received: header; dot-stuffing,
 * long lines and mbox From lines; message_size_limit on real content; DSN
 * parameters carried into the queue; BDAT chunks, errors and resync; and
 * every SMTP smuggling end-of-data variant of bench-and-security.md
 * section 4.1, which must never yield a second message.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { DSN_NOTIFY } from '../../src/queue/queue_envelope.ts';
import { startAffixSmtpd } from '../peers/affix_smtpd.ts';
import { type SmtpDialog, smtpDialog } from '../peers/smtp_dialog.ts';

async function envelope(c: SmtpDialog, rcpts = ['b@mx.example.test']): Promise<void> {
  await c.expect(/^220 /);
  await c.send('EHLO client.example.org', /^250-/);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  for (const r of rcpts) await c.send(`RCPT TO:<${r}>`, '250 2.1.5 Ok');
}

test('smtpd queues a message, answers 250 only when its file is complete, with Postfix Received:', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c);
  await c.send('DATA', '354 End data with <CR><LF>.<CR><LF>');
  const r = await c.send('Subject: x\r\n\r\nhello\r\n..dot\r\n.', /^250 2\.0\.0 Ok: queued as ([0-9A-F]+)$/);
  const id = /queued as (\S+)$/.exec(r!)![1]!;
  const m = smtpd.cleanup.queued[0]!;
  assert.equal(m.id, id);
  // Complete (owner execute bit) and on disk before the reply was sent.
  assert.ok(existsSync(smtpd.cleanup.store.pathOf('incoming', m.id as never)));
  const text = await smtpd.cleanup.content(m);
  assert.match(
    text,
    new RegExp(
      `^Received: from client\\.example\\.org \\(unknown \\[127\\.0\\.0\\.1\\]\\)\\n` +
        `\\tby mx\\.example\\.test \\(affix\\) with ESMTP id ${id}\\n` +
        `\\tfor <b@mx\\.example\\.test>; (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [ 123]\\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4} \\(.+\\)\\n` +
        'Subject: x\\n\\nhello\\n\\.dot\\n$',
    ),
  );
  await smtpd.log.waitFor(`${id}: client=unknown[127.0.0.1]`);
  await c.send('QUIT', '221 2.0.0 Bye');
  await smtpd.log.waitFor('disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5');
});

test('smtpd writes Received: without "for" and with the date on its own line for two recipients', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c, ['b@mx.example.test', 'c@mx.example.test']);
  await c.send('DATA', /^354 /);
  const r = await c.send('\r\nbody\r\n.', /^250 2\.0\.0 Ok: queued as/);
  const id = r!.split(' ').pop();
  const text = await smtpd.cleanup.content(smtpd.cleanup.queued[0]!);
  assert.match(text, new RegExp(`\\tby mx\\.example\\.test \\(affix\\) with ESMTP id ${id};\\n\\t\\w{3}, `));
});

test('smtpd keeps an mbox From line as X-Mailbox-Line and protects a leading space line', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c);
  await c.send('DATA', /^354 /);
  await c.send('From a@example.org Sat Nov 28\r\nSubject: y\r\n\r\nz\r\n.', /^250 /);
  const text = await smtpd.cleanup.content(smtpd.cleanup.queued[0]!);
  assert.match(text, /\nX-Mailbox-Line: From a@example.org Sat Nov 28\nSubject: y\n/);
});

test('smtpd passes a line over line_length_limit on in pieces and accepts it', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c);
  await c.send('DATA', /^354 /);
  const long = 'y'.repeat(5000);
  await c.send(`Subject: l\r\n\r\n${long}\r\n.`, /^250 /);
  const text = await smtpd.cleanup.content(smtpd.cleanup.queued[0]!);
  assert.ok(text.endsWith(`\n${long}\n`));
});

test('smtpd refuses content over message_size_limit with 552 5.3.4 and queues nothing', async (t) => {
  const smtpd = await startAffixSmtpd(t, { message_size_limit: '1000' });
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c);
  await c.send('DATA', /^354 /);
  const big = `Subject: big\r\n\r\n${'z'.repeat(80)}\r\n`.repeat(20);
  await c.send(`${big}.`, '552 5.3.4 Error: message file too big');
  await smtpd.log.waitFor(/warning: [0-9A-F]+: queue file size limit exceeded/);
  assert.equal(smtpd.cleanup.queued.length, 0);
  // The session is in sync and usable.
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
});

test('smtpd carries DSN ENVID, RET, NOTIFY and ORCPT into the queue', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('EHLO c.example', /^250-/);
  await c.send('MAIL FROM:<a@example.org> RET=HDRS ENVID=abc+2Bdef', '250 2.1.0 Ok');
  await c.send('RCPT TO:<b@mx.example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;B+40example.org', '250 2.1.5 Ok');
  await c.send('RCPT TO:<c@mx.example.test>', '250 2.1.5 Ok');
  await c.send('DATA', /^354 /);
  await c.send('x\r\n.', /^250 /);
  const q = smtpd.cleanup.queued[0]!;
  const msg = await smtpd.cleanup.store.read(q.queue, q.id);
  assert.equal(msg.envelope.envid, 'abc+def');
  assert.equal(msg.envelope.ret, 'HDRS');
  assert.equal(msg.recipients[0]!.recipient.notify, DSN_NOTIFY.SUCCESS | DSN_NOTIFY.FAILURE);
  assert.equal(msg.recipients[0]!.recipient.orcpt, 'rfc822;B@example.org');
  assert.equal(msg.recipients[1]!.recipient.orcpt, 'rfc822;c@mx.example.test');
});

test('smtpd logs lost connection after DATA with the byte count', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c);
  await c.send('DATA', /^354 /);
  c.raw('Subject: x\r\n\r\npartial');
  await new Promise((r) => setTimeout(r, 100));
  c.close();
  await smtpd.log.waitFor(/lost connection after DATA \(\d+ bytes\) from unknown\[127\.0\.0\.1\]/);
  assert.equal(smtpd.cleanup.queued.length, 0);
});

test('smtpd takes BDAT LAST as a whole message: 250 2.0.0 Ok: 7 bytes queued as ID', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c);
  c.raw('BDAT 5 LAST\r\nHello');
  await c.expect(/^250 2\.0\.0 Ok: 7 bytes queued as [0-9A-F]+$/);
  const text = await smtpd.cleanup.content(smtpd.cleanup.queued[0]!);
  assert.ok(text.endsWith('\nHello\n'));
});

test('smtpd joins BDAT chunks that split lines and CRLF, pipelined', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c);
  // The CRLF after the Subject line is split across the chunks.
  c.raw('BDAT 12\r\nSubject: ab\rBDAT 10\r\n\n\r\nline1\r\nBDAT 0 LAST\r\n');
  await c.expect('250 2.0.0 Ok: 12 bytes');
  await c.expect('250 2.0.0 Ok: 10 bytes');
  // act_size counts each line plus CRLF: (11 + 2) + (0 + 2) + (5 + 2).
  await c.expect(/^250 2\.0\.0 Ok: 22 bytes queued as /);
  const text = await smtpd.cleanup.content(smtpd.cleanup.queued[0]!);
  assert.ok(text.endsWith('\nSubject: ab\n\nline1\n'), JSON.stringify(text));
});

test('smtpd skips BDAT content after an error and resynchronizes at BDAT LAST', async (t) => {
  const smtpd = await startAffixSmtpd(t);
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('EHLO c.example', /^250-/);
  c.raw('BDAT 4\r\nabcdBDAT 3 LAST\r\nxyz');
  await c.expect('503 5.5.1 Error: need RCPT command');
  await c.expect('551 5.0.0 Discarded 3 bytes after earlier error');
  await c.send('BDAT x', '521 5.5.4 Syntax: BDAT count [LAST]');
  await c.waitClosed();
  await smtpd.log.waitFor('warning: NOQUEUE: malformed BDAT command syntax from unknown[127.0.0.1]: BDAT x');
});

/** The smuggling payload: a first message, SEQ, then a complete second transaction. */
function smuggle(seq: string): string {
  return (
    'From: a@example.org\r\nTo: b@mx.example.test\r\nSubject: first\r\n\r\nbody' +
    seq +
    'MAIL FROM:<admin@example.org>\r\nRCPT TO:<v@mx.example.test>\r\nDATA\r\nFrom: admin@example.org\r\n\r\nsmuggled\r\n.\r\n'
  );
}

const SEQUENCES: Readonly<Record<string, string>> = {
  lf_dot_lf: '\n.\n',
  lf_dot_cr: '\n.\r',
  cr_dot_lf: '\r.\n',
  cr_dot_cr: '\r.\r',
  lf_dot_crlf: '\n.\r\n',
  cr_dot_crlf: '\r.\r\n',
  crlf_nul_dot_crlf: '\r\n\x00.\r\n',
  crlf_dot_cr_crlf: '\r\n.\r\r\n',
  crcrlf_dot_crcrlf: '\r\r\n.\r\r\n',
  crlf_dot_lf: '\r\n.\n',
  crlf_dot_cr: '\r\n.\r',
};

test('no SMTP smuggling end-of-data variant yields a second message (default: normalize)', async (t) => {
  const smtpd = await startAffixSmtpd(t, { mynetworks: '192.0.2.0/24' });
  for (const [name, seq] of Object.entries(SEQUENCES)) {
    const before = smtpd.cleanup.queued.length;
    const c = await smtpDialog(t, smtpd.port);
    await envelope(c);
    await c.send('DATA', /^354 /);
    c.raw(smuggle(seq));
    await c.expect(/^250 2\.0\.0 Ok: queued as /);
    await c.send('QUIT', '221 2.0.0 Bye');
    await c.waitClosed();
    const after = smtpd.cleanup.queued.length;
    assert.equal(after - before, 1, `${name}: one message`);
    const text = await smtpd.cleanup.content(smtpd.cleanup.queued[after - 1]!);
    assert.ok(text.includes('MAIL FROM:<admin@example.org>'), `${name}: the smuggled commands stay content`);
    assert.equal(c.pending, '', `${name}: no extra reply`);
  }
});

test('no smuggling variant is accepted from a client in smtpd_forbid_bare_newline_exclusions either', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_forbid_bare_newline: 'reject' });
  for (const seq of [SEQUENCES['lf_dot_lf']!, SEQUENCES['crlf_dot_lf']!]) {
    const c = await smtpDialog(t, smtpd.port);
    await envelope(c);
    await c.send('DATA', /^354 /);
    c.raw(smuggle(seq));
    await c.expect(/^250 2\.0\.0 Ok: queued as /);
    await c.send('QUIT', '221 2.0.0 Bye');
  }
  assert.equal(smtpd.cleanup.queued.length, 2);
});

test('smtpd_forbid_bare_newline = reject refuses a message with a bare LF after its real end', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_forbid_bare_newline: 'reject', mynetworks: '192.0.2.0/24' });
  for (const seq of [SEQUENCES['lf_dot_lf']!, SEQUENCES['lf_dot_crlf']!, SEQUENCES['crlf_dot_lf']!]) {
    const c = await smtpDialog(t, smtpd.port);
    await envelope(c);
    await c.send('DATA', /^354 /);
    c.raw(smuggle(seq));
    await c.expect('550 5.5.2 mx.example.test Error: bare <LF> received');
    await c.send('QUIT', '221 2.0.0 Bye');
  }
  assert.equal(smtpd.cleanup.queued.length, 0);
  await smtpd.log.waitFor(
    /[0-9A-F]+: reject: END-OF-MESSAGE from unknown\[127\.0\.0\.1\]: bare <LF> received; from=<a@example\.org> to=<b@mx\.example\.test> proto=ESMTP helo=<client\.example\.org>/,
  );
});

test('smtpd_forbid_bare_newline = no is Postfix 3.7 legacy: a bare-LF dot ends DATA (only when set)', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_forbid_bare_newline: 'no' });
  const c = await smtpDialog(t, smtpd.port);
  await envelope(c);
  await c.send('DATA', /^354 /);
  c.raw(smuggle(SEQUENCES['lf_dot_lf']!));
  await c.expect(/^250 2\.0\.0 Ok: queued as /);
  await c.expect('250 2.1.0 Ok');
  await c.expect('250 2.1.5 Ok');
  await c.expect(/^354 /);
  await c.expect(/^250 2\.0\.0 Ok: queued as /);
  // Exactly what Postfix 3.7 does with its default `no`: the second message gets in.
  assert.equal(smtpd.cleanup.queued.length, 2);
});

test('local_header_rewrite_clients decides the rewrite context smtpd gives cleanup', async (t) => {
  for (const [setting, expected] of [
    [{}, 'local'], // permit_inet_interfaces: the client 127.0.0.1 is this host's inet_interfaces
    [{ local_header_rewrite_clients: 'permit_mynetworks', mynetworks: '127.0.0.9/32' }, 'remote'],
    [{ local_header_rewrite_clients: 'permit_mynetworks' }, 'local'],
    [{ local_header_rewrite_clients: 'check_address_map inline:{127.0.0.1=x}' }, 'local'],
    [{ local_header_rewrite_clients: 'permit_sasl_authenticated' }, 'remote'],
    [{ local_header_rewrite_clients: 'static:all' }, 'local'],
  ] as const) {
    const smtpd = await startAffixSmtpd(t, setting);
    const c = await smtpDialog(t, smtpd.port);
    await c.expect(/^220 /);
    await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
    await c.send('RCPT TO:<b@mx.example.test>', '250 2.1.5 Ok');
    await c.send('DATA', /^354 /);
    await c.send('Subject: x\r\n\r\nbody\r\n.', /^250 2\.0\.0 Ok: queued as /);
    assert.equal(smtpd.cleanup.queued[0]!.rewriteContext, expected, JSON.stringify(setting));
  }
});
