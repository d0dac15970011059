/**
 * logscan_trace: one message's story from the real Postfix 3.7 sample log,
 * by queue ID, Message-ID and address: its lines in order with the smtpd
 * session around them, the bounce's notification followed to its own
 * delivery, a requeue followed to the new queue ID, and the outcome.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeEntry, explainDelays } from '../../src/logscan/logscan_describe.ts';
import { traceMessages } from '../../src/logscan/logscan_trace.ts';
import { messageFacts } from '../../src/logscan/logscan_trace_facts.ts';

const SAMPLE = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11', 'maillog-loopback-experiment.log');

function kinds(entries: readonly { event: { kind: string } }[]): string[] {
  return entries.map((e) => e.event.kind);
}

test('trace by queue ID: a delivered SMTP message with its session, cleanup, qmgr, delivery and removal', async () => {
  const r = await traceMessages([SAMPLE], 'DFC8A16044F', { year: 2026 });
  assert.equal(r.messages.length, 1);
  const m = r.messages[0]!;
  assert.deepEqual(kinds(m.entries), [
    'connect',
    'client',
    'message_id',
    'disconnect',
    'queue_active',
    'delivery',
    'removed',
  ]);
  const f = messageFacts(m);
  assert.equal(f.messageId, '<20261129090517.012573@vm>');
  assert.deepEqual([f.from, f.size, f.nrcpt, f.end], ['sender@example.org', 408, 1, 'removed']);
  assert.equal(f.receivedBy, 'postfix/smtpd from localhost[127.0.0.1]');
  assert.deepEqual(
    f.recipients.map((x) => [x.to, x.status, x.dsn, x.attempts]),
    [['carol@example.test', 'sent', '2.0.0', 1]],
  );
});

test('trace of a bounced message follows the non-delivery notification to its own delivery', async () => {
  const r = await traceMessages([SAMPLE], '4F55D160005', { year: 2026 });
  assert.deepEqual(
    r.messages.map((m) => m.queueId),
    ['4F55D160005', '5CA14160008'],
  );
  assert.deepEqual(r.links, [
    {
      from: '4F55D160005',
      to: '5CA14160008',
      relation: 'sender non-delivery notification',
      reverse: 'sender non-delivery notification for',
    },
  ]);
  const original = messageFacts(r.messages[0]!);
  assert.equal(original.receivedBy, 'pickup (uid 5002)');
  assert.deepEqual(
    original.recipients.map((x) => [x.to, x.status, x.dsn, x.relay, x.text]),
    [['user@fail.test', 'bounced', '5.1.1', 'none', 'test domain always fails']],
  );
  const notice = messageFacts(r.messages[1]!);
  assert.equal(notice.from, '');
  assert.deepEqual(
    notice.recipients.map((x) => [x.to, x.status]),
    [['dave@example.test', 'sent']],
  );
  assert.deepEqual(kinds(r.messages[0]!.entries), [
    'pickup',
    'message_id',
    'queue_active',
    'delivery',
    'notification',
    'removed',
  ]);
});

test('trace from the notification back to the bounced original works too', async () => {
  const r = await traceMessages([SAMPLE], '5CA14160008', { year: 2026 });
  assert.deepEqual(
    r.messages.map((m) => m.queueId),
    ['4F55D160005', '5CA14160008'],
  );
});

test('trace by Message-ID finds both copies of a message relayed through this host, linked', async () => {
  const r = await traceMessages([SAMPLE], '<20261129090551.013365@vm>', { year: 2026 });
  assert.deepEqual(
    r.messages.map((m) => m.queueId),
    ['BB57C1600C3', 'C78A2160453'],
  );
  assert.equal(r.links[0]?.relation, 'relayed to <carol@loop.test> as');
  // the receiving session: connect, TLS, client=, disconnect
  assert.deepEqual(kinds(r.messages[1]!.entries).slice(0, 3), ['connect', 'tls', 'client']);
});

test('a requeued message (postsuper -r) is followed to its new queue ID and on to its expiry bounce', async () => {
  const r = await traceMessages([SAMPLE], 'F19A81600C3', { year: 2026 });
  assert.deepEqual(
    r.messages.map((m) => m.queueId),
    ['F19A81600C3', 'BB9DE160005', '73EBB16001A'],
  );
  const first = messageFacts(r.messages[0]!, r.links);
  assert.equal(first.recipients[0]?.attempts, 2);
  assert.equal(first.end, 'requeued as BB9DE160005', 'postsuper -r ALL logs no per-message line: the link tells');
  assert.equal(messageFacts(r.messages[0]!).end, 'in queue');
  assert.equal(messageFacts(r.messages[1]!).end, 'force-expired, then removed');
});

test('trace by address: every message to or from it, and the refusals before queueing', async () => {
  const r = await traceMessages([SAMPLE], 'nosuchuser@example.test', { year: 2026 });
  assert.deepEqual(
    r.messages.map((m) => m.queueId),
    ['5C90716000A', '5F11716000B'],
  );
  assert.equal(r.rejects.length, 1);
  assert.match(describeEntry(r.rejects[0]!), /^REJECT at RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.1 /);
  const all = await traceMessages([SAMPLE], 'Carol@Example.TEST', { year: 2026 });
  assert.ok(all.messages.length >= 20, `${all.messages.length} messages to carol`);
});

test('the SMTP client lines before a delivery attempt belong to it (connect to ... refused)', async () => {
  const r = await traceMessages([SAMPLE], '9F4411600A3', { year: 2026 });
  const kindsOf = kinds(r.messages[0]!.entries);
  assert.deepEqual(kindsOf.slice(-3), ['connect_failure', 'delivery', 'postsuper']);
});

test('an unknown term finds nothing', async () => {
  const r = await traceMessages([SAMPLE], 'ABCDEF123456', { year: 2026 });
  assert.deepEqual([r.messages.length, r.rejects.length, r.truncated], [0, 0, false]);
});

test('delays in words: the stages add up, and the largest one is named with what it means', () => {
  const slow = explainDelays(82, { beforeQmgr: 72, inQmgr: 0.02, connSetup: 10, transmission: 0 });
  assert.equal(
    slow,
    '82 s = 72 s waiting before the queue manager + 0.02 s in the active queue + 10 s connection setup + 0 s transmission; most of it (88%) waiting before the queue manager: for a retry: the time in the deferred queue',
  );
  assert.match(
    explainDelays(10, { beforeQmgr: 0, inQmgr: 0, connSetup: 10, transmission: 0 }),
    /most of it \(100%\) connection setup: the server was slow or unreachable/,
  );
  assert.doesNotMatch(
    explainDelays(0.04, { beforeQmgr: 0.02, inQmgr: 0.01, connSetup: 0, transmission: 0.02 }),
    /most of it/,
  );
});
