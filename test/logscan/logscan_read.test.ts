/**
 * logscan_read, logscan_files, logscan_scan: reading rotated and gzipped
 * generations of a log in time order (logrotate's mail.log.1 and
 * mail.log.2.gz, postfix logrotate's mail.log.YYYYMMDD-HHMMSS.gz), gzipped
 * standard input, and the lines cut at chunk boundaries.
 */
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { rotatedGenerations } from '../../src/logscan/logscan_files.ts';
import { streamLineBatches } from '../../src/logscan/logscan_read.ts';
import { forEachLogEntry, scanLog, scanLogBatches } from '../../src/logscan/logscan_scan.ts';
import { tempDir } from '../peers/tmpdir.ts';

function line(stamp: string, id: string, text: string): string {
  return `${stamp} mx postfix/qmgr[17314]: ${id}: ${text}`;
}

/** Writes `name` with `lines` (gzipped for .gz) and the given modification time. */
function write(dir: string, name: string, lines: string[], mtime: Date): string {
  const path = join(dir, name);
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(text) : text);
  utimesSync(path, mtime, mtime);
  return path;
}

test('rotatedGenerations lists numbered, dated and affix-suffixed generations oldest first, not others', (t) => {
  const dir = tempDir(t);
  write(dir, 'mail.log', ['x'], new Date(2026, 10, 29, 12));
  write(dir, 'mail.log.1', ['x'], new Date(2026, 10, 28, 12));
  write(dir, 'mail.log.2.gz', ['x'], new Date(2026, 10, 27, 12));
  write(dir, 'mail.log.20261126-060000.gz', ['x'], new Date(2026, 10, 26, 6));
  write(dir, 'mail.log-20261125.gz', ['x'], new Date(2026, 10, 25, 6));
  write(dir, 'mail.log.3.xz', ['x'], new Date(2026, 10, 24, 6));
  write(dir, 'mail.logger', ['x'], new Date(2026, 10, 24, 6));
  return rotatedGenerations(join(dir, 'mail.log')).then((found) => {
    assert.deepEqual(
      found.map((p) => p.slice(dir.length + 1)),
      ['mail.log-20261125.gz', 'mail.log.20261126-060000.gz', 'mail.log.2.gz', 'mail.log.1'],
    );
  });
});

test('scanLog reads gzipped and plain generations in order, with long queue IDs, and one year for all', async (t) => {
  const dir = tempDir(t);
  const old = write(
    dir,
    'mail.log.20261129-090517.gz',
    [line('Dec 31 23:59:58', '4jchFw2qPlzBrJw', 'from=<dave@example.test>, size=257, nrcpt=1 (queue active)')],
    new Date(2026, 11, 31, 23, 59, 59),
  );
  const mid = write(dir, 'mail.log.1', [line('Dec 31 23:59:59', '4jchFw2qPlzBrJw', 'removed')], new Date(2027, 0, 1));
  const now = write(
    dir,
    'mail.log',
    [line('Jan  1 00:00:01', '4jchG85FYpzBrJb', 'from=<dave@example.test>, size=431, nrcpt=1 (queue active)')],
    new Date(2027, 0, 1, 0, 0, 2),
  );
  const files = [...(await rotatedGenerations(now)), now];
  assert.deepEqual(files, [old, mid, now]);
  const seen: string[] = [];
  for await (const e of scanLog(files.map((path) => ({ kind: 'file' as const, path })))) {
    seen.push(`${e.event.kind} ${e.event.queueId} ${e.frame.date.getFullYear()}`);
  }
  assert.deepEqual(seen, [
    'queue_active 4jchFw2qPlzBrJw 2026',
    'removed 4jchFw2qPlzBrJw 2026',
    'queue_active 4jchG85FYpzBrJb 2027',
  ]);
});

test('a gzipped stream (journalctl output through gzip) is recognised by its magic, not its name', async () => {
  const text = `${line('Nov 29 09:10:44', 'DFC8A16044F', 'removed')}\n-- Boot 5d0e6ae1 --\n`;
  const gz = gzipSync(text);
  // split inside the magic, as a pipe may deliver it
  const stream = Readable.from([gz.subarray(0, 1), gz.subarray(1)]);
  const kinds: string[] = [];
  for await (const batch of scanLogBatches([{ kind: 'stream', name: 'stdin', stream }])) {
    for (const e of batch) kinds.push(e.event.kind);
  }
  assert.deepEqual(kinds, ['removed', 'other']);
});

test('lines cut across chunks and multi-byte UTF-8 split between chunks come out whole', async () => {
  const full = Buffer.from('first line ü\nsecond ääh line\nlast without newline');
  const chunks = [full.subarray(0, 12), full.subarray(12, 20), full.subarray(20)];
  const lines: string[] = [];
  for await (const batch of streamLineBatches(Readable.from(chunks))) lines.push(...batch);
  assert.deepEqual(lines, ['first line ü', 'second ääh line', 'last without newline']);
});

test('forEachLogEntry visits every line once and reports a missing file', async (t) => {
  const dir = tempDir(t);
  const path = write(dir, 'mail.log', [line('Nov 29 09:10:44', 'DFC8A16044F', 'removed'), '', 'garbage'], new Date());
  const seen: string[] = [];
  await forEachLogEntry([{ kind: 'file', path }], (e) => seen.push(e.event.kind));
  assert.deepEqual(seen, ['removed', 'other']);
  await assert.rejects(
    forEachLogEntry([{ kind: 'file', path: join(dir, 'nope') }], () => {}),
    /ENOENT/,
  );
});

test('keptEntry copies an entry with its time and event, free of the chunk it was read in', async (t) => {
  const dir = tempDir(t);
  const path = write(dir, 'mail.log', [line('Dec 31 23:59:58', '4jchFw2qPlzBrJw', 'removed')], new Date(2027, 0, 1));
  const { keptEntry } = await import('../../src/logscan/logscan_parse.ts');
  const kept: ReturnType<typeof keptEntry>[] = [];
  await forEachLogEntry([{ kind: 'file', path }], (e) => kept.push(keptEntry(e)));
  assert.equal(kept[0]!.frame.date.getFullYear(), 2026);
  assert.equal(kept[0]!.frame.time, new Date(2026, 11, 31, 23, 59, 58).getTime());
  assert.equal(kept[0]!.event.kind, 'removed');
  assert.equal(kept[0]!.event.queueId, '4jchFw2qPlzBrJw');
});
