/**
 * Check 7, deferred queue build-up: Postfix's postqueue -j sample, an
 * affix queue store whose deferred mail times out to every destination
 * (the outbound port 25 block), the qshape table, and the deferrals of the
 * sample log when no queue can be read.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatQshape, qshape } from '../../src/doctor/doctor_qshape.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import { testEnvelope } from '../peers/test_envelope.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { assertFinding, baseMainCf, findingOf, runCheck, SAMPLE_LOG, SAMPLE_QUEUE } from './doctor_harness.ts';

const NOW = Date.parse('2026-11-29T12:00:00Z');

test('qshape puts each recipient in its age bucket, TOTAL first, busiest domain next', () => {
  const items = [
    { address: 'a@x.test', arrival: NOW - 2 * 60_000 },
    { address: 'b@x.test', arrival: NOW - 30 * 60_000 },
    { address: 'c@y.test', arrival: NOW - 2000 * 60_000 },
  ];
  const rows = qshape(items, NOW);
  assert.deepEqual(
    rows.map((r) => [r.domain, r.total, r.buckets]),
    [
      ['TOTAL', 3, [1, 0, 0, 1, 0, 0, 0, 0, 0, 1]],
      ['x.test', 2, [1, 0, 0, 1, 0, 0, 0, 0, 0, 0]],
      ['y.test', 1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ],
  );
  assert.deepEqual(formatQshape(rows), [
    '       T 5 10 20 40 80 160 320 640 1280 1280+',
    ' TOTAL 3 1  0  0  1  0   0   0   0    0     1',
    'x.test 2 1  0  0  1  0   0   0   0    0     0',
    'y.test 1 0  0  0  0  0   0   0   0    0     1',
  ]);
});

test('doctor queue reads postqueue -j output: deferred by reason and destination, the oldest, the hold queue', async (t) => {
  const text = readFileSync(SAMPLE_QUEUE, 'utf8');
  const r = await runCheck(t, 'queue', {
    queue: { kind: 'json', source: SAMPLE_QUEUE, text },
    now: 1795943151_000 + 3 * 3600_000,
  });
  const d = findingOf(r.findings, 'queue.deferred');
  assert.match(
    d.title,
    /^1 message deferred \(1 recipient, 1 destination\); oldest 3\.0 h; mostly: connection refused$/,
  );
  assertFinding(d, {
    severity: 'warning',
    evidence: /oldest: 9F4411600A3 from <dave@example\.test>, 3\.0 h in the queue/,
    fix: /postconf relayhost transport_maps/,
  });
  assert.ok(d.evidence.includes('remote.test 1 0  0  0  0  0   0   1   0    0     0'), d.evidence.join('\n'));
  assertFinding(findingOf(r.findings, 'queue.hold'), {
    severity: 'info',
    evidence: /0B963160014 from <dave@example\.test>/,
    fix: /postsuper -H ID/,
  });
});

const ENVELOPE = testEnvelope('news@example.test', (NOW - 90 * 60_000) * 1000);

test('doctor queue reads an affix queue: timeouts to every destination point at a blocked port 25', async (t) => {
  const dir = tempDir(t, 'affix-doctor-queue-');
  const store = new FsQueueStore({
    queue_directory: dir,
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
  });
  await store.init();
  const domains = ['gmail.test', 'outlook.test', 'yahoo.test', 'gmx.test'];
  for (const [i, d] of domains.entries()) {
    const id = store.newId();
    const rcpt = { address: `user${i}@${d}`, original: `user${i}@${d}`, orcpt: null, notify: 0 };
    await store.create(id, 'incoming', ENVELOPE, [rcpt], Buffer.from('Subject: news\n\nhello\n'));
    await store.move(id, 'incoming', 'deferred', NOW + 300_000);
    await store.appendLog('defer', id, {
      recipient: rcpt.address,
      original: rcpt.address,
      orcpt: null,
      notify: 0,
      offset: 0,
      status: '4.4.1',
      action: 'delayed',
      reason: `connect to mx.${d}[192.0.2.${i + 1}]:25: Connection timed out`,
      diagnostic: '',
      remoteMta: '',
      time: NOW * 1000,
    });
  }
  const r = await runCheck(t, 'queue', {
    mainCf: `${baseMainCf(dir)}queue_directory = ${dir}\n`,
    queue: { kind: 'auto' },
    now: NOW,
  });
  const d = findingOf(r.findings, 'queue.deferred');
  assert.match(
    d.title,
    /4 messages deferred \(4 recipients, 4 destinations\); oldest 1\.5 h; mostly: connection timed out/,
  );
  assertFinding(d, {
    evidence: new RegExp(`^affix queue ${dir}: maildrop 0, incoming 0, active 0, deferred 4, hold 0$`),
    cause: /connections time out to 4 different destinations: this host almost certainly cannot connect out on port 25/,
    fix: /nc -vz <mx host> 25.*relayhost = \[smtp\.provider\.example\]:587/,
  });
  assert.ok(
    d.evidence.some((e) => /^\s*TOTAL 4 0 {2}0 {2}0 {2}0 {2}0 {3}4/.test(e)),
    d.evidence.join('\n'),
  );
});

test('doctor queue without a queue summarises the deferrals of the log', async (t) => {
  const r = await runCheck(t, 'queue', { logs: [SAMPLE_LOG] });
  const f = findingOf(r.findings, 'queue.log_deferrals');
  assert.match(f.title, /the log shows 16 deferrals \(the queue itself was not read\); mostly: connection refused/);
  assert.ok(
    f.evidence.some((e) => /× connection lost or timed out during the SMTP dialogue \(hang\.test\)/.test(e)),
    f.evidence.join('\n'),
  );
});
