import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import type { QueueEnvelope, QueueRecipient } from '../../src/queue/queue_envelope.ts';
import { DiskThread } from '../../src/queue/queue_fs_disk_thread.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import { tempDir } from '../peers/tmpdir.ts';

const ENVELOPE: QueueEnvelope = {
  sender: 'sender@example.org',
  arrival: 1_795_943_444_398_619,
  client: {
    name: 'localhost',
    address: '127.0.0.1',
    port: '40000',
    helo: 'client.example.org',
    protocol: 'ESMTP',
    saslMethod: '',
    saslUsername: '',
    saslSender: '',
  },
  envid: null,
  ret: null,
  warnAt: null,
  smtputf8: false,
  body8bit: false,
  rewriteContext: 'remote',
  fullName: '',
  attributes: {},
};
const RCPTS: QueueRecipient[] = [{ address: 'a@example.test', original: 'a@example.test', orcpt: null, notify: 0 }];

test('disk thread: a create writes the whole file marked complete, a remove takes it away', async (t) => {
  const dir = tempDir(t);
  const disk = new DiskThread();
  t.after(() => disk.close());
  const path = join(dir, 'A1B2C3');
  await disk.create(path, Buffer.from('queue file bytes'), dir);
  assert.equal(readFileSync(path, 'utf8'), 'queue file bytes');
  assert.equal(statSync(path).mode & 0o777, 0o700, 'owner execute bit: complete');
  await disk.remove(path, dir);
  assert.equal(existsSync(path), false);
  await disk.remove(path, dir); // already gone: not an error
});

test('disk thread: many creates in one turn all land, each with its own bytes', async (t) => {
  const dir = tempDir(t);
  const disk = new DiskThread();
  t.after(() => disk.close());
  const names = Array.from({ length: 200 }, (_, i) => `F${i}`);
  await Promise.all(names.map((n) => disk.create(join(dir, n), Buffer.from(`content of ${n}\n`), null)));
  assert.equal(readdirSync(dir).length, 200);
  for (const n of names) assert.equal(readFileSync(join(dir, n), 'utf8'), `content of ${n}\n`);
});

test('disk thread: a failed request rejects with the system error code, and the thread serves the next', async (t) => {
  const dir = tempDir(t);
  const disk = new DiskThread();
  t.after(() => disk.close());
  writeFileSync(join(dir, 'taken'), 'already here');
  await assert.rejects(disk.create(join(dir, 'taken'), Buffer.from('x'), null), { code: 'EEXIST' });
  assert.equal(readFileSync(join(dir, 'taken'), 'utf8'), 'already here', 'an existing file is never overwritten');
  await assert.rejects(disk.create(join(dir, 'no-such-dir', 'f'), Buffer.from('x'), null), { code: 'ENOENT' });
  await disk.create(join(dir, 'next'), Buffer.from('ok'), null);
  assert.equal(readFileSync(join(dir, 'next'), 'utf8'), 'ok');
});

test('disk thread: closed with a request pending, that request fails and a later one starts a new thread', async (t) => {
  const dir = tempDir(t);
  const disk = new DiskThread();
  t.after(() => disk.close());
  await disk.create(join(dir, 'first'), Buffer.from('1'), null);
  const pending = disk.create(join(dir, 'second'), Buffer.from('2'), null);
  await new Promise((resolve) => setImmediate(resolve)); // the request is on its way
  await disk.close();
  const outcome = await pending.then(
    () => 'done',
    (err: Error) => err.message,
  );
  // Either the thread finished it before it stopped, or the caller hears that it did not.
  assert.ok(outcome === 'done' || /exited/.test(outcome), outcome);
  await disk.create(join(dir, 'third'), Buffer.from('3'), null);
  assert.equal(readFileSync(join(dir, 'third'), 'utf8'), '3');
});

test('disk thread: an idle thread does not keep a finished program alive', (t) => {
  const dir = tempDir(t);
  const module = new URL('../../src/queue/queue_fs_disk_thread.ts', import.meta.url).href;
  const script = `import { DiskThread } from ${JSON.stringify(module)};
    await new DiskThread().create(${JSON.stringify(join(dir, 'f'))}, Buffer.from('bye'), null);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.signal, null, 'the program ended by itself, not by the timeout');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'bye');
});

test('a store with diskThread writes, reads and removes queue files as the in-thread store does', async (t) => {
  const s = new FsQueueStore({
    queue_directory: tempDir(t),
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
    diskThread: true,
  });
  t.after(() => s.close());
  await s.init();
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, Buffer.from('Subject: hi\n\nbody\n'));
  const read = await s.read('incoming', m.id);
  assert.equal(read.envelope.sender, 'sender@example.org');
  assert.equal(await text(s.content(read)), 'Subject: hi\n\nbody\n');
  await s.removeDone(read);
  await assert.rejects(s.read('incoming', m.id));
  // A create the disk refuses rejects with the system error.
  const id = s.newId();
  writeFileSync(s.pathOf('incoming', id), 'in the way');
  await assert.rejects(s.create(id, 'incoming', ENVELOPE, RCPTS, Buffer.from('x')), { code: 'EEXIST' });
  assert.equal(readFileSync(s.pathOf('incoming', id), 'utf8'), 'in the way', "another file's name is left alone");
});
