/**
 * logscan_follow: following a log like `tail -F`: the last lines first,
 * then new ones, through a rotation (rename, a last line written to the old
 * file, a new file) and a truncation, until aborted.
 */
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { followLines } from '../../src/logscan/logscan_follow.ts';
import { tempDir } from '../peers/tmpdir.ts';

/** Follows `path` in the background; `until(n)` waits for n lines in all. */
function follow(path: string, signal: AbortSignal, initialLines: number) {
  const lines: string[] = [];
  const done = (async () => {
    for await (const batch of followLines(path, { signal, intervalMs: 10, initialLines })) lines.push(...batch);
  })();
  const until = async (n: number) => {
    for (let i = 0; i < 500 && lines.length < n; i++) await sleep(10);
    assert.ok(lines.length >= n, `waited for ${n} lines, have ${JSON.stringify(lines)}`);
  };
  return { lines, done, until };
}

test('followLines shows the last lines, then appended ones, across a rotation and a truncation', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'mail.log');
  writeFileSync(path, `${Array.from({ length: 15 }, (_, i) => `old ${i}`).join('\n')}\n`);
  const stop = new AbortController();
  const f = follow(path, stop.signal, 3);
  await f.until(3);
  assert.deepEqual(f.lines, ['old 12', 'old 13', 'old 14']);

  appendFileSync(path, 'new 1\nnew 2 in two ');
  await f.until(4);
  appendFileSync(path, 'writes\n');
  await f.until(5);
  assert.deepEqual(f.lines.slice(3), ['new 1', 'new 2 in two writes']);

  // rotation: the writer still has the old file open and writes one more line there
  renameSync(path, `${path}.1`);
  appendFileSync(`${path}.1`, 'last in old\n');
  writeFileSync(path, 'first in new\n');
  await f.until(7);
  assert.deepEqual(f.lines.slice(5), ['last in old', 'first in new']);

  // copytruncate
  truncateSync(path, 0);
  await sleep(50);
  appendFileSync(path, 'after truncate\n');
  await f.until(8);
  assert.equal(f.lines[7], 'after truncate');

  stop.abort();
  await f.done;
  assert.equal(f.lines.length, 8);
});

test('followLines waits for a file that does not exist yet', async (t) => {
  const path = join(tempDir(t), 'later.log');
  const stop = new AbortController();
  const f = follow(path, stop.signal, 10);
  await sleep(40);
  writeFileSync(path, 'hello\n');
  await f.until(1);
  stop.abort();
  await f.done;
  assert.deepEqual(f.lines, ['hello']);
});
