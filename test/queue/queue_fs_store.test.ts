import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import type { QueueRecipient } from '../../src/queue/queue_envelope.ts';
import { QueueFileCorrupt } from '../../src/queue/queue_file_format.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import { hashDirs, parseQueueId, type QueueId, QueueIdGenerator } from '../../src/queue/queue_id.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { ENVELOPE } from './queue_fixtures.ts';

const RCPTS: QueueRecipient[] = [
  { address: 'a@example.test', original: 'a@example.test', orcpt: null, notify: 0 },
  { address: 'b@example.test', original: 'B@Example.test', orcpt: 'rfc822;B@Example.test', notify: 6 },
];
const CONTENT = Buffer.from('Subject: hello\n\nbody line\n');

async function store(t: import('node:test').TestContext, keepFresh = false) {
  const s = new FsQueueStore({
    queue_directory: tempDir(t),
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
    keepFresh,
  });
  await s.init();
  return s;
}

test('queue IDs have Postfix shape: short hex, long base-52 with z, hashed by the microsecond digit', () => {
  const short = new QueueIdGenerator(false, () => 1_795_943_444_398_619).next();
  assert.match(short, /^6151B[0-9A-F]{5,7}$/);
  assert.deepEqual(hashDirs(short, 1), ['6']);
  const long = new QueueIdGenerator(true, () => 1_795_943_444_398_619).next();
  assert.match(long, /^4jchFw2qPlz[0-9B-Zb-y]+$/);
  assert.deepEqual(hashDirs(long, 1), ['6']);
  assert.deepEqual(hashDirs('4jchFw2qPlzBrJw', 2), ['6', '1']);
  assert.equal(parseQueueId('../etc/passwd'), null);
  assert.equal(parseQueueId('DFC8A16044F'), 'DFC8A16044F');
});

test('queue IDs of different slots never meet: each process of a daemon counts in its own residue', () => {
  const clock = () => 1_795_943_444_398_619;
  const seen = new Map<string, number>();
  for (let index = 0; index < 3; index++) {
    const ids = new QueueIdGenerator(false, clock, { index, count: 3 });
    for (let i = 0; i < 2000; i++) {
      const id = ids.next();
      assert.equal(Number.parseInt(id.slice(5), 16) % 3, index, id);
      assert.ok(id.length >= 10, id);
      assert.equal(seen.get(id), undefined, `${id} made by slots ${seen.get(id)} and ${index}`);
      seen.set(id, index);
    }
  }
});

test('a created message reads back with its envelope, recipients and content, and is complete (0700)', async (t) => {
  const s = await store(t);
  const id = s.newId();
  const created = await s.create(id, 'incoming', ENVELOPE, RCPTS, CONTENT);
  assert.equal(created.size, CONTENT.length);
  assert.equal(statSync(s.pathOf('incoming', id)).mode & 0o777, 0o700);
  const read = await s.read('incoming', id);
  assert.deepEqual(read.envelope, ENVELOPE);
  assert.deepEqual(
    read.recipients.map((r) => r.recipient),
    RCPTS,
  );
  assert.equal(await text(s.content(read)), CONTENT.toString());
});

test('content can be streamed in chunks while it arrives', async (t) => {
  const s = await store(t);
  const id = s.newId();
  async function* chunks() {
    yield Buffer.from('Subject: x\n\n');
    yield Buffer.from('part one\n');
    yield Buffer.from('part two\n');
  }
  const m = await s.create(id, 'incoming', ENVELOPE, RCPTS, chunks());
  assert.equal(await text(s.content(await s.read('incoming', m.id))), 'Subject: x\n\npart one\npart two\n');
});

test('done marks survive a re-read and do not break the checksum', async (t) => {
  const s = await store(t);
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT);
  await s.markDone(m, [1]);
  const again = await s.read('incoming', m.id);
  assert.deepEqual(
    again.recipients.map((r) => r.done),
    [false, true],
  );
  await s.markDone(again, [0]);
  assert.deepEqual(
    (await s.read('incoming', m.id)).recipients.map((r) => r.done),
    [true, true],
  );
});

