/**
 * queue_recover and the store's sweep: what start-up recovery does with
 * each kind of leftover, and that it never touches maildrop.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { createLog } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import type { QueueEnvelope } from '../../src/queue/queue_envelope.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import { recoverQueues } from '../../src/queue/queue_recover.ts';
import { tempDir } from '../peers/tmpdir.ts';

const ENVELOPE: QueueEnvelope = {
  sender: '',
  arrival: 1_795_943_444_398_619,
  client: null,
  envid: null,
  ret: null,
  warnAt: null,
  smtputf8: false,
  body8bit: false,
  rewriteContext: 'local',
  fullName: '',
  attributes: {},
};

test('recoverQueues removes unfinished files, quarantines bogus names, requeues active mail stamped now, and leaves maildrop alone', async (t) => {
  const root = tempDir(t);
  const s = new FsQueueStore({
    queue_directory: root,
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
  });
  await s.init();
  const rcpt = [{ address: 'a@example.test', original: 'a@example.test', orcpt: null, notify: 0 }];
  const active = await s.create(s.newId(), 'incoming', ENVELOPE, rcpt, Buffer.from('x\n'));
  await s.move(active.id, 'incoming', 'active');
  const unfinished = s.newId();
  mkdirSync(dirname(s.pathOf('deferred', unfinished)), { recursive: true });
  writeFileSync(s.pathOf('deferred', unfinished), 'AFXQ1\n');
  chmodSync(s.pathOf('deferred', unfinished), 0o600);
  writeFileSync(join(root, 'hold', 'bad name!'), 'x');
  const dropped = s.newId();
  writeFileSync(join(root, 'maildrop', dropped), 'being written by sendmail');
  chmodSync(join(root, 'maildrop', dropped), 0o600);

  const memory = new MemorySink();
  const log = createLog({ program: 'qmgr', sink: memory, pid: 1 });
  const now = Date.UTC(2026, 10, 29, 9, 0, 0);
  const report = await recoverQueues(s, log, now);
  assert.deepEqual(report, { removed: 1, quarantined: 1, requeued: 1 });
  assert.deepEqual(memory.lines, [
    `postfix/qmgr[1]: warning: deferred/${unfinished}: removed unfinished queue file`,
    'postfix/qmgr[1]: warning: bogus file name: hold/bad name!',
    'postfix/qmgr[1]: warning: saving corrupt file "bad name!" from queue "hold" to queue "corrupt"',
  ]);
  const listed = [];
  for await (const e of s.list('incoming')) listed.push(e);
  assert.deepEqual(
    listed.map((e) => [e.id, e.mtime]),
    [[active.id, now]],
  );
  assert.ok(existsSync(join(root, 'maildrop', dropped)), 'maildrop is never swept');
  assert.match(readdirSync(join(root, 'corrupt'))[0]!, /^bad_name_\./);
});
