/**
 * postsuper: each operation by ID, by ALL and by IDs on stdin, with
 * Postfix's per-message lines and counts (observed from Postfix 3.7.11: ALL
 * operations print the count only), on stderr and in the mail log; purge
 * and structure repair; and, with the daemon running, hands off what qmgr
 * is delivering.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatPid } from '../../src/cli/master_pidfile.ts';
import { main as postsuper } from '../../src/cli/postsuper.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';
import { runCli } from '../peers/cli_capture.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { ACTIVE_HOLD, fillQueue, mainCf, type SampleMessage } from './queue_samples.ts';

function instance(t: import('node:test').TestContext) {
  const dir = tempDir(t, 'affix-ps-');
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'main.cf'), mainCf(dir));
  writeFileSync(join(dir, 'conf', 'master.cf'), '');
  const spool = join(dir, 'spool');
  return {
    dir,
    conf: join(dir, 'conf'),
    spool,
    log: () => readFileSync(join(dir, 'log', 'mail.log'), 'utf8'),
    run: (args: string[], stdin?: string) => runCli(postsuper, ['-c', join(dir, 'conf'), ...args], { stdin }),
  };
}

const DEFERRED: SampleMessage[] = ['A1000000001', 'A1000000002', 'A1000000003'].map((id, i) => ({
  queue: 'deferred',
  id,
  size: 300,
  arrival: 1795943151 + i,
  sender: 'dave@example.test',
  recipients: [{ address: `u${i}@remote.test`, reason: 'connect to 127.0.0.1[127.0.0.1]:32526: Connection refused' }],
}));

test('postsuper -h ALL, -H ID, -e ID, -f ID: Postfix messages on stderr and in the log', async (t) => {
  const inst = instance(t);
  const store = await fillQueue(inst.spool, DEFERRED);
  const hold = await inst.run(['-h', 'ALL']);
  assert.deepEqual([hold.status, hold.stdout, hold.stderr], [0, '', 'postsuper: Placed on hold: 3 messages\n']);
  assert.equal((await store.stat('hold', 'A1000000002' as QueueId))?.queue, 'hold');
  const release = await inst.run(['-H', 'A1000000002']);
  assert.equal(
    release.stderr,
    'postsuper: A1000000002: released from hold\npostsuper: Released from hold: 1 message\n',
  );
  assert.notEqual(await store.stat('deferred', 'A1000000002' as QueueId), null);
  const expire = await inst.run(['-e', 'A1000000001']);
  assert.equal(expire.stderr, 'postsuper: A1000000001: expired\npostsuper: Force-expired: 1 message\n');
  assert.equal((await store.stat('hold', 'A1000000001' as QueueId))?.forceExpire, true);
  assert.equal(statSync(store.pathOf('hold', 'A1000000001' as QueueId)).mode & 0o777, 0o710);
  // -f: expire, and release from hold; an already expired message is not counted again.
  const both = await inst.run(['-f', 'A1000000001']);
  assert.equal(
    both.stderr,
    'postsuper: A1000000001: released from hold\npostsuper: Force-expired: 0 messages\npostsuper: Released from hold: 1 message\n',
  );
  assert.equal((await store.stat('deferred', 'A1000000001' as QueueId))?.forceExpire, true);
  assert.match(inst.log(), /postfix\/postsuper\[\d+\]: Placed on hold: 3 messages\n/);
  assert.match(inst.log(), /postfix\/postsuper\[\d+\]: A1000000002: released from hold\n/);
});

test('postsuper -d ID and -d - (IDs from stdin) remove messages and their logs; unknown and invalid IDs', async (t) => {
  const inst = instance(t);
  const store = await fillQueue(inst.spool, [...DEFERRED, ...ACTIVE_HOLD.filter((m) => m.queue === 'hold')]);
  const one = await inst.run(['-d', 'A1000000001', '-d', 'NOSUCHID00']);
  assert.equal(one.stderr, 'postsuper: A1000000001: removed\npostsuper: Deleted: 1 message\n');
  assert.equal(await store.stat('deferred', 'A1000000001' as QueueId), null);
  assert.deepEqual(await store.readLog('defer', 'A1000000001' as QueueId), []);
  const many = await inst.run(['-d', '-'], 'A1000000002\n0B963160014\nbad/id\n');
  assert.equal(
    many.stderr,
    'postsuper: A1000000002: removed\npostsuper: 0B963160014: removed\npostsuper: warning: invalid mail queue id: bad/id\npostsuper: Deleted: 2 messages\n',
  );
  const none = await inst.run(['-d', 'A1000000002']);
  assert.equal(none.stderr, 'postsuper: Deleted: 0 messages\n');
});

test('postsuper -d ALL [queue]: counts only, defer logs go with the default queues', async (t) => {
  const inst = instance(t);
  const store = await fillQueue(inst.spool, [...DEFERRED, ...ACTIVE_HOLD]);
  const hold = await inst.run(['-d', 'ALL', 'hold']);
  assert.equal(hold.stderr, 'postsuper: Deleted: 1 message\n');
  assert.equal((await store.readLog('defer', '0B963160014' as QueueId)).length, 2, 'logs stay when only hold is named');
  const all = await inst.run(['-d', 'ALL']);
  assert.equal(all.stderr, 'postsuper: Deleted: 5 messages\n');
  assert.equal((await store.readLog('defer', 'A1000000003' as QueueId)).length, 0);
  assert.equal((await store.readLog('defer', '0B963160014' as QueueId)).length, 0);
});

test('postsuper -r moves mail to maildrop with fresh time stamps, logs kept; -r ALL counts only', async (t) => {
  const inst = instance(t);
  const store = await fillQueue(inst.spool, DEFERRED);
  const old = Date.now() / 1000 - 86400;
  utimesSync(store.pathOf('deferred', 'A1000000001' as QueueId), old, old);
  const r = await inst.run(['-r', 'A1000000001']);
  assert.equal(r.stderr, 'postsuper: A1000000001: requeued\npostsuper: Requeued: 1 message\n');
  const st = statSync(store.pathOf('maildrop', 'A1000000001' as QueueId));
  assert.ok(st.mtimeMs > Date.now() - 60_000);
  assert.equal((await store.readLog('defer', 'A1000000001' as QueueId)).length, 1);
  const all = await inst.run(['-r', 'ALL']);
  assert.equal(all.stderr, 'postsuper: Requeued: 2 messages\n');
  // Mail not yet sanitized by cleanup is never put on hold or expired.
  const h = await inst.run(['-h', 'A1000000003', '-e', 'A1000000003']);
  assert.equal(h.stderr, 'postsuper: Force-expired: 0 messages\npostsuper: Placed on hold: 0 messages\n');
});

test('postsuper -p purges week-old unfinished files, -s puts files where hashing wants them', async (t) => {
  const inst = instance(t);
  const store = await fillQueue(inst.spool, DEFERRED);
  const stale = join(inst.spool, 'incoming', 'B2000000001');
  const fresh = join(inst.spool, 'incoming', 'B2000000002');
  writeFileSync(stale, 'half written', { mode: 0o600 });
  writeFileSync(fresh, 'being written', { mode: 0o600 });
  const weekAgo = Date.now() / 1000 - 8 * 86400;
  utimesSync(stale, weekAgo, weekAgo);
  // A message at the wrong hash level, and a name that cannot be a queue ID.
  renameSync(store.pathOf('deferred', 'A1000000001' as QueueId), join(inst.spool, 'deferred', 'A1000000001'));
  writeFileSync(join(inst.spool, 'deferred', 'not-an-id'), '');
  const r = await inst.run([]);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, `postsuper: warning: bogus file name: deferred/not-an-id\n`);
  assert.equal(existsSync(stale), false);
  assert.equal(existsSync(fresh), true);
  assert.ok(existsSync(store.pathOf('deferred', 'A1000000001' as QueueId)));
});

test('postsuper refuses unknown queue names and bad options', async (t) => {
  const inst = instance(t);
  const q = await inst.run(['-d', 'ALL', 'nosuchqueue']);
  assert.deepEqual([q.status, q.stderr], [1, 'postsuper: fatal: invalid directory name: nosuchqueue\n']);
  const rel = await runCli(postsuper, ['-c', 'relative/dir']);
  assert.deepEqual([rel.status, rel.stderr], [1, 'postsuper: fatal: -c requires absolute pathname\n']);
});

test('with the daemon running, postsuper leaves a message qmgr is delivering alone until qmgr is done with it', async (t) => {
  const inst = instance(t);
  const store = await fillQueue(inst.spool, [
    { ...DEFERRED[0]!, queue: 'active' },
    { ...DEFERRED[1]!, queue: 'active' },
  ]);
  // A running master: the pid file names a live process (this one).
  mkdirSync(join(inst.spool, 'pid'), { recursive: true });
  writeFileSync(join(inst.spool, 'pid', 'master.pid'), formatPid(process.pid));
  const id = 'A1000000001' as QueueId;
  const hold = inst.run(['-h', id, '-d', 'A1000000002']);
  await new Promise((r) => setTimeout(r, 400));
  assert.notEqual(await store.stat('active', id), null, 'still in active while qmgr has it');
  // qmgr finishes: one message deferred, the other delivered and removed.
  await store.move(id, 'active', 'deferred', Date.now() + 300_000);
  await store.remove('active', 'A1000000002' as QueueId);
  const r = await hold;
  assert.equal(
    r.stderr,
    'postsuper: A1000000001: placed on hold\npostsuper: Deleted: 0 messages\npostsuper: Placed on hold: 1 message\n',
  );
  assert.notEqual(await store.stat('hold', id), null);
});

/** The queue as the daemon's master opens it: with its commit log, replayed at init(). */
const daemonStore = (spool: string) =>
  new FsQueueStore({
    queue_directory: spool,
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
    commitLog: 'replay',
  });