test('damaged files are refused: truncated, zero-length, flipped envelope byte, flipped content byte', async (t) => {
  const s = await store(t);
  const make = async () => (await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT)).id;

  const truncated = await make();
  truncateSync(s.pathOf('incoming', truncated), 100);
  await assert.rejects(s.read('incoming', truncated), QueueFileCorrupt);

  const empty = await make();
  truncateSync(s.pathOf('incoming', empty), 0);
  await assert.rejects(s.read('incoming', empty), QueueFileCorrupt);

  const flippedEnvelope = await make();
  const p1 = s.pathOf('incoming', flippedEnvelope);
  const b1 = readFileSync(p1);
  b1[20] = b1[20]! ^ 0x01;
  writeFileSync(p1, b1);
  await assert.rejects(s.read('incoming', flippedEnvelope), /checksum|record/);

  const flippedContent = await make();
  const p2 = s.pathOf('incoming', flippedContent);
  const b2 = readFileSync(p2);
  b2[b2.length - 30] = b2[b2.length - 30]! ^ 0x20;
  writeFileSync(p2, b2);
  const m = await s.read('incoming', flippedContent);
  await assert.rejects(text(s.content(m)), /content checksum mismatch/);
});

test('a failure while content arrives leaves no file behind', async (t) => {
  const s = await store(t);
  const id = s.newId();
  async function* broken() {
    yield Buffer.from('Subject: x\n\n');
    throw new Error('client went away');
  }
  await assert.rejects(s.create(id, 'incoming', ENVELOPE, RCPTS, broken()), /client went away/);
  assert.equal(existsSync(s.pathOf('incoming', id)), false);
});

test('listing skips files still being written (no owner execute bit)', async (t) => {
  const s = await store(t);
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT);
  const partial = (await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT)).id;
  chmodSync(s.pathOf('incoming', partial), 0o600);
  const ids: QueueId[] = [];
  for await (const e of s.list('incoming')) ids.push(e.id);
  assert.deepEqual(ids, [m.id]);
});

test('deferred mail is hashed, and its mtime is the time of the next attempt', async (t) => {
  const s = await store(t);
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT);
  const next = Date.now() + 300_000;
  await s.move(m.id, 'incoming', 'deferred', next);
  const path = s.pathOf('deferred', m.id);
  assert.ok(path.includes(`/deferred/${m.id[0]}/`), path);
  assert.ok(Math.abs(statSync(path).mtimeMs - next) < 1000);
  const listed = [];
  for await (const e of s.list('deferred')) listed.push(e);
  assert.equal(listed.length, 1);
  assert.ok(Math.abs(listed[0]!.mtime - next) < 1000);
});

test('defer logs keep one block per recipient in Postfix form and read back', async (t) => {
  const s = await store(t);
  const id = s.newId();
  const entry = {
    recipient: 'user@remote.test',
    original: 'user@remote.test',
    orcpt: 'rfc822;user@remote.test',
    notify: 0,
    offset: 0,
    status: '4.4.1',
    action: 'delayed',
    reason: 'connect to 127.0.0.1[127.0.0.1]:32526: Connection refused',
    diagnostic: '',
    remoteMta: '',
    time: 1,
  };
  await s.appendLog('defer', id, entry);
  await s.appendLog('defer', id, { ...entry, recipient: 'x\r\nInjected: yes' });
  const raw = readFileSync(s.pathOf('defer', id), 'utf8');
  assert.match(
    raw,
    /^\n<user@remote\.test>: connect to 127\.0\.0\.1\[127\.0\.0\.1\]:32526: Connection refused\nrecipient=user@remote\.test\n/,
  );
  assert.doesNotMatch(raw, /\nInjected: yes/);
  const back = await s.readLog('defer', id);
  assert.equal(back.length, 2);
  assert.deepEqual(back[0], entry);
});

