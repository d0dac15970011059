/**
 * smtpd through the daemon frame with the real cleanup and qmgr: a message
 * sent over SMTP is queued (the 250 comes after cleanup's durable write),
 * scheduled and delivered by the discard agent, with Postfix's log lines
 * from each program; swaks with STARTTLS and AUTH; nmap's smtp-open-relay
 * script from a client bound to 127.0.0.2 (outside mynetworks).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { type TestContext, test } from 'node:test';
import { startMaster } from '../../src/cli/master.ts';
import { createPrograms, ServiceHub } from '../../src/cli/master_programs.ts';
import { saslHashSecret } from '../../src/smtpd/smtpd_sasl_builtin.ts';
import { affixInstance } from '../peers/affix_instance.ts';
import { freePort } from '../peers/postfix_instance.ts';
import { findProgram, missingPrograms } from '../peers/programs.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';
import { makeTestCerts } from '../peers/tls_certs.ts';

/** Runs a program without blocking this process, where the daemon runs. */
function run(program: string, args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((ok) => child.on('close', (code) => ok({ status: code ?? -1, stdout, stderr })));
}

async function daemon(t: TestContext, extraMain: string[] = []) {
  const port = await freePort();
  const inst = affixInstance(
    t,
    [
      'smtpd_peername_lookup = no',
      'mydestination =',
      'mynetworks = 127.0.0.9/32',
      'relay_domains = dest.test',
      'transport_maps = inline:{ dest.test=discard:delivered }',
      ...extraMain,
      '',
    ].join('\n'),
    [
      `127.0.0.1:${port} inet n - n - - smtpd`,
      'cleanup   unix  n       -       n       -       0       cleanup',
      'qmgr      unix  n       -       n       300     1       qmgr',
      'discard   unix  -       -       n       -       -       discard',
      '',
    ].join('\n'),
  );
  const master = await startMaster({
    optionC: inst.configDir,
    env: {},
    signals: false,
    programs: createPrograms(new ServiceHub()),
  });
  t.after(() => master.stop('immediate'));
  return { inst, port };
}

test('SMTP -> smtpd -> cleanup -> qmgr -> discard, with each program log line', async (t) => {
  const { inst, port } = await daemon(t);
  const c = await smtpDialog(t, port);
  await c.expect('220 mx.example.test ESMTP affix');
  await c.send('EHLO client.example.org', /^250-mx\.example\.test\n/);
  await c.send('MAIL FROM:<sender@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<user@dest.test>', '250 2.1.5 Ok');
  await c.send('RCPT TO:<user@elsewhere.test>', '454 4.7.1 <user@elsewhere.test>: Relay access denied');
  await c.send('DATA', '354 End data with <CR><LF>.<CR><LF>');
  const queued = await c.send(
    'Subject: e2e\r\nMessage-Id: <e2e@client.example.org>\r\n\r\nbody\r\n.',
    /^250 2\.0\.0 Ok: queued as (\w+)$/,
  );
  const id = /queued as (\w+)/.exec(queued!)![1]!;
  await c.send('QUIT', '221 2.0.0 Bye');
  await inst.waitForLog(`${id}: removed`);
  const log = inst.log();
  for (const line of [
    new RegExp(`postfix/smtpd\\[\\d+\\]: ${id}: client=unknown\\[127\\.0\\.0\\.1\\]\\n`),
    new RegExp(`postfix/cleanup\\[\\d+\\]: ${id}: message-id=<e2e@client\\.example\\.org>\\n`),
    new RegExp(`postfix/qmgr\\[\\d+\\]: ${id}: from=<sender@example\\.org>, size=\\d+, nrcpt=1 \\(queue active\\)\\n`),
    new RegExp(`postfix/discard\\[\\d+\\]: ${id}: to=<user@dest\\.test>, relay=none, .*status=sent \\(delivered\\)\\n`),
    /postfix\/smtpd\[\d+\]: \w+: reject: RCPT from unknown\[127\.0\.0\.1\]: 454 4\.7\.1 <user@elsewhere\.test>: Relay access denied; from=<sender@example\.org> to=<user@elsewhere\.test> proto=ESMTP helo=<client\.example\.org>\n/,
    /postfix\/smtpd\[\d+\]: disconnect from unknown\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1\/2 data=1 quit=1 commands=5\/6\n/,
  ]) {
    assert.match(log, line);
  }
});

