/**
 * qmgr's per-destination scheduling (postfix-compat.md §3.6): the
 * concurrency window and its feedback, the dead-destination rule, a dead
 * transport, recipient limits and the rate delay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryOutcome, DeliveryRequest } from '../../src/queue/deliver_request.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';
import { harness, outcome, scriptAgent, T0 } from './harness.ts';

const REFUSED = 'connect to mx.remote.test[192.0.2.1]:25: Connection refused';

/** An agent whose deliveries wait until the test settles them. */
function gatedAgent(program: string) {
  const pending: Array<{ request: DeliveryRequest; settle: (o: DeliveryOutcome) => void }> = [];
  const agent = scriptAgent(
    program,
    (request) => new Promise<DeliveryOutcome>((settle) => pending.push({ request, settle })),
  );
  return { agent, pending };
}

/** Waits (real time, file system work included) until `cond` holds; fails after 10 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((ok) => setTimeout(ok, 5));
  assert.ok(cond(), 'condition not reached');
}

/** Settles every delivery as sent until `done` holds. */
async function drainSent(
  pending: Array<{ request: DeliveryRequest; settle: (o: DeliveryOutcome) => void }>,
  done: () => boolean,
) {
  await until(() => {
    for (const p of pending.splice(0)) p.settle(outcome(p.request, 'sent', '2.0.0', '250 2.0.0 Ok'));
    return done();
  });
}

test('qmgr opens a destination with initial_destination_concurrency and widens the window by one per success up to the limit', async (t) => {
  const h = await harness(t, ['default_destination_concurrency_limit = 8']);
  const { agent, pending } = gatedAgent('smtp');
  h.agents.set('smtp', { agent, processLimit: 100 });
  await h.startQmgr();
  for (let i = 0; i < 30; i++) await h.submit();
  await until(() => pending.length === 5);
  assert.equal(pending.length, 5, 'initial_destination_concurrency deliveries in flight');
  const inFlight: number[] = [];
  for (let round = 0; round < 5; round++) {
    const p = pending.shift()!;
    p.settle(outcome(p.request, 'sent', '2.0.0', '250 2.0.0 Ok'));
    await until(() => pending.length >= Math.min(5 + round + 1, 8));
    inFlight.push(pending.length);
  }
  assert.deepEqual(inFlight, [6, 7, 8, 8, 8]);
  await drainSent(pending, () => h.lines().filter((l) => l.endsWith(': removed')).length === 30);
});

test('qmgr declares a destination dead after a cohort of site failures and defers its other mail via retry: delivery temporarily suspended', async (t) => {
  const h = await harness(t);
  const { agent, pending } = gatedAgent('smtp');
  h.agents.set('smtp', { agent, processLimit: 100 });
  await h.startQmgr();
  const ids: QueueId[] = [];
  for (let i = 0; i < 10; i++) ids.push((await h.submit()).queueId);
  await until(() => pending.length === 5);
  for (const p of pending.splice(0)) p.settle(outcome(p.request, 'deferred', '4.4.1', REFUSED, true));
  await h.idle();
  const tried = new Set(agent.requests.map((r) => r.queueId));
  assert.equal(tried.size, 5, 'only the first window was tried');
  for (const id of ids.filter((x) => !tried.has(x))) {
    assert.ok(
      h
        .lines()
        .some((l) =>
          l.startsWith(
            `postfix/error[201]: ${id}: to=<user@remote.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: ${REFUSED})`,
          ),
        ),
      `retry deferred ${id}`,
    );
  }
  // While dead, new mail for it goes straight to retry.
  const late = await h.submit();
  await h.idle();
  assert.equal(agent.requests.length, 5);
  assert.ok(
    h
      .lines()
      .some(
        (l) => l.includes(`${late.queueId}: to=<user@remote.test>`) && l.includes('delivery temporarily suspended'),
      ),
  );
  // After minimal_backoff_time it comes back with a window of initial concurrency; the deferred scan brings the mail.
  await h.clock.advance(300_000);
  await until(() => pending.length === 5);
  assert.ok(agent.requests.length > 5, 'delivery resumes after minimal_backoff_time');
  await drainSent(pending, () => h.lines().filter((l) => l.endsWith(': removed')).length === 11);
});

test('qmgr narrows the window on each site failure and a success resets the failed cohorts', async (t) => {
  const h = await harness(t);
  const { agent, pending } = gatedAgent('smtp');
  h.agents.set('smtp', { agent, processLimit: 100 });
  await h.startQmgr();
  for (let i = 0; i < 12; i++) await h.submit();
  await until(() => pending.length === 5);
  // With Postfix's default feedback of 1 (not 1/concurrency): failure (window 5 -> 3, cohorts 0.2),
  // success (window 4, cohorts 0), failure (window 2, cohorts 0.25): narrower, and still alive.
  pending.shift()!.settle(outcome(agent.requests[0]!, 'deferred', '4.4.1', REFUSED, true));
  await new Promise((ok) => setImmediate(ok));
  let p = pending.shift()!;
  p.settle(outcome(p.request, 'sent', '2.0.0', '250 2.0.0 Ok'));
  await new Promise((ok) => setImmediate(ok));
  p = pending.shift()!;
  p.settle(outcome(p.request, 'deferred', '4.4.1', REFUSED, true));
  assert.ok(!h.lines().some((l) => l.includes('delivery temporarily suspended')), 'the destination is not dead');
  await drainSent(pending, () => h.lines().filter((l) => l.endsWith(': removed')).length === 10);
});