test('concurrent creates share sync rounds (group commit)', async (t) => {
  const s = await store(t);
  await Promise.all(Array.from({ length: 50 }, () => s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT)));
  const { batches, synced } = s.syncStats;
  assert.equal(synced, 50);
  assert.ok(batches < 50, `expected fewer sync rounds than messages, got ${batches}`);
});

test('removeDone takes a finished message away for good, the removals sharing directory syncs', async (t) => {
  const s = await store(t);
  const made = await Promise.all(
    Array.from({ length: 20 }, () => s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT)),
  );
  for (const m of made) await s.move(m.id, 'incoming', 'active');
  const active = await Promise.all(made.map((m) => s.read('active', m.id)));
  const before = s.syncStats;
  await Promise.all(active.map((m) => s.removeDone(m)));
  for (const m of active) assert.equal(await s.stat('active', m.id), null);
  assert.equal(existsSync(s.pathOf('active', made[0]!.id)), false);
  const after = s.syncStats;
  assert.equal(after.synced - before.synced, 20);
  assert.ok(after.batches - before.batches < 20, `expected shared sync rounds, got ${after.batches - before.batches}`);
  // Gone already (a second removal, or postsuper -d meanwhile): not an error.
  await s.removeDone(active[0]!);
});

test('a create whose file name is taken rejects with EEXIST and leaves that file alone', async (t) => {
  const s = await store(t);
  const id = s.newId();
  writeFileSync(s.pathOf('incoming', id), 'another message');
  await assert.rejects(s.create(id, 'incoming', ENVELOPE, RCPTS, CONTENT), { code: 'EEXIST' });
  assert.equal(readFileSync(s.pathOf('incoming', id), 'utf8'), 'another message');
});

test('with keepFresh, qmgr reads a new incoming file and its content once from memory, then from the file', async (t) => {
  const s = await store(t, true);
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT);
  await s.move(m.id, 'incoming', 'active');
  const path = s.pathOf('active', m.id);
  const onDisk = readFileSync(path);
  truncateSync(path, 0); // what is read next cannot come from the file
  const read = await s.read('active', m.id);
  assert.deepEqual(read.recipients, m.recipients);
  assert.equal(await text(s.content(read)), CONTENT.toString());
  writeFileSync(path, onDisk);
  assert.equal(await text(s.content(read)), CONTENT.toString(), 'the second time, from the file');
  truncateSync(path, 0);
  await assert.rejects(s.read('active', m.id), QueueFileCorrupt, 'taken once: now read from the file');
  // A file removed by its path (postsuper -d does so) is not read from memory either.
  const gone = await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, CONTENT);
  unlinkSync(s.pathOf('incoming', gone.id));
  await assert.rejects(s.read('incoming', gone.id), { code: 'ENOENT' });
  // Held mail is not kept: qmgr does not read it next.
  const held = await s.create(s.newId(), 'hold', ENVELOPE, RCPTS, CONTENT);
  truncateSync(s.pathOf('hold', held.id), 0);
  await assert.rejects(s.read('hold', held.id), QueueFileCorrupt);
});

test('with keepFresh, a read after done marks or a new warning time shows what the file holds', async (t) => {
  const s = await store(t, true);
  const m = await s.create(s.newId(), 'incoming', { ...ENVELOPE, warnAt: 1_000 }, RCPTS, CONTENT);
  const first = await s.read('incoming', m.id);
  await s.markDone(first, [0]);
  assert.deepEqual(
    (await s.read('incoming', m.id)).recipients.map((r) => r.done),
    [true, false],
  );
  const other = await s.create(s.newId(), 'incoming', { ...ENVELOPE, warnAt: 1_000 }, RCPTS, CONTENT);
  await s.updateWarn(await s.read('incoming', other.id), null);
  assert.equal((await s.read('incoming', other.id)).envelope.warnAt, null);
});
