/**
 * Check 6, mailbox full and user unknown, local causes: the sample log of
 * a real Postfix (local and virtual mailboxes over their limit, an unknown
 * local user, the error transport), and a private Postfix filling a real
 * mailbox past mailbox_size_limit, bouncing an unknown user after
 * accepting it (backscatter), and refusing abuse@ (Postfix always takes
 * postmaster@).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startPostfixOrReason, submit } from '../peers/postfix_instance.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';
import { assertFinding, findingOf, runCheck, SAMPLE_LOG, SAMPLE_MAIN_CF } from './doctor_harness.ts';

test('doctor mailbox explains the sample log: full local and virtual mailboxes, an unknown user, the error transport', async (t) => {
  const r = await runCheck(t, 'mailbox', { mainCf: readFileSync(SAMPLE_MAIN_CF, 'utf8'), logs: [SAMPLE_LOG] });
  const local = findingOf(r.findings, 'mailbox.local_full', /local mailbox/);
  assertFinding(local, {
    severity: 'error',
    evidence: /cannot update mailbox \/var\/mail\/carol for user carol\. error writing message: File too large/,
    fix: /postconf -e 'mailbox_size_limit = /,
  });
  const virtual = findingOf(r.findings, 'mailbox.local_full', /virtual mailbox/);
  assertFinding(virtual, { evidence: /virtual_mailbox_limit = 51200000 \(default\)/, cause: /virtual_mailbox_limit/ });
  assertFinding(findingOf(r.findings, 'mailbox.local_unknown', /nosuchuser/), {
    severity: 'warning',
    evidence: /nosuchuser: not in alias_maps/,
    fix: /\/etc\/aliases \("nosuchuser: someone"\) and run `newaliases`/,
  });
  assertFinding(findingOf(r.findings, 'mailbox.error_transport'), {
    evidence: /test domain always fails/,
    fix: /postmap -q fail\.test/,
  });
  assertFinding(findingOf(r.findings, 'mailbox.inbound_unknown'), { severity: 'info', cause: /avoids backscatter/ });
});

test('doctor mailbox on a real Postfix: a mailbox over mailbox_size_limit, backscatter, abuse@ refused', async (t) => {
  const pf = await startPostfixOrReason(t, {
    mail_spool_directory: '/nonexistent',
    mailbox_size_limit: '4000',
    message_size_limit: '4000',
  });
  if (typeof pf === 'string') return t.skip(pf);
  const spool = join(pf.dir, 'mail');
  mkdirSync(spool, { mode: 0o1777 });
  chmodSync(spool, 0o1777);
  pf.run('postconf', ['-e', `mail_spool_directory = ${spool}`]);
  pf.run('postfix', ['reload']);
  await pf.waitForLog('reload');
  const body = `Subject: fill\n\n${`${'y'.repeat(70)}\n`.repeat(22)}`;
  await submit(pf.port, '', ['nobody@mx.example.test'], body);
  await pf.waitForLog(/to=<nobody@mx\.example\.test>.*status=sent/);
  await submit(pf.port, '', ['nobody@mx.example.test'], body);
  await submit(pf.port, '', ['ghost@mx.example.test'], 'Subject: x\n\nhello\n');
  await pf.waitForLog(/to=<nobody@mx\.example\.test>.*status=bounced/);
  await pf.waitForLog(/to=<ghost@mx\.example\.test>.*status=bounced/);

  const r = await runCheck(t, 'mailbox', { configDir: pf.dir, logs: [join(pf.dir, 'mail.log')] });
  const full = findingOf(r.findings, 'mailbox.local_full');
  assertFinding(full, {
    severity: 'error',
    evidence: new RegExp(`${spool}/nobody: \\d+ bytes now, \\d+% of mailbox_size_limit`),
    fix: /mailbox_size_limit = /,
  });
  assert.ok(full.evidence.some((e) => /mailbox_size_limit = 4000/.test(e)));
  // local_recipient_maps was empty when ghost@ was accepted, then bounced: backscatter
  const ghost = findingOf(r.findings, 'mailbox.local_unknown', /ghost/);
  assertFinding(ghost, { severity: 'warning', fix: /local_recipient_maps = proxy:unix:passwd\.byname \$alias_maps/ });
  pf.run('postconf', ['-e', 'local_recipient_maps = inline:{{nobody=1}}']);
  pf.run('postfix', ['reload']);
  await new Promise((r) => setTimeout(r, 1500));
  const c = await smtpDialog(t, pf.port);
  await c.expect(/^220 /);
  await c.send('EHLO reporter.example.org', /^250/);
  await c.send('MAIL FROM:<abuse-desk@example.org>', /^250/);
  await c.send('RCPT TO:<abuse@mx.example.test>', /^550 5\.1\.1/);
  await c.send('QUIT', /^221/);
  await pf.waitForLog(/reject: RCPT .*<abuse@mx\.example\.test>/);

  const r2 = await runCheck(t, 'mailbox', { configDir: pf.dir, logs: [join(pf.dir, 'mail.log')] });
  assertFinding(findingOf(r2.findings, 'mailbox.role_missing'), {
    severity: 'warning',
    evidence: /<abuse@mx\.example\.test>: Recipient address rejected: User unknown in local recipient table/,
    fix: /"abuse: root"/,
  });
});
