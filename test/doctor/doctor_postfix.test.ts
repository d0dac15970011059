/**
 * The end-to-end case: a real Postfix 3.7 on loopback with a
 * relay-denied reject, a message deferred to an unreachable destination
 * and a bounce for an unknown user; `affix doctor -c <its directory>`
 * finds its log (maillog_file) and its queue (postqueue -j) by itself and
 * names all three with their causes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/doctor.ts';
import { runCli } from '../peers/cli_capture.ts';
import { startDnsServer } from '../peers/dns_server.ts';
import { startPostfixOrReason, submit } from '../peers/postfix_instance.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';

test('affix doctor -c on a real Postfix names the relay reject, the deferred message and the bounce, with causes', async (t) => {
  const pf = await startPostfixOrReason(t, {
    mynetworks: '127.0.0.1/32',
    transport_maps: 'inline:{{unreachable.test=smtp:[127.0.0.1]:1}}',
  });
  if (typeof pf === 'string') return t.skip(pf);
  const dns = await startDnsServer(t, {});

  const c = await smtpDialog(t, pf.port, { localAddress: '127.0.0.9' });
  await c.expect(/^220 /);
  await c.send('EHLO outsider.example.org', /^250/);
  await c.send('MAIL FROM:<spammer@example.org>', /^250/);
  await c.send('RCPT TO:<victim@elsewhere.test>', /^454 4\.7\.1 <victim@elsewhere\.test>: Relay access denied/);
  await c.send('QUIT', /^221/);
  await submit(pf.port, 'alice@example.test', ['bob@unreachable.test'], 'Subject: far away\n\nhello\n');
  await submit(pf.port, '', ['nosuchuser@mx.example.test'], 'Subject: who\n\nhello\n');
  await pf.waitForLog(/to=<bob@unreachable\.test>.*status=deferred/);
  await pf.waitForLog(/to=<nosuchuser@mx\.example\.test>.*status=bounced/);
  await pf.waitForLog(/disconnect from unknown\[127\.0\.0\.9\]/);

  const r = await runCli(main, ['-c', pf.dir, '--resolver', dns.servers[0]!]);
  assert.equal(r.status, 2, r.stderr + r.stdout);
  if (process.env['DOCTOR_SHOW']) console.log(r.stdout);
  assert.equal(r.stderr, '');
  const out = r.stdout;
  assert.match(out, new RegExp(`log: ${pf.dir}/mail\\.log \\(\\d+ lines`));
  assert.match(out, new RegExp(`queue: postqueue -j -c ${pf.dir} \\(1 messages\\)`));
  // 1. the relay-denied reject, and why
  assert.match(
    out,
    /\[relay\] Relay access denied once, at .*: unknown\[127\.0\.0\.9\] to elsewhere\.test \(postfix\)/,
  );
  assert.match(out, /client unknown\[127\.0\.0\.9\] is not in mynetworks \(127\.0\.0\.1\/32\)/);
  assert.match(
    out,
    /cause: +an outside client tried to send to elsewhere\.test|cause: +the client did not authenticate|no SMTP service of this host offers SMTP AUTH/,
  );
  // 2. the deferred message: the queue, its destination, the cause
  assert.match(
    out,
    /\[queue\] 1 message deferred \(1 recipient, 1 destination\); oldest [\d.]+ s; mostly: connection refused/,
  );
  assert.match(out, /unreachable\.test 1 1/);
  assert.match(out, /cause: +the destination host is up but nothing listens on its SMTP port/);
  // 3. the bounce for an unknown user, and the fix
  assert.match(out, /\[mailbox\] 1 message bounced by local delivery: unknown user \(nosuchuser\)/);
  assert.match(
    out,
    /fix: +if the name should receive mail: add an alias to \/etc\/aliases \("nosuchuser: someone"\) and run `newaliases`/,
  );
  assert.match(out, /summary: .*exit status 2/);

  const j = await runCli(main, ['-c', pf.dir, '--resolver', dns.servers[0]!, '--json', 'mailbox']);
  const doc = JSON.parse(j.stdout) as {
    status: number;
    checks: string[];
    findings: { id: string; cause: string; fix: string }[];
  };
  assert.deepEqual(doc.checks, ['mailbox']);
  const unknown = doc.findings.find((f) => f.id === 'mailbox.local_unknown');
  assert.ok(unknown !== undefined, j.stdout);
  assert.match(unknown.cause, /neither alias_maps nor the passwd file has the recipient/);
  assert.equal(doc.status, j.status);
});
