/**
 * A notification affix writes and the one Postfix 3.7.11 wrote for the
 * same failure (test/fixtures/postfix-3.7.11/bounce-dsn-samples.mbox)
 * differ only in queue IDs, dates and the boundary's time: the same
 * headers in the same order, the same template text, the same 79-column
 * wrapping of each recipient's reason and of Diagnostic-Code, the same
 * delivery-status fields, and the original returned the same way. The
 * failures: the error transport, an unknown local user, a delay warning,
 * a message expired after a timeout and after refused connections, a
 * remote 5xx, a verify report (sendmail -bv), and NXDOMAIN next hops.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bounceMailDate } from '../../src/bounce/bounce_date.ts';
import { TRACE_FLAG, TRACE_FLAGS_ATTR } from '../../src/queue/bounce_request.ts';
import { parseQueueId } from '../../src/queue/queue_id.ts';
import type { DeliveryLogEntry, LogKind } from '../../src/queue/queue_store.ts';
import {
  bounceHarness,
  entry,
  normaliseNotice,
  postfixSamples,
  queued,
  sampleOriginal,
  unqualifiedFrom,
} from './bounce_fixtures.ts';

const SAMPLES = postfixSamples();

interface Case {
  readonly name: string;
  readonly sample: number;
  readonly queueId: string;
  readonly call: 'flush' | 'flushDeferred' | 'warn' | 'trace';
  readonly log: LogKind;
  readonly entries: readonly DeliveryLogEntry[];
  readonly arrival?: number;
  readonly settings?: Readonly<Record<string, string>>;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly subject: string;
  readonly logLine: string;
}

const refused = 'connect to 127.0.0.1[127.0.0.1]:32526: Connection refused';

const CASES: readonly Case[] = [
  {
    name: 'the error transport (transport_maps error:5.1.1 ...)',
    sample: 0,
    queueId: '4F55D160005',
    call: 'flush',
    log: 'bounce',
    entries: [entry('user@fail.test', { reason: 'test domain always fails' })],
    subject: 'Undelivered Mail Returned to Sender',
    logLine: '4F55D160005: sender non-delivery notification: B0000000001',
  },
  {
    name: 'an unknown local user',
    sample: 1,
    queueId: '5C90716000A',
    call: 'flush',
    log: 'bounce',
    entries: [entry('nosuchuser@example.test', { reason: 'unknown user: "nosuchuser"' })],
    subject: 'Undelivered Mail Returned to Sender',
    logLine: '5C90716000A: sender non-delivery notification: B0000000001',
  },
  {
    name: 'a delay warning (delay_warning_time = 1s)',
    sample: 2,
    queueId: '8CA15160019',
    call: 'warn',
    log: 'defer',
    entries: [entry('user3@remote.test', { status: '4.4.1', action: 'delayed', reason: refused })],
    arrival: Date.UTC(2026, 10, 29, 9, 8, 9),
    settings: { delay_warning_time: '1s' },
    subject: 'Delayed Mail (still being retried)',
    logLine: '8CA15160019: sender delay notification: B0000000001',
  },
  {
    name: 'a message expired after a timeout',
    sample: 3,
    queueId: 'BB9DE160005',
    call: 'flushDeferred',
    log: 'defer',
    entries: [
      entry('user@hang.test', {
        status: '4.4.2',
        action: 'delayed',
        reason: 'conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server greeting',
      }),
    ],
    arrival: Date.UTC(2026, 10, 29, 9, 5, 51),
    subject: 'Undelivered Mail Returned to Sender',
    logLine: 'BB9DE160005: sender non-delivery notification: B0000000001',
  },
  {
    name: 'a remote 5xx (Remote-MTA and an smtp Diagnostic-Code)',
    sample: 4,
    queueId: 'B37D2160008',
    call: 'flush',
    log: 'bounce',
    entries: [
      entry('someone@reject.test', {
        status: '5.3.0',
        reason: 'host 127.0.0.1[127.0.0.1] said: 500 5.3.0 Error: command failed (in reply to RCPT TO command)',
        diagnostic: 'smtp;500 5.3.0 Error: command failed',
        remoteMta: 'dns;127.0.0.1',
      }),
    ],
    subject: 'Undelivered Mail Returned to Sender',
    logLine: 'B37D2160008: sender non-delivery notification: B0000000001',
  },
  {
    name: 'a message expired after refused connections',
    sample: 6,
    queueId: 'BC0EA160017',
    call: 'flushDeferred',
    log: 'defer',
    entries: [entry('user@remote.test', { status: '4.4.1', action: 'delayed', reason: refused })],
    arrival: Date.UTC(2026, 10, 29, 9, 5, 51),
    subject: 'Undelivered Mail Returned to Sender',
    logLine: 'BC0EA160017: sender non-delivery notification: B0000000001',
  },
  {
    name: 'a verify report (sendmail -bv)',
    sample: 7,
    queueId: '1CA49160008',
    call: 'trace',
    log: 'trace',
    entries: [
      entry('carol@example.test', {
        status: '2.0.0',
        action: 'deliverable',
        reason: 'delivery via local: delivers to mailbox',
      }),
      entry('nosuch@example.test', {
        status: '5.1.1',
        action: 'undeliverable',
        reason: 'delivery via local: unknown user: "nosuch"',
      }),
      entry('user@remote.test', { status: '4.4.1', action: 'undeliverable', reason: refused }),
    ],
    attributes: { [TRACE_FLAGS_ATTR]: String(TRACE_FLAG.USR_VRFY) },
    subject: 'Mail Delivery Status Report',
    logLine: '1CA49160008: sender delivery status notification: B0000000001',
  },
  {
    name: 'an NXDOMAIN next hop',
    sample: 9,
    queueId: '47B49160009',
    call: 'flush',
    log: 'bounce',
    entries: [
      entry('u@nxa.test', {
        status: '5.4.4',
        reason: 'Host or domain name not found. Name service error for name=nohost.nxa.test type=A: Host not found',
      }),
    ],
    subject: 'Undelivered Mail Returned to Sender',
    logLine: '47B49160009: sender non-delivery notification: B0000000001',
  },
];

for (const c of CASES) {
  test(`bounce writes ${c.name} as Postfix does, up to IDs and dates`, async (t) => {
    const sample = SAMPLES[c.sample]!;
    assert.match(sample, new RegExp(`^Subject: ${c.subject.replace(/[()]/g, '\\$&')}$`, 'm'));
    const h = await bounceHarness(t, sampleOriginal(sample), c.settings);
    for (const e of c.entries) await h.ctx.store.appendLog(c.log, parseQueueId(c.queueId)!, e);
    const message = queued(c.queueId, {
      ...(c.arrival === undefined ? {} : { arrival: c.arrival * 1000 }),
      attributes: c.attributes ?? {},
    });
    await h.server[c.call](message);

    assert.equal(h.cleanup.submitted.length, 1);
    const { request, content } = h.cleanup.submitted[0]!;
    assert.equal(request.sender, '', 'the null sender');
    assert.deepEqual(
      request.recipients.map((r) => r.address),
      ['dave@example.test'],
    );
    assert.equal(request.origin, 'bounce');
    assert.equal(normaliseNotice(content), unqualifiedFrom(normaliseNotice(sample)));
    assert.ok(
      h.sink.records.some((r) => r.text === c.logLine),
      h.sink.records.map((r) => r.text).join('\n'),
    );
    // Delay warnings keep the defer log; the others remove the log they reported.
    assert.deepEqual(h.queue.removed, c.call === 'warn' ? [] : [c.log]);
  });
}

test('Will-Retry-Until is the arrival plus maximal_queue_lifetime, and the delay template warns about 0 hours', async (t) => {
  const h = await bounceHarness(t, 'Subject: x\n\nbody\n', { delay_warning_time: '1s', maximal_queue_lifetime: '2d' });
  await h.ctx.store.appendLog(
    'defer',
    parseQueueId('ABCDEF1234')!,
    entry('a@remote.test', { status: '4.4.1', action: 'delayed', reason: refused }),
  );
  const arrival = Date.UTC(2026, 10, 29, 9, 8, 9);
  await h.server.warn(queued('ABCDEF1234', { arrival: arrival * 1000 }));
  const content = h.cleanup.submitted[0]!.content;
  assert.ok(content.includes(`\nWill-Retry-Until: ${bounceMailDate(arrival + 2 * 86400_000)}\n`));
  assert.ok(content.includes('\nIt will be retried until it is 2 day(s) old.\n'));
  assert.ok(content.includes('\nYour message could not be delivered for more than 0 hour(s).\n'));
  assert.ok(
    h.sink.records.some(
      (r) => r.text === '[built-in]: zero result in delay template conversion of parameter "delay_warning_time_hours"',
    ),
  );
});
