/**
 * qmgr retry timing, expiry, delay warnings and forced expiry, on a
 * ManualClock: the schedule of postfix-compat.md §3.5 and §3.7.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import type { QueueId } from '../../src/queue/queue_id.ts';
import { harness, outcome, scriptAgent, T0 } from './harness.ts';

const REFUSED = 'connect to mx.remote.test[192.0.2.1]:25: Connection refused';

/** An smtp agent that defers every recipient (not a site failure, so the destination stays alive). */
function deferringSmtp() {
  return scriptAgent('smtp', (r) => outcome(r, 'deferred', '4.4.1', REFUSED));
}

test('qmgr retries deferred mail after minimal_backoff_time, then after the message age, capped by maximal_backoff_time and rounded up to the next queue_run_delay scan', async (t) => {
  const h = await harness(t);
  const smtp = deferringSmtp();
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  await h.startQmgr();
  const { queueId } = await h.submit();
  await h.idle();
  const file = h.store.pathOf('deferred', queueId);
  assert.equal(statSync(file).mtimeMs, T0 + 300_000, 'first retry due after minimal_backoff_time');
  assert.deepEqual(
    (await h.store.readLog('defer', queueId)).map((e) => e.reason),
    [REFUSED],
  );
  await h.advance(4 * 3600_000);
  const attempts = smtp.requests.map((r) => (r.requestedAt / 1000 - T0) / 1000);
  // Age doubles the interval (300, 600, 1200, 2400 s) until maximal_backoff_time (4000 s) caps it;
  // 4800 + 4000 = 8800 is picked up by the scan at 9000, 9000 + 4000 by the one at 13200.
  assert.deepEqual(attempts.slice(0, 8), [0, 300, 600, 1200, 2400, 4800, 9000, 13200]);
  const active = h.lines().filter((l) => l.includes(`${queueId}: from=<sender@example.org>, size=`));
  assert.equal(active.length, attempts.length, 'one `(queue active)` line per attempt');
});

test('qmgr expires a message after maximal_queue_lifetime: status=expired, returned to sender, the deferred recipients are bounced, the file removed', async (t) => {
  const h = await harness(t, ['maximal_queue_lifetime = 1200s']);
  h.agents.set('smtp', { agent: deferringSmtp(), processLimit: 100 });
  await h.startQmgr();
  const { queueId } = await h.submit({
    recipients: [
      { address: 'a@remote.test', orcpt: null, notify: 0 },
      { address: 'b@remote.test', orcpt: null, notify: 0 },
    ],
  });
  await h.idle();
  await h.advance(1199_000);
  assert.equal(h.bounces.length, 0, 'not expired before the lifetime has passed');
  await h.advance(1_000);
  assert.ok(
    h.lines().includes(`postfix/qmgr[300]: ${queueId}: from=<sender@example.org>, status=expired, returned to sender`),
  );
  assert.deepEqual(h.bounces, [
    { kind: 'flushDeferred', id: queueId, recipients: ['a@remote.test', 'b@remote.test'], at: T0 + 1200_000 },
  ]);
  assert.ok(h.lines().includes(`postfix/qmgr[300]: ${queueId}: removed`));
  let left = 0;
  for await (const _ of h.store.list('deferred')) left++;
  assert.equal(left, 0);
});

test('qmgr expires null-sender mail after bounce_queue_lifetime, and a lifetime of 0 means one attempt', async (t) => {
  const h = await harness(t, ['bounce_queue_lifetime = 600s']);
  h.agents.set('smtp', { agent: deferringSmtp(), processLimit: 100 });
  await h.startQmgr();
  const bounce = await h.submit({ sender: '' });
  const normal = await h.submit();
  await h.idle();
  await h.advance(600_000);
  assert.ok(h.lines().includes(`postfix/qmgr[300]: ${bounce.queueId}: from=<>, status=expired, returned to sender`));
  assert.ok(!h.lines().some((l) => l.includes(`${normal.queueId}: from=<sender@example.org>, status=expired`)));

  const once = await harness(t, ['maximal_queue_lifetime = 0']);
  once.agents.set('smtp', { agent: deferringSmtp(), processLimit: 100 });
  await once.startQmgr();
  const m = await once.submit();
  await once.idle();
  assert.ok(
    once
      .lines()
      .includes(`postfix/qmgr[300]: ${m.queueId}: from=<sender@example.org>, status=expired, returned to sender`),
  );
});

