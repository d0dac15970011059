/**
 * Check 8, log health: the warnings of the sample log classed with their
 * fixes; a real Postfix warning that a table's database is older than its
 * source; SASL password guessing against a real Postfix with Dovecot auth;
 * broken configurations (mailbox_size_limit below message_size_limit, a
 * table never built or out of date).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startDovecot } from '../peers/dovecot.ts';
import { startPostfixOrReason, submit } from '../peers/postfix_instance.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';
import { tempDir } from '../peers/tmpdir.ts';
import {
  assertFinding,
  assertNoFinding,
  baseMainCf,
  findingOf,
  runCheck,
  SAMPLE_LOG,
  SAMPLE_MAIN_CF,
} from './doctor_harness.ts';

test('doctor log classes the warnings of the sample log, each with its fix', async (t) => {
  const r = await runCheck(t, 'log', {
    mainCf: `${readFileSync(SAMPLE_MAIN_CF, 'utf8')}alias_maps =\nalias_database =\n`,
    logs: [SAMPLE_LOG],
  });
  const unavailable = findingOf(r.findings, 'log.table_unavailable');
  assertFinding(unavailable, {
    severity: 'error',
    cause: /451 4\.3\.5 Server configuration error/,
    fix: /postmap -q test/,
  });
  assertFinding(findingOf(r.findings, 'log.table_syntax'), {
    severity: 'error',
    evidence: /missing '=' after attribute name/,
    fix: /inline:\{ \{key=value\}/,
  });
  // fatal lines of admin commands are operations, not daemon failures
  const ops = findingOf(r.findings, 'log.operations');
  assert.equal(ops.severity, 'info');
  assert.ok(ops.evidence.some((e) => /the Postfix mail system is already running/.test(e)));
  assertFinding(findingOf(r.findings, 'log.clients'), {
    severity: 'info',
    evidence: /non-SMTP command from unknown\[127\.0\.0\.5\]: GET \/ HTTP\/1\.0/,
  });
  assertFinding(findingOf(r.findings, 'log.sasl_failures'), {
    severity: 'info',
    evidence: /1 failed logins from localhost\[127\.0\.0\.1\] \(users: alice@mx\.example\.test\)/,
  });
  assertNoFinding(r.findings, 'log.sasl_brute_force');
});

test('doctor log: mailbox_size_limit below message_size_limit, a table never built, a table out of date', async (t) => {
  const dir = tempDir(t, 'affix-doctor-tables-');
  const virtual = join(dir, 'virtual');
  const transport = join(dir, 'transport');
  writeFileSync(virtual, 'a@example.test b@example.test\n');
  writeFileSync(transport, 'example.net smtp:[192.0.2.1]\n');
  writeFileSync(`${transport}.db`, 'stand-in index\n');
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(`${transport}.db`, old, old);
  const r = await runCheck(t, 'log', {
    mainCf: `${baseMainCf()}mailbox_size_limit = 1000000\nmessage_size_limit = 10240000\nvirtual_alias_maps = hash:${virtual}\ntransport_maps = hash:${transport}\n`,
  });
  assertFinding(findingOf(r.findings, 'log.limit_below_message_size'), {
    severity: 'error',
    evidence: /mailbox_size_limit = 1000000/,
    fix: /mailbox_size_limit = 51200000 \(or 0 for no limit\)/,
  });
  assertFinding(findingOf(r.findings, 'log.table_not_built'), {
    severity: 'error',
    fix: new RegExp(`postmap hash:${virtual}`),
  });
  const stale = findingOf(r.findings, 'log.table_stale');
  assert.match(stale.title, new RegExp(`database ${transport}\\.db is older than source file ${transport}`));
  assertFinding(stale, { severity: 'warning', fix: new RegExp(`postmap hash:${transport}`) });
});

test('doctor log on a real Postfix: "database ... is older than source file" names the postmap to run', async (t) => {
  const pf = await startPostfixOrReason(t, {});
  if (typeof pf === 'string') return t.skip(pf);
  const transport = join(pf.dir, 'transport');
  writeFileSync(transport, 'example.net smtp:[127.0.0.1]:1\n');
  execFileSync('postmap', ['-c', pf.dir, `hash:${transport}`]);
  const old = new Date(Date.now() - 3_600_000);
  const edited = new Date(Date.now() - 600_000);
  utimesSync(`${transport}.db`, old, old);
  // Postfix warns only when the source changed more than 100 seconds ago
  utimesSync(transport, edited, edited);
  pf.run('postconf', ['-e', `transport_maps = hash:${transport}`]);
  pf.run('postfix', ['reload']);
  await new Promise((r) => setTimeout(r, 1000));
  await submit(pf.port, '', ['someone@example.net'], 'Subject: x\n\nx\n');
  await pf.waitForLog(/is older than source file/);
  const r = await runCheck(t, 'log', { configDir: pf.dir, logs: [join(pf.dir, 'mail.log')] });
  const f = findingOf(r.findings, 'log.table_outdated');
  assertFinding(f, {
    severity: 'warning',
    evidence: new RegExp(`warning: database ${transport}\\.db is older than source file ${transport}`),
    fix: new RegExp(`postmap ${transport}`),
  });
  findingOf(r.findings, 'log.table_stale');
});

test('doctor log: SASL password guessing against a real Postfix with Dovecot auth', async (t) => {
  const dovecot = await startDovecot(t, { alice: 'right-password' });
  if (typeof dovecot === 'string') return t.skip(dovecot);
  const pf = await startPostfixOrReason(t, {
    smtpd_sasl_auth_enable: 'yes',
    smtpd_sasl_type: 'dovecot',
    smtpd_sasl_path: dovecot.socket,
  });
  if (typeof pf === 'string') return t.skip(pf);
  // Dovecot slows down repeated failures from one address, so the bots come from ten at once.
  const bots = Array.from({ length: 10 }, (_, i) => `127.0.0.${30 + i}`);
  await Promise.all(
    bots.map(async (addr, i) => {
      const c = await smtpDialog(t, pf.port, { localAddress: addr, timeout: 20_000 });
      await c.expect(/^220 /);
      await c.send('EHLO bot.example.org', /^250/);
      for (const user of [`user${i}`, `admin${i}`]) {
        await c.send(`AUTH PLAIN ${Buffer.from(`\0${user}\0guess`).toString('base64')}`, /^535 /);
      }
      await c.send('QUIT', /^221/);
    }),
  );
  for (const addr of bots)
    await pf.waitForLog(new RegExp(`disconnect from unknown\\[${addr.replace(/\./g, '\\.')}\\]`));
  const r = await runCheck(t, 'log', { configDir: pf.dir, logs: [join(pf.dir, 'mail.log')] });
  const f = findingOf(r.findings, 'log.sasl_brute_force');
  assert.match(f.title, /password guessing from 10 addresses \(20 failed logins\)/);
  assertFinding(f, {
    severity: 'warning',
    evidence: /SASL PLAIN authentication failed/,
    fix: /fail2ban .*postfix-sasl.*smtpd_client_auth_rate_limit/,
  });
});
