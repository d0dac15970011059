/**
 * logscan_read, logscan_files, logscan_scan: reading rotated and gzipped
 * generations of a log in time order (logrotate's mail.log.1 and
 * mail.log.2.gz, postfix logrotate's mail.log.YYYYMMDD-HHMMSS.gz), gzipped
 * standard input, and the lines cut at chunk boundaries.
 */
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { LogEntry } from '../../src/logscan/logscan_event.ts';
import { rotatedGenerations } from '../../src/logscan/logscan_files.ts';
import { streamLineBatches } from '../../src/logscan/logscan_read.ts';
import { forEachLogEntry, forEachLogLine, scanLog, scanLogBatches } from '../../src/logscan/logscan_scan.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { generateLog } from './log_generator.ts';

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

/** Everything a reader can ask of an entry, as plain data. */
function entryData(e: LogEntry): unknown {
  const f = e.frame;
  return {
    line: f.line,
    stamp: f.stamp,
    stampFormat: f.stampFormat,
    time: f.time,
    host: f.host,
    tag: f.tag,
    syslogName: f.syslogName,
    program: f.program,
    pid: f.pid,
    severity: f.severity,
    text: f.text,
    event: e.event,
  };
}

test('forEachLogLine sees each line as forEachLogEntry parses it, across 64 KiB chunks and odd lines', async (t) => {
  const dir = tempDir(t);
  const odd = [
    '',
    'Nov 29 09:10:44 mx postfix/smtpd[1]:',
    'Nov 29 09:10:44 mx postfix/smtpd[12x]: connect from a[192.0.2.1]',
    'Nov 29 09:10:44 mx postfix/cleanup[7]: warning: Ünïcödé header from x[192.0.2.1]',
    `Nov 29 09:10:45 mx postfix/local[8]: 0A1B2C3D4E5: to=<long@example.test>, relay=local, status=sent (${'x'.repeat(70_000)})`,
    'Nov 29 09:10:45.123456 mx postfix/qmgr[9]: 0A1B2C3D4E5: removed',
    '2026-11-29T09:10:46.012345+00:00 mx postfix/qmgr[9]: 0A1B2C3D4E6: removed',
    'Nov 29 09:10:47  postfix/qmgr[9]: no host',
    'garbage',
    'Nov 29 09:10:48 mx [ID 197553 mail.info] postfix/qmgr[9]: x',
  ];
  // lines that repeat a stamp and `host tag[` read before, then differ: the shortcut must let them go (ASCII, in a chunk of their own)
  const repeated = [
    'Nov 29 09:10:49 mx postfix/smtpd[1]: connect from a[192.0.2.1]',
    'Nov 29 09:10:49 mx postfix/smtpd[1234567890123456]: sixteen digits',
    'Nov 29 09:10:49 mx postfix/smtpd[]: no digits',
    'Nov 29 09:10:49 mx postfix/smtpd[1]:no space',
    'Nov 29 09:10:49 mx postfix/smtpd[1]: warning: a warning',
    'Nov 29 09:10:49 mx postfix/smtpd[1]: [ID 197553 mail.info] connect from b[192.0.2.2]',
    'Nov 29 09:10:49 mx postfix/smtpd[1]: ',
    'Nov 29 09:10:49 mx postfix/smtpd[1] : a space before the colon',
    'Nov 29 09:10:49 mx postfix/smtpd[12]x: junk',
    'Nov 29 09:10:49 mx postfix/smtpdd[1]: another tag',
    'Nov 29 09:10:49 mxx postfix/smtpd[1]: another host',
    'Nov 29 09:10:49 mx postfix/smtpd[2]: fatal: a fatal',
    'Nov 29 09:10:49.5 mx postfix/smtpd[2]: fractional seconds',
    'Dec 31 23:59:59 mx postfix/smtpd[2]: the year ends',
    'Jan  1 00:00:00 mx postfix/smtpd[2]: the year begins',
    'Dec 31 23:59:59 mx postfix/smtpd[2]: late line',
    'Jan  1 00:00:00 mx postfix/smtpd[2]: and again',
  ];
  const generated = generateLog(400, { seed: 9 }).split('\n');
  const path = join(dir, 'mail.log');
  // odd lines among the generated ones, and a last line without its newline
  writeFileSync(
    path,
    [...repeated, ...generated.slice(0, 900), ...odd, ...generated.slice(900), 'Nov 29 23:59:59 mx last'].join('\n'),
  );
  const options = { year: 2026 };
  const parsed: unknown[] = [];
  await forEachLogEntry([{ kind: 'file', path }], (e) => parsed.push(entryData(e)), options);
  const viewed: unknown[] = [];
  await forEachLogLine([{ kind: 'file', path }], (v) => viewed.push(entryData(v)), options);
  assert.ok(parsed.length > 3000);
  assert.equal(viewed.length, parsed.length);
  for (let i = 0; i < parsed.length; i++) assert.deepEqual(viewed[i], parsed[i], `line ${i + 1}`);
  // and from a stream cut anywhere
  const bytes = Buffer.from(readFileSync(path));
  const stream = Readable.from([bytes.subarray(0, 70_001), bytes.subarray(70_001, 200_003), bytes.subarray(200_003)]);
  const streamed: unknown[] = [];
  await forEachLogLine([{ kind: 'stream', name: 'stdin', stream }], (v) => streamed.push(entryData(v)), options);
  assert.deepEqual(streamed, parsed);
});
