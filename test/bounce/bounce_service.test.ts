/**
 * bounce_service: who gets a notification, with what: the null sender never
 * gets one; a failed bounce goes to the postmaster as a double bounce only
 * when notify_classes asks; a failed double bounce is dropped;
 * notify_classes copies; NOTIFY=NEVER/DELAY/SUCCESS; RET=HDRS and
 * bounce_size_limit; ENVID; SMTPUTF8 (message/global-*); addresses that
 * changed (expanded from); an unreadable original; a refused notification
 * keeps the log and fails the call; success notices; threaded bounces;
 * bounce_template_file.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTemplates } from '../../src/bounce/bounce.ts';
import { DSN_NOTIFY } from '../../src/queue/queue_envelope.ts';
import { parseQueueId } from '../../src/queue/queue_id.ts';
import type { DeliveryLogEntry, LogKind } from '../../src/queue/queue_store.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { type BounceHarness, bounceHarness, entry, queued } from './bounce_fixtures.ts';

const ID = 'ABCDE12345';
const ORIGINAL =
  'Received: by mx.example.test (Postfix, from userid 5002)\n\tid ABCDE12345; Sun, 29 Nov 2026 09:06:30 +0000 (UTC)\n' +
  'Subject: hello\nMessage-Id: <orig.1@example.test>\nFrom: dave@example.test\n\nbody line 1\nbody line 2\n';

async function withLog(h: BounceHarness, kind: LogKind, entries: readonly DeliveryLogEntry[]): Promise<void> {
  for (const e of entries) await h.ctx.store.appendLog(kind, parseQueueId(ID)!, e);
}

const lines = (h: BounceHarness) => h.sink.records.map((r) => `${r.level === 'info' ? '' : `${r.level}: `}${r.text}`);
const failed = entry('user@fail.test', { reason: 'test domain always fails' });

test('no bounce to <>: a failed bounce is dropped when notify_classes has neither bounce nor 2bounce', async (t) => {
  const h = await bounceHarness(t, ORIGINAL);
  await withLog(h, 'bounce', [failed]);
  await h.server.flush(queued(ID, { sender: '' }));
  assert.equal(h.cleanup.submitted.length, 0);
  assert.deepEqual(lines(h), []);
  assert.deepEqual(h.queue.removed, ['bounce'], 'the log is done with');
});

test('a failed bounce goes to 2bounce_notice_recipient as a double bounce (notify_classes = 2bounce)', async (t) => {
  const h = await bounceHarness(t, ORIGINAL, { notify_classes: '2bounce', '2bounce_notice_recipient': 'hostmaster' });
  await withLog(h, 'bounce', [failed]);
  await h.server.flush(queued(ID, { sender: '' }));
  assert.equal(h.cleanup.submitted.length, 1);
  const { request, content } = h.cleanup.submitted[0]!;
  assert.equal(request.sender, 'double-bounce@mx.example.test');
  assert.deepEqual(
    request.recipients.map((r) => r.address),
    ['hostmaster'],
  );
  assert.match(content, /^Subject: Postmaster Copy: Undelivered Mail$/m);
  assert.match(content, /^To: hostmaster$/m);
  assert.match(content, /^Auto-Submitted: auto-generated$/m);
  assert.doesNotMatch(content, /I'm sorry to have to inform you/, 'no boiler-plate for the postmaster');
  assert.match(content, /^X-Postfix-Sender: rfc822; MAILER-DAEMON@mx\.example\.test$/m);
  assert.match(
    content,
    /Content-Description: Undelivered Message\nContent-Type: message\/rfc822\n/,
    'the whole original',
  );
  assert.match(content, /\nbody line 2\n/);
  assert.deepEqual(lines(h), [`${ID}: postmaster non-delivery notification: B0000000001`]);
});

test('a failed double bounce (sender double-bounce@$myhostname) is never bounced again', async (t) => {
  const h = await bounceHarness(t, ORIGINAL, { notify_classes: 'bounce, 2bounce, delay' });
  await withLog(h, 'bounce', [failed]);
  await h.server.flush(queued(ID, { sender: 'Double-Bounce@mx.example.test' }));
  await withLog(h, 'defer', [entry('x@remote.test', { status: '4.4.1', action: 'delayed', reason: 'later' })]);
  await h.server.warn(queued(ID, { sender: 'double-bounce@mx.example.test' }));
  assert.equal(h.cleanup.submitted.length, 0);
  assert.deepEqual(lines(h), [
    `warning: ${ID}: undeliverable postmaster notification discarded`,
    `warning: ${ID}: undeliverable postmaster notification discarded`,
  ]);
});

test('notify_classes = bounce: the sender gets the notice, the postmaster a copy with headers only', async (t) => {
  const h = await bounceHarness(t, ORIGINAL, { notify_classes: 'bounce', bounce_notice_recipient: 'pm' });
  await withLog(h, 'bounce', [failed]);
  await h.server.flush(queued(ID));
  assert.deepEqual(
    h.cleanup.submitted.map((s) => [s.request.sender, s.request.recipients[0]!.address]),
    [
      ['', 'dave@example.test'],
      ['double-bounce@mx.example.test', 'pm'],
    ],
  );
  const copy = h.cleanup.submitted[1]!.content;
  assert.match(copy, /^Subject: Postmaster Copy: Undelivered Mail$/m);
  assert.match(copy, /Content-Description: Undelivered Message Headers\nContent-Type: text\/rfc822-headers\n/);
  assert.doesNotMatch(copy, /body line/);
  assert.deepEqual(lines(h), [
    `${ID}: sender non-delivery notification: B0000000001`,
    `${ID}: postmaster non-delivery notification: B0000000002`,
  ]);
});

test('notify_classes = delay: a delay warning also goes to delay_notice_recipient; the defer log stays', async (t) => {
  const h = await bounceHarness(t, ORIGINAL, { notify_classes: 'delay', delay_notice_recipient: 'ops' });
  await withLog(h, 'defer', [entry('x@remote.test', { status: '4.4.1', action: 'delayed', reason: 'later' })]);
  await h.server.warn(queued(ID));
  assert.deepEqual(
    h.cleanup.submitted.map((s) => s.request.recipients[0]!.address),
    ['dave@example.test', 'ops'],
  );
  assert.match(h.cleanup.submitted[1]!.content, /^Subject: Postmaster Warning: Delayed Mail$/m);
  assert.deepEqual(lines(h), [
    `${ID}: sender delay notification: B0000000001`,
    `${ID}: postmaster delay notification: B0000000002`,
  ]);
  assert.deepEqual(h.queue.removed, []);
});

test('NOTIFY: NEVER and DELAY-only recipients are left out of a non-delivery notice; none left, none sent', async (t) => {
  const h = await bounceHarness(t, ORIGINAL);
  await withLog(h, 'bounce', [
    entry('never@fail.test', { notify: DSN_NOTIFY.NEVER, reason: 'x' }),
    entry('delay@fail.test', { notify: DSN_NOTIFY.DELAY, reason: 'x' }),
    entry('failure@fail.test', { notify: DSN_NOTIFY.FAILURE | DSN_NOTIFY.DELAY, reason: 'x' }),
    entry('default@fail.test', { reason: 'x' }),
  ]);
  await h.server.flush(queued(ID));
  const content = h.cleanup.submitted[0]!.content;
  assert.deepEqual(
    [...content.matchAll(/^Final-Recipient: rfc822; (.*)$/gm)].map((m) => m[1]),
    ['failure@fail.test', 'default@fail.test'],
  );

  const h2 = await bounceHarness(t, ORIGINAL);
  await withLog(h2, 'bounce', [entry('never@fail.test', { notify: DSN_NOTIFY.NEVER, reason: 'x' })]);
  await h2.server.flush(queued(ID));
  assert.equal(h2.cleanup.submitted.length, 0);
  assert.deepEqual(lines(h2), []);
  assert.deepEqual(h2.queue.removed, ['bounce']);
});

test('RET=HDRS, and an original over bounce_size_limit, return the headers only', async (t) => {
  for (const [settings, ret, size] of [
    [{}, 'HDRS', 100],
    [{ bounce_size_limit: '50' }, null, 100],
  ] as const) {
    const h = await bounceHarness(t, ORIGINAL, settings);
    await withLog(h, 'bounce', [failed]);
    await h.server.flush(queued(ID, { ret }, size));
    const content = h.cleanup.submitted[0]!.content;
    assert.match(content, /Content-Description: Undelivered Message Headers\nContent-Type: text\/rfc822-headers\n/);
    assert.match(content, /\nFrom: dave@example.test\n\n--ABCDE12345\.\d+\/mx\.example\.test--\n$/);
  }
});

test('ENVID becomes Original-Envelope-Id; a changed address says "expanded from"', async (t) => {
  const h = await bounceHarness(t, ORIGINAL);
  await withLog(h, 'bounce', [
    entry('alias-target@example.test', {
      original: 'list@example.test',
      orcpt: 'rfc822;list@example.test',
      reason: 'unknown user: "alias-target"',
    }),
    entry('other@example.test', { original: 'Other@Example.Test', orcpt: null, reason: 'no' }),
    entry('third@example.test', { original: 'x@example.test', orcpt: null, reason: 'no' }),
  ]);
  await h.server.flush(queued(ID, { envid: 'ENV-42' }));
  const content = h.cleanup.submitted[0]!.content;
  assert.match(content, /^Original-Envelope-Id: ENV-42$/m);
  assert.match(
    content,
    /^<alias-target@example.test> \(expanded from <list@example.test>\): unknown user:\n {4}"alias-target"$/m,
  );
  assert.match(content, /^<other@example.test>: no$/m, 'a change of case only is no expansion');
  assert.match(content, /^Original-Recipient: rfc822;list@example.test$/m);
  assert.match(content, /^Original-Recipient: rfc822; x@example.test$/m, 'without ORCPT: the original address');
  assert.equal((content.match(/^Original-Recipient:/gm) ?? []).length, 2);
});

test('SMTPUTF8 originals get message/global-delivery-status and message/global, utf-8 address types', async (t) => {
  const h = await bounceHarness(t, ORIGINAL);
  await withLog(h, 'bounce', [entry('jörg@exämple.test', { reason: 'unknown user: "jörg"' })]);
  await h.server.flush(queued(ID, { smtputf8: true, sender: 'dävid@example.test' }));
  const { request, content } = h.cleanup.submitted[0]!;
  assert.equal(request.smtputf8, true);
  assert.match(content, /Content-Type: message\/global-delivery-status\nContent-Transfer-Encoding: 8bit\n/);
  assert.match(content, /Content-Description: Undelivered Message\nContent-Type: message\/global\n/);
  assert.match(content, /^Final-Recipient: utf-8; jörg@exämple.test$/m);
  assert.match(content, /^X-Postfix-Sender: utf-8; dävid@example.test$/m);
  assert.match(content, /^To: dävid@example.test$/m);
});

test('an original that cannot be read is reported as unavailable, and the notice still goes out', async (t) => {
  const h = await bounceHarness(t, null);
  await withLog(h, 'bounce', [failed]);
  await h.server.flush(queued(ID));
  assert.match(
    h.cleanup.submitted[0]!.content,
    /\n\n\t--- Undelivered message unavailable ---\n\n--ABCDE12345\.\d+\/mx\.example\.test--\n$/,
  );
});

test('a non-delivery notice with no log still goes out, saying the report is unavailable', async (t) => {
  const h = await bounceHarness(t, ORIGINAL);
  await h.server.flushDeferred(queued(ID));
  assert.match(h.cleanup.submitted[0]!.content, /The mail system\n\n\t--- Delivery report unavailable ---\n\n--/);
});

test('when cleanup refuses the notice, the call fails, the log stays, and bounce says why', async (t) => {
  const h = await bounceHarness(t, ORIGINAL);
  h.cleanup.refuse = { code: 552, dsn: '5.3.4', text: 'Error: message file too big' };
  await withLog(h, 'bounce', [failed]);
  await assert.rejects(h.server.flush(queued(ID)), /sender notification failed/);
  assert.deepEqual(lines(h), [
    `${ID}: sender non-delivery notification: B0000000001`,
    `warning: ${ID}: sender notification failed to dave@example.test: message file too big`,
  ]);
  assert.deepEqual(h.queue.removed, []);
});

test('NOTIFY=SUCCESS: a success notice (delivered, relayed) with the headers; none for a single bounce', async (t) => {
  const h = await bounceHarness(t, ORIGINAL);
  await withLog(h, 'trace', [
    entry('carol@example.test', { status: '2.0.0', action: 'delivered', reason: 'delivered to mailbox', notify: 2 }),
    entry('r@remote.test', {
      status: '2.0.0',
      action: 'relayed',
      reason: '250 2.0.0 Ok: queued as 1234',
      diagnostic: 'smtp;250 2.0.0 Ok: queued as 1234',
      remoteMta: 'dns;mx.remote.test',
      notify: 2,
    }),
  ]);
  await h.server.trace(queued(ID));
  const content = h.cleanup.submitted[0]!.content;
  assert.match(content, /^Subject: Successful Mail Delivery Report$/m);
  assert.match(content, /Your message was successfully delivered to the destination\(s\)\n/);
  assert.match(content, /^Action: delivered$/m);
  assert.match(content, /^Action: relayed\nStatus: 2\.0\.0\nRemote-MTA: dns; mx\.remote\.test\n/m);
  assert.match(content, /Content-Description: Message Headers\nContent-Type: text\/rfc822-headers\n/);
  assert.deepEqual(lines(h), [`${ID}: sender delivery status notification: B0000000001`]);
  assert.deepEqual(h.queue.removed, ['trace']);

  const single = await bounceHarness(t, ORIGINAL);
  await withLog(single, 'trace', [entry('carol@example.test', { status: '2.0.0', action: 'delivered', reason: 'x' })]);
  await single.server.trace(queued(ID, { sender: '' }));
  assert.equal(single.cleanup.submitted.length, 0);
  assert.deepEqual(lines(single), [`${ID}: not sending trace/success notification for single-bounce message`]);
});

test('enable_threaded_bounces adds References and In-Reply-To with the original Message-ID', async (t) => {
  const h = await bounceHarness(t, ORIGINAL, { enable_threaded_bounces: 'yes' });
  await withLog(h, 'bounce', [failed]);
  await h.server.flush(queued(ID));
  assert.match(
    h.cleanup.submitted[0]!.content,
    /^To: dave@example.test\nReferences: <orig\.1@example\.test>\nIn-Reply-To: <orig\.1@example\.test>\nAuto-Submitted: auto-replied$/m,
  );
});

test('bounce_template_file replaces the failure template: its From, Subject, charset and expanded text', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bounce.cf');
  writeFileSync(
    file,
    [
      '# local wording',
      'failure_template = <<EOF',
      'Charset: iso-8859-1',
      'From: Mail Robot <MAILER-DAEMON>',
      'Subject: Returned: $$ not expanded',
      '',
      'Hello from $myhostname ($mail_name).',
      'EOF',
      '',
    ].join('\n'),
  );
  const warnings: string[] = [];
  const templates = await loadTemplates(
    file,
    (w) => warnings.push(w),
    (f) => assert.fail(f),
  );
  const h = await bounceHarness(t, ORIGINAL, { bounce_template_file: file }, templates);
  await withLog(h, 'bounce', [failed]);
  await h.server.flush(queued(ID));
  const content = h.cleanup.submitted[0]!.content;
  assert.match(content, /^From: Mail Robot <MAILER-DAEMON>\nSubject: Returned: \$\$ not expanded\n/m);
  assert.match(content, /Content-Type: text\/plain; charset=iso-8859-1\n/);
  assert.match(content, /\n\nHello from mx\.example\.test \(Postfix\)\.\n\n<user@fail\.test>: /);
  assert.deepEqual(warnings, []);
});

test('CR, LF and NUL in log values (ORCPT, reply text, remote MTA) and ENVID become `?`, never a new line', async (t) => {
  const h = await bounceHarness(t, ORIGINAL);
  const evil = '\r\nX-Injected: yes\0\n';
  await withLog(h, 'bounce', [
    entry(`rcpt${evil}@fail.test`, {
      orcpt: `rfc822;a@b${evil}`,
      reason: `said: 550 no${evil}--boundary--`,
      diagnostic: `smtp;550 no${evil}`,
      remoteMta: `dns;mx${evil}`,
      status: `5.1.1${evil}`,
    }),
  ]);
  await h.server.flush(queued(ID, { envid: `e${evil}` }));
  const content = h.cleanup.submitted[0]!.content;
  assert.doesNotMatch(content, /^X-Injected/m);
  assert.doesNotMatch(content, /[\r\0]/);
  assert.match(content, /^Original-Envelope-Id: e\?\?X-Injected: yes\?\?$/m);
  assert.match(content, /^Original-Recipient: rfc822;a@b\?\?X-Injected: yes\?\?$/m);
  assert.match(content, /^Remote-MTA: dns; mx\?\?X-Injected: yes\?\?$/m);
  assert.match(content, /^Status: 5\.1\.1\?\?X-Injected: yes\?\?$/m);
});