test('postsuper on a stopped daemon first applies its commit log: a lost message is restored, then deleted for good', async (t) => {
  const inst = instance(t);
  await fillQueue(inst.spool, DEFERRED);
  // The daemon's store: it logged a message, and a power cut lost the file before it reached the disk.
  const daemon = daemonStore(inst.spool);
  await daemon.init();
  const lost = await daemon.create(
    daemon.newId(),
    'hold',
    (await daemon.read('deferred', 'A1000000001' as QueueId)).envelope,
    [{ address: 'x@remote.test', original: 'x@remote.test', orcpt: null, notify: 0 }],
    Buffer.from('Subject: lost\n\nbody\n'),
  );
  unlinkSync(daemon.pathOf('hold', lost.id));
  const r = await inst.run(['-d', 'ALL', 'hold']);
  assert.equal(
    r.stderr,
    `postsuper: warning: ${lost.id}: queue file restored from the commit log\npostsuper: Deleted: 1 message\n`,
  );
  assert.equal(existsSync(daemon.pathOf('hold', lost.id)), false);
  // The daemon's next start finds nothing to bring back.
  const restarted = daemonStore(inst.spool);
  await restarted.init();
  assert.equal(existsSync(daemon.pathOf('hold', lost.id)), false);
  assert.equal(restarted.takeReplayReport()?.restored.length, 0);
});