test('qmgr throttles a transport without a delivery agent for transport_retry_time: mail transport unavailable (4.3.0) via retry', async (t) => {
  const h = await harness(t);
  await h.startQmgr();
  const { queueId } = await h.submit();
  await h.idle();
  assert.ok(
    h
      .lines()
      .includes(
        `postfix/error[201]: ${queueId}: to=<user@remote.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.3.0, status=deferred (mail transport unavailable)`,
      ),
  );
  const smtp = scriptAgent('smtp', (r) => outcome(r, 'sent', '2.0.0', '250 2.0.0 Ok'));
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  const second = await h.submit();
  await h.idle();
  assert.equal(smtp.requests.length, 0, 'still throttled within transport_retry_time');
  assert.ok(
    h
      .lines()
      .some(
        (l) => l.includes(`${second.queueId}: to=<user@remote.test>`) && l.includes('(mail transport unavailable)'),
      ),
  );
  await h.advance(300_000);
  assert.deepEqual(smtp.requests.map((r) => r.queueId).sort(), [queueId, second.queueId].sort());
});

test('qmgr defers itself when the retry service is unavailable too, and writes the defer log', async (t) => {
  const h = await harness(t);
  h.agents.delete('retry');
  await h.startQmgr();
  const { queueId } = await h.submit();
  await h.idle();
  assert.ok(
    h
      .lines()
      .includes(
        `postfix/qmgr[300]: ${queueId}: to=<user@remote.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.3.0, status=deferred (mail transport unavailable)`,
      ),
  );
  assert.deepEqual(
    (await h.store.readLog('defer', queueId)).map((e) => `${e.status} ${e.reason}`),
    ['4.3.0 mail transport unavailable'],
  );
});

test('qmgr bundles recipients per destination up to _destination_recipient_limit, and gives local recipients a queue each', async (t) => {
  const h = await harness(t, ['default_destination_recipient_limit = 2']);
  const smtp = scriptAgent('smtp', (r) => outcome(r, 'sent', '2.0.0', '250 2.0.0 Ok'));
  const local = scriptAgent('local', (r) => outcome(r, 'sent', '2.0.0', 'delivered to mailbox'));
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  h.agents.set('local', { agent: local, processLimit: 100 });
  await h.startQmgr();
  const rcpts = ['a', 'b', 'c', 'd', 'e'].map((u) => ({ address: `${u}@remote.test`, orcpt: null, notify: 0 }));
  await h.submit({
    recipients: [
      ...rcpts,
      { address: 'joe@localhost', orcpt: null, notify: 0 },
      { address: 'ann@localhost', orcpt: null, notify: 0 },
    ],
  });
  await h.idle();
  assert.deepEqual(
    smtp.requests.map((r) => r.recipients.length),
    [2, 2, 1],
  );
  assert.deepEqual(
    local.requests.map((r) => [r.nexthop, r.recipients.map((x) => x.address)]),
    [
      ['mx.example.test', ['joe@localhost']],
      ['mx.example.test', ['ann@localhost']],
    ],
  );
});

test('qmgr spaces deliveries to one destination by _destination_rate_delay', async (t) => {
  const h = await harness(t, ['smtp_destination_rate_delay = 60s']);
  const smtp = scriptAgent('smtp', (r) => outcome(r, 'sent', '2.0.0', '250 2.0.0 Ok'));
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  await h.startQmgr();
  for (let i = 0; i < 3; i++) await h.submit();
  await h.idle();
  assert.equal(smtp.requests.length, 1);
  await h.advance(180_000);
  assert.deepEqual(
    smtp.requests.map((r) => (r.requestedAt / 1000 - T0) / 1000),
    [0, 60, 120],
  );
});

test('qmgr discards mail to the local double-bounce address itself', async (t) => {
  const h = await harness(t);
  await h.startQmgr();
  const { queueId } = await h.submit({
    sender: '',
    recipients: [{ address: 'double-bounce@mx.example.test', orcpt: null, notify: 0 }],
  });
  await h.idle();
  assert.ok(
    h
      .lines()
      .includes(
        `postfix/qmgr[300]: ${queueId}: to=<double-bounce@mx.example.test>, relay=none, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (undeliverable postmaster notification discarded)`,
      ),
  );
  assert.ok(h.lines().includes(`postfix/qmgr[300]: ${queueId}: removed`));
});

test('qmgr routes every recipient through a FILTER and only to the REDIRECT address when one is set', async (t) => {
  const h = await harness(t);
  const filter = scriptAgent('scan', (r) => outcome(r, 'sent', '2.0.0', '250 2.0.0 Ok'));
  const smtp = scriptAgent('smtp', (r) => outcome(r, 'sent', '2.0.0', '250 2.0.0 Ok'));
  h.agents.set('scan', { agent: filter, processLimit: 100 });
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  await h.startQmgr();
  await h.submit({ actions: { filter: 'scan:[127.0.0.1]:10025' } });
  const two = [
    { address: 'a@remote.test', orcpt: null, notify: 0 },
    { address: 'b@remote.test', orcpt: null, notify: 0 },
  ];
  await h.submit({ recipients: two, actions: { redirect: 'boss@other.test' } });
  await h.idle();
  assert.deepEqual(
    filter.requests.map((r) => [r.transport, r.nexthop]),
    [['scan', '[127.0.0.1]:10025']],
  );
  assert.deepEqual(
    smtp.requests.map((r) => [r.nexthop, r.recipients.map((x) => x.address)]),
    [['other.test', ['boss@other.test']]],
  );
});
