import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  COMMIT_DIR,
  CommitLog,
  type CommitRecord,
  commitClock,
  decodeRecords,
  encodeRecord,
  writeCheckpoint,
} from '../../src/queue/queue_commit_log.ts';
import { replayCommitLog } from '../../src/queue/queue_commit_replay.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';
import { SyncGroup } from '../../src/queue/queue_sync.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { ENVELOPE } from './queue_fixtures.ts';

const RCPT = [{ address: 'a@example.test', original: 'a@example.test', orcpt: null, notify: 0 }];
const content = (n: number) => Buffer.from(`Subject: ${n}\n\nbody ${n}\n`);

function fsStore(dir: string, commitLog: 'replay' | 'append' = 'replay'): FsQueueStore {
  return new FsQueueStore({
    queue_directory: dir,
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
    commitLog,
  });
}

const bytes = (records: CommitRecord[]) => Buffer.concat(records.flatMap(encodeRecord));
const logFiles = (dir: string) => readdirSync(join(dir, COMMIT_DIR)).filter((n) => n.endsWith('.log'));

test('commit log records decode back, and reading stops at a torn or damaged record', () => {
  const records: CommitRecord[] = [
    { type: 'C', time: 5n, queue: 'incoming', id: 'AAAA1' as QueueId, bytes: Buffer.from('file one') },
    { type: 'R', time: 6n, queue: 'incoming', id: 'AAAA1' as QueueId },
    { type: 'C', time: 7n, queue: 'hold', id: 'BBBB2' as QueueId, bytes: Buffer.from('file two') },
  ];
  const whole = bytes(records);
  assert.deepEqual(decodeRecords(whole), records);
  // Zeros after the last record (the preallocated part of a segment) end the list.
  assert.deepEqual(decodeRecords(Buffer.concat([whole, Buffer.alloc(4096)])), records);
  assert.deepEqual(decodeRecords(whole.subarray(0, whole.length - 3)), records.slice(0, 2));
  const damaged = Buffer.from(whole);
  damaged[damaged.length - 30]! ^= 0xff; // inside the second record's neighbour: the third record's body
  const second = bytes(records.slice(0, 2)).length;
  damaged[second + 12]! ^= 0x01;
  assert.deepEqual(decodeRecords(damaged), records.slice(0, 2));
  // A record naming no queue ID (a path) is never taken, checksum or not.
  const pathLike = bytes([{ type: 'R', time: 8n, queue: 'incoming', id: '../../etc' as QueueId }]);
  assert.deepEqual(decodeRecords(Buffer.concat([whole, pathLike])), records);
});

test('replay restores a file a crash lost or damaged, removes again what was removed, then drops the log', async (t) => {
  const dir = tempDir(t);
  const s = fsStore(dir);
  await s.init();
  const lost = await s.create(s.newId(), 'incoming', ENVELOPE, RCPT, content(1));
  const torn = await s.create(s.newId(), 'hold', ENVELOPE, RCPT, content(2));
  const done = await s.create(s.newId(), 'incoming', ENVELOPE, RCPT, content(3));
  const kept = await s.create(s.newId(), 'incoming', ENVELOPE, RCPT, content(4));
  const doneBytes = readFileSync(s.pathOf('incoming', done.id));
  const tornBytes = readFileSync(s.pathOf('hold', torn.id));
  const lostBytes = readFileSync(s.pathOf('incoming', lost.id));
  await s.removeDone!(done);
  await s.move(kept.id, 'incoming', 'deferred');
  assert.equal(logFiles(dir).length, 1, 'the messages went to the commit log');

  // A power cut: the page cache never reached the disk.
  unlinkSync(s.pathOf('incoming', lost.id));
  truncateSync(s.pathOf('hold', torn.id), 10);
  writeFileSync(s.pathOf('incoming', done.id), doneBytes);

  const after = fsStore(dir);
  await after.init();
  const report = after.takeReplayReport();
  assert.deepEqual([...(report?.restored ?? [])].sort(), [lost.id, torn.id].sort());
  assert.deepEqual(report?.removed, [done.id]);
  assert.equal(after.takeReplayReport(), null, 'reported once');
  assert.deepEqual(readFileSync(after.pathOf('incoming', lost.id)), lostBytes);
  assert.deepEqual(readFileSync(after.pathOf('hold', torn.id)), tornBytes);
  assert.equal(existsSync(after.pathOf('incoming', done.id)), false);
  assert.equal(existsSync(after.pathOf('incoming', kept.id)), false, 'a moved message is not restored twice');
  assert.ok(existsSync(after.pathOf('deferred', kept.id)));
  assert.equal((await after.read('incoming', lost.id)).recipients.length, 1);
  assert.deepEqual(logFiles(dir), [], 'the replayed log is gone');
});

test('a store that only appends (an smtpd worker) leaves the log to the owner', async (t) => {
  const dir = tempDir(t);
  const owner = fsStore(dir);
  await owner.init();
  const worker = fsStore(dir, 'append');
  await worker.init();
  const m = await worker.create(worker.newId(), 'incoming', ENVELOPE, RCPT, content(5));
  unlinkSync(worker.pathOf('incoming', m.id));
  assert.equal(logFiles(dir).length, 1);
  const restarted = fsStore(dir);
  await restarted.init();
  assert.deepEqual(restarted.takeReplayReport()?.restored, [m.id]);
});

