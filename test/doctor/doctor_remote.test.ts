/**
 * Remote refusals, from a real Postfix delivering to a scripted MX on
 * loopback: a reject quoting Spamhaus (check 4), a full mailbox and an
 * unknown user at the remote side (check 6), a greylisting deferral left in
 * the queue that postqueue -j shows (check 7).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startPostfixOrReason, submit } from '../peers/postfix_instance.ts';
import { startScriptServer } from '../peers/smtp_script_server.ts';
import { assertFinding, findingOf, runCheck } from './doctor_harness.ts';

test('doctor reads a real Postfix log of remote refusals: blacklist, mailbox full, user unknown, greylisting', async (t) => {
  const mx = await startScriptServer(t, {
    rcpt: (a) => {
      if (a.endsWith('@block.test'))
        return '554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1';
      if (a.endsWith('@full.test')) return `552 5.2.2 <${a}>: Mailbox full`;
      if (a.endsWith('@nouser.test')) return `550 5.1.1 <${a}>: Recipient address rejected: User unknown`;
      if (a.endsWith('@grey.test')) return `450 4.7.1 <${a}>: Recipient address rejected: Greylisted, try again later`;
      return null;
    },
  });
  const route = ['block', 'full', 'nouser', 'grey'].map((d) => `{${d}.test=smtp:[127.0.0.1]:${mx.port}}`).join(',');
  const pf = await startPostfixOrReason(t, { transport_maps: `inline:{${route}}` });
  if (typeof pf === 'string') return t.skip(pf);
  for (const rcpt of ['a@block.test', 'b@full.test', 'c@nouser.test', 'd@grey.test']) {
    await submit(pf.port, '', [rcpt], `Subject: ${rcpt}\n\ntest\n`);
  }
  await pf.waitForLog(/to=<d@grey\.test>.*status=deferred/);
  await pf.waitForLog(/to=<c@nouser\.test>.*status=bounced/);
  await pf.waitForLog(/to=<b@full\.test>.*status=bounced/);
  await pf.waitForLog(/to=<a@block\.test>.*status=bounced/);
  const log = [join(pf.dir, 'mail.log')];

  const bl = await runCheck(t, 'dnsbl', { configDir: pf.dir, logs: log });
  const f = findingOf(bl.findings, 'dnsbl.remote_reject');
  assertFinding(f, {
    severity: 'error',
    evidence:
      /status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 554 5\.7\.1 Service unavailable; Client host \[127\.0\.0\.1\] blocked using zen\.spamhaus\.org/,
    cause: /Spamhaus/,
    fix: /Spamhaus: https:\/\/check\.spamhaus\.org\//,
  });
  assert.match(f.title, /block\.test bounced mail citing a blacklist/);

  const mb = await runCheck(t, 'mailbox', { configDir: pf.dir, logs: log });
  assertFinding(findingOf(mb.findings, 'mailbox.remote_full'), {
    severity: 'warning',
    evidence: /552 5\.2\.2 <b@full\.test>: Mailbox full/,
    cause: /recipient's mailbox is full: nothing is wrong on this host/,
  });
  assertFinding(findingOf(mb.findings, 'mailbox.remote_unknown'), {
    severity: 'warning',
    evidence: /550 5\.1\.1 <c@nouser\.test>/,
    cause: /says the address does not exist/,
    fix: /correct the address/,
  });

  const q = await runCheck(t, 'queue', { configDir: pf.dir, logs: log, queue: { kind: 'auto' } });
  const d = findingOf(q.findings, 'queue.deferred');
  assert.match(d.title, /1 message deferred .*mostly: greylisting/);
  assertFinding(d, { evidence: /^postqueue -j -c /, fix: /nothing: Postfix retries/ });
  assert.ok(
    d.evidence.some((e) => /^\s*grey\.test 1 1/.test(e)),
    d.evidence.join('\n'),
  );
});
