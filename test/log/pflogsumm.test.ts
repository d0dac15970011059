/**
 * pflogsumm reads affix's maillog_file: a day of mail written through the
 * Log (texts from the real Postfix log postfix-samples/maillog-loopback-experiment.log),
 * summarised by Debian's pflogsumm, gives the totals that were written.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLog, type Log } from '../../src/log/log.ts';
import { findProgram, missingPrograms } from '../peers/programs.ts';
import { NOV_29, tempDir } from './log_fixtures.ts';

const skip = missingPrograms(['pflogsumm']);

function pflogsumm(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(findProgram('pflogsumm')!, [file], (err, stdout, stderr) =>
      err === null ? resolve(stdout) : reject(new Error(`pflogsumm: ${err.message}\n${stderr}`)),
    );
  });
}

/** The Grand Totals number printed before `label` (`     42   received`). */
function total(report: string, label: string): number {
  const m = new RegExp(`^\\s*(\\d+)\\s+${label}\\b`, 'm').exec(report);
  assert.ok(m, `pflogsumm printed no "${label}" total:\n${report}`);
  return Number(m[1]);
}

/** One Log per Postfix process of the experiment, all writing to the same maillog_file. */
function processes(smtpd: Log) {
  return {
    smtpd,
    cleanup: smtpd.forProgram('cleanup', 12578),
    qmgr: smtpd.forProgram('qmgr', 12288),
    local: smtpd.forProgram('local', 12579),
    smtp: smtpd.forProgram('smtp', 12914),
    error: smtpd.forProgram('error', 14101),
    bounce: smtpd.forProgram('bounce', 14102),
  };
}

