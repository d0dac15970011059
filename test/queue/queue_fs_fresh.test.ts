import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FreshFiles } from '../../src/queue/queue_fs_fresh.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';

const id = (n: number) => `F${n}` as QueueId;

test('fresh files: kept until forgotten, the oldest dropped past 2000 files', () => {
  const fresh = new FreshFiles();
  for (let n = 0; n < 2001; n++) fresh.remember(id(n), Buffer.from(`file ${n}`));
  assert.equal(fresh.size, 2000);
  assert.equal(fresh.get(id(0)), undefined, 'the oldest went first');
  assert.equal(fresh.get(id(2000))?.toString(), 'file 2000');
  fresh.forget(id(2000));
  assert.equal(fresh.get(id(2000)), undefined);
  assert.equal(fresh.size, 1999);
});

test('fresh files: at most 16 MiB in all, and a file over 256 KiB is never kept', () => {
  const fresh = new FreshFiles();
  fresh.remember(id(1), Buffer.alloc(256 * 1024 + 1));
  assert.equal(fresh.get(id(1)), undefined);
  for (let n = 0; n < 65; n++) fresh.remember(id(n), Buffer.alloc(256 * 1024));
  assert.equal(fresh.size, 64, '64 x 256 KiB = 16 MiB');
  assert.equal(fresh.get(id(0)), undefined);
  // Forgetting gives the bytes back: another file fits without dropping one.
  fresh.forget(id(64));
  fresh.remember(id(99), Buffer.alloc(256 * 1024));
  assert.equal(fresh.size, 64);
  assert.ok(fresh.get(id(1)) !== undefined);
});

test('fresh files: remembering an ID again replaces its bytes', () => {
  const fresh = new FreshFiles();
  fresh.remember(id(1), Buffer.from('old'));
  fresh.remember(id(1), Buffer.from('new'));
  assert.equal(fresh.size, 1);
  assert.equal(fresh.get(id(1))?.toString(), 'new');
});
