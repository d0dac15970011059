/**
 * check_policy_service against a real policy server on loopback: the
 * request carries Postfix 3.7's attributes in its order, the action decides
 * like an access table (REJECT text, DEFER_IF_PERMIT, DUNNO), connections
 * are reused, and a server that does not answer gives the default action.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startAffixSmtpd } from '../peers/affix_smtpd.ts';
import { startPolicyServer } from '../peers/policy_server.ts';
import { findProgram, missingPrograms } from '../peers/programs.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';

const ORDER = [
  'request',
  'protocol_state',
  'protocol_name',
  'client_address',
  'client_name',
  'client_port',
  'reverse_client_name',
  'server_address',
  'server_port',
  'helo_name',
  'sender',
  'recipient',
  'recipient_count',
  'queue_id',
  'instance',
  'size',
  'etrn_domain',
  'stress',
  'sasl_method',
  'sasl_username',
  'sasl_sender',
  'ccert_subject',
  'ccert_issuer',
  'ccert_fingerprint',
  'ccert_pubkey_fingerprint',
  'encryption_protocol',
  'encryption_cipher',
  'encryption_keysize',
  'policy_context',
];

test('a policy server decides recipients; smtpd sends Postfix 3.7 attributes and reuses the connection', async (t) => {
  const policy = await startPolicyServer(t, (a) =>
    a['recipient'] === 'policyreject@mx.example.test'
      ? 'REJECT policy says no'
      : a['recipient'] === 'policydefer@mx.example.test'
        ? 'DEFER_IF_PERMIT Policy rejection not due to greylisting'
        : 'DUNNO',
  );
  const smtpd = await startAffixSmtpd(t, {
    smtpd_recipient_restrictions: `check_policy_service inet:127.0.0.1:${policy.port}`,
  });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('EHLO good.example.test', /^250-/);
  await c.send('MAIL FROM:<a@example.org> SIZE=100', '250 2.1.0 Ok');
  await c.send(
    'RCPT TO:<policyreject@mx.example.test>',
    '554 5.7.1 <policyreject@mx.example.test>: Recipient address rejected: policy says no',
  );
  await c.send(
    'RCPT TO:<policydefer@mx.example.test>',
    '450 4.7.1 <policydefer@mx.example.test>: Recipient address rejected: Policy rejection not due to greylisting',
  );
  await c.send('RCPT TO:<carol@mx.example.test>', '250 2.1.5 Ok');
  assert.equal(policy.requests.length, 3);
  const first = policy.requests[0]!;
  assert.deepEqual(
    first.map(([k]) => k),
    ORDER,
  );
  const attrs = Object.fromEntries(first);
  assert.equal(attrs['protocol_state'], 'RCPT');
  assert.equal(attrs['protocol_name'], 'ESMTP');
  assert.equal(attrs['client_address'], '127.0.0.1');
  assert.equal(attrs['helo_name'], 'good.example.test');
  assert.equal(attrs['sender'], 'a@example.org');
  assert.equal(attrs['recipient'], 'policyreject@mx.example.test');
  assert.equal(attrs['size'], '100');
  assert.match(attrs['instance']!, /^[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]+$/);
  assert.equal(policy.connections, 1);
});

test('an unreachable policy server gives smtpd_policy_service_default_action after warnings', async (t) => {
  const policy = await startPolicyServer(t, () => 'DUNNO');
  await policy.close();
  const smtpd = await startAffixSmtpd(t, {
    smtpd_recipient_restrictions: `check_policy_service inet:127.0.0.1:${policy.port}`,
    smtpd_policy_service_retry_delay: '1s',
  });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send(
    'RCPT TO:<carol@mx.example.test>',
    '451 4.3.5 <carol@mx.example.test>: Recipient address rejected: Server configuration problem',
  );
  await smtpd.log.waitFor(`warning: problem talking to server inet:127.0.0.1:${policy.port}: Connection refused`);
});

test("Debian's policyd-spf (postfix-policyd-spf-python) as a check_policy_service: its PREPEND reaches the message", async (t) => {
  const missing = missingPrograms(['policyd-spf']);
  if (missing !== undefined) return t.skip(missing);
  const spf = findProgram('policyd-spf')!;
  // What Postfix's spawn(8) does: one policyd-spf per connection, the socket on its stdin and stdout.
  const server = createServer((socket) => {
    const child = spawn(spf, [], { stdio: ['pipe', 'pipe', 'ignore'] });
    socket.pipe(child.stdin);
    child.stdout.pipe(socket);
    socket.on('error', () => child.kill());
    socket.on('close', () => child.kill());
  });
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
  t.after(() => server.close());
  const a = server.address();
  const port = typeof a === 'object' && a !== null ? a.port : 0;
  const smtpd = await startAffixSmtpd(t, {
    smtpd_recipient_restrictions: `permit_mynetworks, check_policy_service inet:127.0.0.1:${port}`,
    mynetworks: '127.0.0.9/32',
  });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('EHLO client.example.org', /^250-/);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<carol@mx.example.test>', '250 2.1.5 Ok');
  await c.send('DATA', /^354 /);
  await c.send('Subject: spf\r\n\r\nbody\r\n.', /^250 2\.0\.0 Ok: queued as /);
  const text = await smtpd.cleanup.content(smtpd.cleanup.queued[0]!);
  // policyd-spf skips loopback clients (its skip_addresses) and says so in a header.
  assert.match(
    text,
    /^X-Comment: SPF check N\/A for local connections - client-ip=127\.0\.0\.1; helo=client\.example\.org; envelope-from=a@example\.org; receiver=\S+ ?\nReceived: from client\.example\.org /,
  );
});