test("pflogsumm counts received, delivered, deferred, bounced and rejected mail in affix's maillog_file", {
  skip,
}, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'maillog');
  let now = NOV_29;
  const clock = () => (now += 137);
  const options = { maillog_file: file, maillog_file_prefixes: dir, myhostname: 'mx.example.test', clock };
  const p = processes(createLog({ ...options, program: 'smtpd', pid: 12574 }));
  const submission = createLog({ ...options, program: 'smtpd', syslog_name: 'postfix/submission', pid: 12976 });
  t.after(() => Promise.all([p.smtpd.close(), submission.close()]));

  // 1. Received over SMTP, delivered to a local mailbox.
  p.smtpd.info('connect from localhost[127.0.0.1]');
  p.smtpd.info('DFC8A16044F: client=localhost[127.0.0.1]');
  p.cleanup.info('DFC8A16044F: message-id=<20261129090517.012573@vm>');
  p.smtpd.info('disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5');
  p.qmgr.info('DFC8A16044F: from=<sender@example.org>, size=408, nrcpt=1 (queue active)');
  p.local.info(
    'DFC8A16044F: to=<carol@example.test>, relay=local, delay=0.04, delays=0.02/0.01/0/0.02, dsn=2.0.0, status=sent (delivered to mailbox)',
  );
  p.qmgr.info('DFC8A16044F: removed');

  // 2. Received on submission, relayed over SMTP.
  submission.info('connect from localhost[127.0.0.1]');
  submission.info('E9FB1160073: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=alice@mx.example.test');
  p.cleanup.info('E9FB1160073: message-id=<20261129090544.012975@vm>');
  submission.info(
    'disconnect from localhost[127.0.0.1] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8',
  );
  p.qmgr.info('E9FB1160073: from=<alice@mx.example.test>, size=512, nrcpt=1 (queue active)');
  p.smtp.info(
    'E9FB1160073: to=<user@sink.test>, relay=127.0.0.1[127.0.0.1]:32525, delay=0.05, delays=0/0.02/0/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
  );
  p.qmgr.info('E9FB1160073: removed');

  // 3. Received, bounced by the error transport; the bounce is delivered locally.
  p.smtpd.info('connect from localhost[127.0.0.1]');
  p.smtpd.info('4F55D160005: client=localhost[127.0.0.1]');
  p.cleanup.info('4F55D160005: message-id=<20261129090630.014100@vm>');
  p.qmgr.info('4F55D160005: from=<dave@example.test>, size=437, nrcpt=1 (queue active)');
  p.smtpd.info('disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5');
  p.error.info(
    '4F55D160005: to=<user@fail.test>, relay=none, delay=0.06, delays=0.01/0.01/0/0.04, dsn=5.1.1, status=bounced (test domain always fails)',
  );
  p.cleanup.info('5CA14160008: message-id=<20261129090630.5CA14160008@mx.example.test>');
  p.bounce.info('4F55D160005: sender non-delivery notification: 5CA14160008');
  p.qmgr.info('4F55D160005: removed');
  p.qmgr.info('5CA14160008: from=<>, size=2129, nrcpt=1 (queue active)');
  p.local.info(
    '5CA14160008: to=<dave@example.test>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)',
  );
  p.qmgr.info('5CA14160008: removed');

  // 4. Received, deferred: the next hop refuses connections.
  p.smtpd.info('connect from localhost[127.0.0.1]');
  p.smtpd.info('9F4411600A3: client=localhost[127.0.0.1]');
  p.cleanup.info('9F4411600A3: message-id=<20261129090551.012950@vm>');
  p.qmgr.info('9F4411600A3: from=<dave@example.test>, size=1024, nrcpt=1 (queue active)');
  p.smtpd.info('disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5');
  p.smtp.info('connect to 127.0.0.1[127.0.0.1]:32526: Connection refused');
  p.smtp.info(
    '9F4411600A3: to=<user@remote.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:32526: Connection refused)',
  );

  // 5. Two refusals at RCPT, and a client trying to forge a delivery line with a newline.
  p.smtpd.info('connect from unknown[127.0.0.5]');
  p.smtpd.info(
    'NOQUEUE: reject: RCPT from unknown[127.0.0.5]: 554 5.7.1 <someone@elsewhere.test>: Relay access denied; from=<sender@example.org> to=<someone@elsewhere.test> proto=ESMTP helo=<client.example.org>',
  );
  p.smtpd.info(
    'improper command pipelining after EHLO from unknown[127.0.0.5]: MAIL FROM:<a@example.org>\n' +
      'Nov 29 09:11:02 mx postfix/local[1]: 1234567890A: to=<x@forged.test>, relay=local, delay=0, dsn=2.0.0, status=sent (forged)\r\n',
  );
  p.smtpd.warn('non-SMTP command from unknown[127.0.0.5]: GET / HTTP/1.0\r\n');
  p.smtpd.info('disconnect from unknown[127.0.0.5] ehlo=1 mail=1 rcpt=0/1 quit=1 unknown=0/1 commands=3/5');
  p.smtpd.info('connect from localhost[127.0.0.1]');
  p.smtpd.info(
    'NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown in local recipient table; from=<sender@example.org> to=<nosuchuser@example.test> proto=ESMTP helo=<client.example.org>',
  );
  p.smtpd.info('disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4');

  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 41, 'one line per record: the forged newline made no line of its own');
  assert.ok(lines.every((l) => /^Nov 29 09:1\d:\d\d mx postfix\/(submission\/)?\w+\[\d+\]: /.test(l)));
  const report = await pflogsumm(file);
  assert.deepEqual(
    {
      received: total(report, 'received'),
      delivered: total(report, 'delivered'),
      deferred: total(report, 'deferred'),
      bounced: total(report, 'bounced'),
      rejected: total(report, 'rejected'),
      bytesReceived: total(report, 'bytes received'),
      senders: total(report, 'senders'),
    },
    {
      received: 4,
      delivered: 3,
      deferred: 1,
      bounced: 1,
      rejected: 2,
      bytesReceived: 408 + 512 + 437 + 1024,
      senders: 3,
    },
  );
  assert.match(report, /\(1\s+deferrals\)/);
  assert.doesNotMatch(report, /forged\.test/);
});