test('swaks: STARTTLS then AUTH PLAIN and LOGIN against the built-in password table', async (t) => {
  const missing = missingPrograms(['swaks', 'openssl']);
  if (missing !== undefined) {
    t.skip(missing);
    return;
  }
  const certs = makeTestCerts(t);
  if (typeof certs === 'string') {
    t.skip(certs);
    return;
  }
  const hash = await saslHashSecret('s3cret', 1024);
  const { inst, port } = await daemon(t, [
    `smtpd_tls_cert_file = ${certs.cert}`,
    `smtpd_tls_key_file = ${certs.key}`,
    'smtpd_tls_security_level = encrypt',
    'smtpd_tls_auth_only = yes',
    'smtpd_sasl_auth_enable = yes',
    `affix_sasl_password_maps = inline:{{alice=${hash}}}`,
    'mynetworks = 127.0.0.9/32',
    'smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination',
  ]);
  for (const method of ['PLAIN', 'LOGIN']) {
    const r = await run(findProgram('swaks')!, [
      '--server',
      '127.0.0.1',
      '--port',
      String(port),
      '--tls',
      '--auth',
      method,
      '--auth-user',
      'alice',
      '--auth-password',
      's3cret',
      '--from',
      'alice@example.org',
      '--to',
      'bob@far-away.test',
      '--helo',
      'client.example.org',
      '--timeout',
      '20',
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr + inst.log());
    assert.match(r.stdout, /<- {2}220 2\.0\.0 Ready to start TLS/);
    assert.match(r.stdout, /<~ {2}235 2\.7\.0 Authentication successful/);
    assert.match(r.stdout, /<~ {2}250 2\.0\.0 Ok: queued as \w+/);
    assert.match(inst.log(), new RegExp(`sasl_method=${method}, sasl_username=alice\\n`));
  }
  // A wrong password: Postfix's text, and no mail relayed.
  const bad = await run(findProgram('swaks')!, [
    '--server',
    '127.0.0.1',
    '--port',
    String(port),
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    'alice',
    '--auth-password',
    'wrong',
    '--from',
    'a@example.org',
    '--to',
    'bob@far-away.test',
    '--timeout',
    '20',
  ]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /<~\* 535 5\.7\.8 Error: authentication failed: authentication failure/);
});

test('nmap smtp-open-relay from 127.0.0.2 finds no relay', async (t) => {
  if (findProgram('nmap') === null) {
    const missing = missingPrograms(['nmap']);
    if (missing !== undefined) {
      t.skip(missing);
      return;
    }
  }
  const { inst, port } = await daemon(t, ['smtpd_client_restrictions =', 'inet_interfaces = 127.0.0.1']);
  // affixInstance listens on 127.0.0.1 only; 127.0.0.2 is another address of lo.
  const r = await run(findProgram('nmap')!, [
    '-Pn',
    '-n',
    '-sT',
    '-sV',
    '--version-light',
    '-S',
    '127.0.0.2',
    '-e',
    'lo',
    '-p',
    String(port),
    '--script',
    'smtp-open-relay',
    '--script-args',
    'smtp-open-relay.domain=example.test,smtp-open-relay.ip=192.0.2.1',
    '127.0.0.1',
  ]);
  assert.equal(r.status, 0, r.stdout + r.stderr + inst.log());
  assert.match(
    r.stdout,
    /smtp-open-relay: Server doesn't seem to be an open relay, all tests failed/,
    r.stdout + inst.log(),
  );
  const log = inst.log();
  assert.match(log, /connect from unknown\[127\.0\.0\.2\]|connect from localhost\[127\.0\.0\.2\]/);
  assert.doesNotMatch(log, /: client=.*127\.0\.0\.2/, 'no message was accepted from the outside client');
  assert.match(log, /NOQUEUE: reject: RCPT from \S+\[127\.0\.0\.2\]: 454 4\.7\.1 .*Relay access denied/);
});
