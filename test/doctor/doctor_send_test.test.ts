/**
 * Check 9, `affix doctor send-test ADDRESS`: messages submitted through
 * Postfix's own /usr/sbin/sendmail to a private Postfix, followed through
 * its log: delivered to a scripted MX, bounced for an unknown local user,
 * deferred by a refused connection; and a sendmail that cannot run.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnSubmitter } from '../../src/cli/doctor_inputs.ts';
import { startPostfixOrReason } from '../peers/postfix_instance.ts';
import { findProgram } from '../peers/programs.ts';
import { startScriptServer } from '../peers/smtp_script_server.ts';
import { assertFinding, findingOf, runCheck } from './doctor_harness.ts';

test('doctor send-test through Postfix sendmail: delivered, bounced for an unknown user, deferred', async (t) => {
  const mx = await startScriptServer(t, {});
  const pf = await startPostfixOrReason(t, {
    transport_maps: `inline:{{sink.test=smtp:[127.0.0.1]:${mx.port}},{unreach.test=smtp:[127.0.0.1]:1}}`,
  });
  if (typeof pf === 'string') return t.skip(pf);
  const sendmail = findProgram('sendmail');
  if (sendmail === null) return t.skip('no /usr/sbin/sendmail');
  const submit = spawnSubmitter(sendmail, ['-C', pf.dir], sendmail);
  const run = (address: string) =>
    runCheck(t, 'send-test', {
      configDir: pf.dir,
      logs: [join(pf.dir, 'mail.log')],
      sendTest: { address, from: 'doctor@example.test', submit, wait: 30 },
    });

  const ok = await run('alice@sink.test');
  const delivered = findingOf(ok.findings, 'send-test.delivered');
  assertFinding(delivered, {
    severity: 'ok',
    evidence: /delivered to <alice@sink\.test>, via 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/,
  });
  assert.match(delivered.title, /delivered to alice@sink\.test via 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
  assert.ok(
    delivered.evidence.some((e) => /received from local submission/.test(e)),
    delivered.evidence.join('\n'),
  );
  assert.equal(mx.messages.length, 1);
  assert.match(mx.messages[0]!.content, /X-Affix-Doctor: send-test/);

  const bounced = await run('nosuchuser@mx.example.test');
  assertFinding(findingOf(bounced.findings, 'send-test.bounced'), {
    severity: 'error',
    evidence: /nosuchuser@mx\.example\.test: bounced, dsn=5\.1\.1, relay=local: unknown user: "nosuchuser"/,
    cause: /does not exist/,
    fix: /affix doctor mailbox/,
  });
  assert.equal(bounced.status, 2);

  const deferred = await run('bob@unreach.test');
  assertFinding(findingOf(deferred.findings, 'send-test.deferred'), {
    severity: 'warning',
    evidence: /Connection refused/,
    cause: /nothing listens on its SMTP port/,
    fix: /affix doctor queue/,
  });
});

test('doctor send-test reports a sendmail that cannot run', async (t) => {
  const submit = spawnSubmitter('/nonexistent/sendmail', [], '/nonexistent/sendmail');
  const r = await runCheck(t, 'send-test', {
    logs: ['/dev/null'],
    sendTest: { address: 'a@example.test', from: null, submit, wait: 2 },
  });
  assertFinding(findingOf(r.findings, 'send-test.submit_failed'), { severity: 'error', evidence: /ENOENT/ });
});
