/**
 * hash/btree/lmdb tables in a long-running process: a rebuilt index is seen
 * without reopening (checked at most once a second), a missing index falls
 * back to the source text with one warning, and an index older than its
 * source warns as Postfix does. Builds never touch Postfix's own index files.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DictLog } from '../../src/maps/dict.ts';
import { type DictOpenOptions, openDict } from '../../src/maps/dict_open.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { affixPostmap, workDir } from './reference.ts';

function recorder(): DictLog & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return { warnings, errors, warn: (t) => warnings.push(t), error: (t) => errors.push(t) };
}

function clock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('hash: a lookup sees an index rebuilt by affix postmap after the next identity check', async (t) => {
  const dir = workDir(t);
  writeFileSync(join(dir, 'virtual'), 'user@example.com old@example.net\n');
  assert.equal((await affixPostmap(dir, ['hash:virtual'])).status, 0);
  const log = recorder();
  const time = clock();
  const options: DictOpenOptions = { log, cwd: dir, now: time.now };
  const dict = await openDict('hash:virtual', options);
  assert.equal(await dict.lookup('USER@example.com'), 'old@example.net');

  writeFileSync(join(dir, 'virtual'), 'user@example.com new@example.net\nother@example.com x\n');
  assert.equal((await affixPostmap(dir, ['hash:virtual'])).status, 0);
  time.advance(500);
  assert.equal(await dict.lookup('user@example.com'), 'old@example.net', 'no check within a second');
  time.advance(600);
  assert.equal(await dict.lookup('user@example.com'), 'new@example.net');
  assert.equal(await dict.lookup('other@example.com'), 'x');
  assert.deepEqual(log.warnings, []);
});

test('hash: without an index the source is read directly, with one warning to run affix postmap', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'access'), 'Example.COM REJECT\n');
  const log = recorder();
  const time = clock();
  const dict = await openDict('hash:access', { log, cwd: dir, now: time.now });
  assert.equal(await dict.lookup('example.com'), 'REJECT');
  time.advance(2000);
  assert.equal(await dict.lookup('example.com'), 'REJECT');
  assert.deepEqual(log.warnings, [
    'database access.affixdb does not exist: using source file access as is; run "affix postmap hash:access"',
  ]);
});

test('hash: a source file changed after the index (over 100 s ago) warns as Postfix, and the index is used', async (t) => {
  const dir = workDir(t);
  writeFileSync(join(dir, 'table'), 'a indexed\n');
  assert.equal((await affixPostmap(dir, ['hash:table'])).status, 0);
  writeFileSync(join(dir, 'table'), 'a edited\n');
  const hourAgo = new Date(Date.now() - 3600_000);
  const dayAgo = new Date(Date.now() - 86400_000);
  utimesSync(join(dir, 'table'), hourAgo, hourAgo);
  utimesSync(join(dir, 'table.affixdb'), dayAgo, dayAgo);
  const log = recorder();
  const dict = await openDict('hash:table', { log, cwd: dir });
  assert.equal(await dict.lookup('a'), 'indexed');
  assert.deepEqual(log.warnings, ['database table.affixdb is older than source file table']);
});

test('hash: a table whose index and source are both gone fails lookups with a temporary error', async (t) => {
  const dir = workDir(t);
  writeFileSync(join(dir, 'table'), 'a b\n');
  assert.equal((await affixPostmap(dir, ['hash:table'])).status, 0);
  const log = recorder();
  const time = clock();
  const dict = await openDict('hash:table', { log, cwd: dir, now: time.now });
  assert.equal(await dict.lookup('a'), 'b');
  rmSync(join(dir, 'table'));
  rmSync(join(dir, 'table.affixdb'));
  time.advance(1500);
  await assert.rejects(dict.lookup('a'), { name: 'DictLookupError', dictError: 'retry' });
  assert.deepEqual(log.warnings, ['hash:table: open database table.affixdb: No such file or directory']);
});

test('hash, btree, lmdb: affix postmap writes FILE.affixdb and never FILE.db or FILE.lmdb', async (t) => {
  const dir = workDir(t);
  writeFileSync(join(dir, 'table'), 'a b\n');
  for (const type of ['hash', 'btree', 'lmdb']) {
    assert.equal((await affixPostmap(dir, [`${type}:table`])).status, 0, type);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['main.cf', 'master.cf', 'table', 'table.affixdb']);
});

test('hash: a daemon opening a table that is not there gets a surrogate that defers every lookup', async (t) => {
  const dir = tempDir(t);
  const log = recorder();
  const dict = await openDict('hash:nosuch', { log, cwd: dir, surrogate: true });
  assert.deepEqual(log.errors, ['open database nosuch.affixdb: No such file or directory']);
  await assert.rejects(dict.lookup('a'), { name: 'DictLookupError', dictError: 'retry', table: 'hash:nosuch' });
  assert.deepEqual(log.warnings, [
    'hash:nosuch is unavailable. open database nosuch.affixdb: No such file or directory',
  ]);
});
