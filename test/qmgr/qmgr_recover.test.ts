/**
 * qmgr start-up recovery after a simulated crash: unfinished files removed,
 * active mail scheduled again, damaged and unknown files quarantined with
 * Postfix's warnings, and the rest of the mail still delivered.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import type { QueueId } from '../../src/queue/queue_id.ts';
import { harness, outcome, scriptAgent } from './harness.ts';

test('qmgr recovers after a crash: unfinished files go, active mail is delivered again, damaged and unknown files go to corrupt', async (t) => {
  const h = await harness(t);
  const smtp = scriptAgent('smtp', (r) => outcome(r, 'sent', '2.0.0', '250 2.0.0 Ok'));
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  const queue = h.config.params.queue_directory;
  // Mail queued before the crash: one waiting in incoming, one under delivery (active).
  const waiting = (await h.submit()).queueId;
  const underway = (await h.submit()).queueId;
  await h.store.move(underway, 'incoming', 'active');
  // A message whose writer died before its sync: no owner execute bit.
  const partialId = h.store.newId();
  writeFileSync(join(queue, 'incoming', partialId), 'AFXQ1\nE\u0000\u0000\u0001\u0000{"sender":"x');
  chmodSync(join(queue, 'incoming', partialId), 0o600);
  // Damaged complete files: truncated, zero-length, a flipped envelope byte.
  const truncated = (await h.submit()).queueId;
  truncateSync(h.store.pathOf('incoming', truncated), 60);
  const empty = (await h.submit()).queueId;
  truncateSync(h.store.pathOf('incoming', empty), 0);
  const flipped = (await h.submit()).queueId;
  const path = h.store.pathOf('incoming', flipped);
  const bytes = readFileSync(path);
  bytes[30] = bytes[30]! ^ 0x04;
  writeFileSync(path, bytes);
  // Something that is no queue file at all.
  writeFileSync(join(queue, 'active', 'not-a-queue-file.txt'), 'junk');
  mkdirSync(join(queue, 'active', 'stray-directory'));

  await h.startQmgr();
  await h.idle();

  assert.deepEqual(smtp.requests.map((r) => r.queueId).sort(), [underway, waiting].sort());
  const lines = h.lines();
  const has = (line: string) => assert.ok(lines.includes(line), `missing: ${line}\n${lines.join('\n')}`);
  has(`postfix/qmgr[300]: warning: incoming/${partialId}: removed unfinished queue file`);
  assert.equal(existsSync(join(queue, 'incoming', partialId)), false);
  has('postfix/qmgr[300]: warning: bogus file name: active/not-a-queue-file.txt');
  has('postfix/qmgr[300]: warning: saving corrupt file "not-a-queue-file.txt" from queue "active" to queue "corrupt"');
  has('postfix/qmgr[300]: warning: bogus file name: active/stray-directory');
  for (const id of [truncated, empty, flipped]) {
    assert.ok(
      lines.some((l) => l.startsWith(`postfix/qmgr[300]: warning: active/${id}: `)),
      `reason for ${id}`,
    );
    has(`postfix/qmgr[300]: warning: saving corrupt file "${id}" from queue "active" to queue "corrupt"`);
    assert.ok(existsSync(join(queue, 'corrupt', id)), `${id} kept in corrupt`);
  }
  has(
    `postfix/qmgr[300]: active/${empty}: missing end record`
      .replace('postfix/qmgr[300]: ', 'postfix/qmgr[300]: warning: ')
      .replace('missing end record', 'unexpected EOF in data: file size 0'),
  );
  has(`postfix/qmgr[300]: ${underway}: removed`);
  has(`postfix/qmgr[300]: ${waiting}: removed`);
  assert.equal(readdirSync(join(queue, 'corrupt')).length, 5);
  assert.deepEqual(readdirSync(join(queue, 'active')), []);
});

test('the start-up sweep never removes a message this process is still writing', async (t) => {
  const h = await harness(t);
  const id = h.store.newId() as QueueId;
  let release!: () => void;
  const gate = new Promise<void>((ok) => (release = ok));
  async function* slow() {
    yield Buffer.from('Subject: slow\n\n');
    await gate;
    yield Buffer.from('body\n');
  }
  const envelope = (
    await (async () => {
      const m = await h.submit();
      return h.store.read('incoming', m.queueId);
    })()
  ).envelope;
  const writing = h.store.create(
    id,
    'incoming',
    envelope,
    [{ address: 'a@remote.test', original: 'a@remote.test', orcpt: null, notify: 0 }],
    slow(),
  );
  await new Promise((ok) => setTimeout(ok, 20));
  const swept = await h.store.sweep('incoming');
  assert.deepEqual(swept.removed, []);
  release();
  await writing;
  assert.ok(existsSync(h.store.pathOf('incoming', id)));
});

test('a message whose content an agent finds damaged goes to corrupt after its deliveries', async (t) => {
  const h = await harness(t);
  const smtp = scriptAgent('smtp', async (r) => {
    await text(r.content());
    return outcome(r, 'sent', '2.0.0', '250 2.0.0 Ok');
  });
  h.agents.set('smtp', { agent: smtp, processLimit: 100 });
  const { queueId } = await h.submit({}, 'Subject: x\n\nsome body text\n');
  const path = h.store.pathOf('incoming', queueId);
  const bytes = readFileSync(path);
  bytes[bytes.length - 25] = bytes[bytes.length - 25]! ^ 0x20;
  writeFileSync(path, bytes);
  await h.startQmgr();
  await h.idle();
  assert.ok(h.lines().some((l) => l.includes('warning: transport smtp failure -- content checksum mismatch')));
  assert.ok(
    h
      .lines()
      .includes(`postfix/qmgr[300]: warning: saving corrupt file "${queueId}" from queue "active" to queue "corrupt"`),
  );
  assert.ok(existsSync(join(h.config.params.queue_directory, 'corrupt', queueId)));
});