test('records older than a checkpoint are not replayed: the checkpoint synced them', async (t) => {
  const dir = tempDir(t);
  const s = fsStore(dir);
  await s.init();
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPT, content(6));
  writeCheckpoint(join(dir, COMMIT_DIR), 'other', commitClock());
  unlinkSync(s.pathOf('incoming', m.id)); // e.g. removed by a tool outside the log, after the checkpoint
  const later = await s.create(s.newId(), 'incoming', ENVELOPE, RCPT, content(7));
  unlinkSync(s.pathOf('incoming', later.id));
  const report = await replayCommitLog(fsStore(dir));
  assert.deepEqual(report.restored, [later.id]);
  assert.equal(existsSync(s.pathOf('incoming', m.id)), false);
  assert.deepEqual(readdirSync(join(dir, COMMIT_DIR)), [], 'segments and checkpoints are gone');
});

test('the newest record of a queue ID decides, whichever segment holds it', async (t) => {
  const dir = tempDir(t);
  const s = fsStore(dir);
  await s.init();
  const id = 'ABCDE12345' as QueueId;
  const file = (await s.create(s.newId(), 'incoming', ENVELOPE, RCPT, content(8))).id;
  const original = readFileSync(s.pathOf('incoming', file));
  unlinkSync(s.pathOf('incoming', file));
  const commit = join(dir, COMMIT_DIR);
  writeFileSync(join(commit, 'a.1.x.0.log'), bytes([{ type: 'C', time: 10n, queue: 'incoming', id, bytes: original }]));
  writeFileSync(join(commit, 'b.2.x.0.log'), bytes([{ type: 'R', time: 20n, queue: 'incoming', id }]));
  writeFileSync(join(commit, 'c.3.x.0.log'), bytes([{ type: 'C', time: 30n, queue: 'hold', id, bytes: original }]));
  const report = await replayCommitLog(fsStore(dir));
  assert.ok(report.restored.includes(id));
  assert.ok(existsSync(s.pathOf('hold', id)));
  assert.equal(existsSync(s.pathOf('incoming', id)), false);
});

test('a full segment is replaced, checkpointed and removed; replay then skips what it held', async (t) => {
  const dir = tempDir(t);
  const sync = new SyncGroup();
  const log = new CommitLog(dir, 'test', sync, 1024);
  const big = Buffer.alloc(700, 0x61);
  const id = (n: number) => `AAAA${n}` as QueueId;
  for (let n = 0; n < 3; n++) {
    const fd = log.append({ type: 'C', time: commitClock(), queue: 'incoming', id: id(n), bytes: big });
    await sync.sync(fd, null, true);
  }
  await log.settled();
  const names = readdirSync(join(dir, COMMIT_DIR)).sort();
  assert.equal(names.filter((n) => n.endsWith('.ckpt')).length, 1, names.join(' '));
  assert.deepEqual(
    names.filter((n) => n.endsWith('.log')).map((n) => n.replace(/^.*\.(\d+)\.log$/, '$1')),
    ['1'],
    'segment 0 (two records) was checkpointed away',
  );
  await sync.sync(log.append({ type: 'C', time: commitClock(), queue: 'incoming', id: id(3), bytes: big }), null, true);
  const report = await replayCommitLog(fsStore(dir));
  // Record 2 went to the new segment, but its time is from before the checkpoint began: its file was synced.
  assert.deepEqual(report.restored, [id(3)], 'only records from after the last checkpoint began');
  await log.close();
});

test('postsuper on a stopped daemon applies the commit log before it acts', async (t) => {
  const dir = tempDir(t);
  const s = fsStore(dir);
  await s.init();
  const m = await s.create(s.newId(), 'hold', ENVELOPE, RCPT, content(9));
  unlinkSync(s.pathOf('hold', m.id));
  const tool = fsStore(dir, 'replay');
  await tool.openCommitLog();
  assert.deepEqual(tool.takeReplayReport()?.restored, [m.id]);
  await tool.removeFile(tool.pathOf('hold', m.id), 'hold', m.id);
  await tool.closeCommitLog();
  assert.deepEqual(
    readdirSync(join(dir, COMMIT_DIR)).filter((n) => n.endsWith('.log')),
    [],
    'closed: checkpointed',
  );
  // Nothing brings the deleted message back.
  const restarted = fsStore(dir);
  await restarted.init();
  assert.equal(restarted.takeReplayReport()?.restored.length, 0);
  assert.equal(existsSync(s.pathOf('hold', m.id)), false);
});

test('a message is not written again when it sits at another hash depth (hash_queue_depth changed)', async (t) => {
  const dir = tempDir(t);
  const s = fsStore(dir);
  await s.init();
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPT, content(10));
  await s.move(m.id, 'incoming', 'deferred');
  const deeper = new FsQueueStore({
    queue_directory: dir,
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 2,
    enable_long_queue_ids: false,
    commitLog: 'replay',
  });
  assert.notEqual(deeper.pathOf('deferred', m.id), s.pathOf('deferred', m.id));
  await deeper.init();
  assert.deepEqual(deeper.takeReplayReport()?.restored, []);
  assert.equal(existsSync(deeper.pathOf('deferred', m.id)), false);
  assert.equal(existsSync(deeper.pathOf('incoming', m.id)), false);
});