test('qmgr warns at start-up when bounce_queue_lifetime is larger than maximal_queue_lifetime and uses the smaller', async (t) => {
  const h = await harness(t, ['maximal_queue_lifetime = 300s', 'bounce_queue_lifetime = 1d']);
  const q = await h.startQmgr();
  assert.ok(
    h
      .lines()
      .includes(
        'postfix/qmgr[300]: warning: bounce_queue_lifetime is larger than maximal_queue_lifetime - adjusting bounce_queue_lifetime',
      ),
  );
  assert.equal(q.limits.bounce_queue_lifetime, 300_000);
});

test('qmgr sends one delay warning at the first failed attempt after delay_warning_time, then clears the warning time', async (t) => {
  const h = await harness(t, ['delay_warning_time = 10m']);
  h.agents.set('smtp', { agent: deferringSmtp(), processLimit: 100 });
  await h.startQmgr();
  const { queueId } = await h.submit();
  await h.idle();
  const queued = await h.store.read('deferred', queueId);
  assert.equal(queued.envelope.warnAt, (T0 + 600_000) * 1000, 'cleanup writes arrival + delay_warning_time');
  await h.advance(3600_000);
  const warns = h.bounces.filter((b) => b.kind === 'warn');
  assert.deepEqual(warns, [{ kind: 'warn', id: queueId, recipients: ['user@remote.test'], at: T0 + 600_000 }]);
  assert.equal((await h.store.read('deferred', queueId)).envelope.warnAt, null);
});

test('qmgr keeps a message whose delay warning failed and warns at the next attempt', async (t) => {
  const h = await harness(t, ['delay_warning_time = 5m']);
  h.agents.set('smtp', { agent: deferringSmtp(), processLimit: 100 });
  h.bounceFails = true;
  await h.startQmgr();
  const { queueId } = await h.submit();
  await h.idle();
  await h.advance(300_000);
  h.bounceFails = false;
  await h.advance(300_000);
  assert.deepEqual(
    h.bounces.filter((b) => b.kind === 'warn').map((b) => (b.at - T0) / 1000),
    [300, 600],
  );
  assert.equal((await h.store.read('deferred', queueId)).envelope.warnAt, null);
});

test('qmgr returns a force-expired message at its next attempt: status=force-expired, returned to sender', async (t) => {
  const h = await harness(t);
  h.agents.set('smtp', { agent: deferringSmtp(), processLimit: 100 });
  await h.startQmgr();
  const { queueId } = await h.submit();
  await h.idle();
  await h.store.setForceExpire('deferred', queueId, true);
  await h.advance(300_000);
  assert.ok(
    h
      .lines()
      .includes(`postfix/qmgr[300]: ${queueId}: from=<sender@example.org>, status=force-expired, returned to sender`),
  );
  assert.equal(h.bounces.at(-1)?.kind, 'flushDeferred');
  assert.deepEqual(h.bounces.at(-1)?.recipients, ['user@remote.test']);
});

test('qmgr defers a force-expired message without a defer log through retry: message is administratively expired (4.7.0)', async (t) => {
  const h = await harness(t);
  const smtp = scriptAgent('smtp', (r) => outcome(r, 'sent', '2.0.0', '250 2.0.0 Ok'));
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  const { queueId } = await h.submit();
  await h.store.setForceExpire('incoming', queueId, true);
  await h.startQmgr();
  await h.idle();
  assert.equal(smtp.requests.length, 0, 'no delivery is attempted');
  assert.ok(
    h
      .lines()
      .some((l) =>
        l.includes(
          `postfix/error[201]: ${queueId}: to=<user@remote.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.7.0, status=deferred (message is administratively expired)`,
        ),
      ),
  );
  assert.ok(
    h
      .lines()
      .includes(`postfix/qmgr[300]: ${queueId}: from=<sender@example.org>, status=force-expired, returned to sender`),
  );
});

test('postqueue -f (flush) attempts deferred mail now, ignoring its time stamp; postqueue -i does it for one message', async (t) => {
  const h = await harness(t);
  const smtp = deferringSmtp();
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  const q = await h.startQmgr();
  const a = await h.submit();
  const b = await h.submit();
  await h.idle();
  assert.equal(smtp.requests.length, 2);
  await h.advance(10_000);
  q.flush();
  await h.idle();
  assert.equal(smtp.requests.length, 4, 'both retried at once');
  await h.advance(10_000);
  assert.equal(await q.flushQueueId(a.queueId as QueueId), true);
  await h.idle();
  assert.deepEqual(
    smtp.requests.slice(4).map((r) => r.queueId),
    [a.queueId],
  );
  assert.equal(await q.flushQueueId('NOSUCHID' as QueueId), false);
  void b;
});
