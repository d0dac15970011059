/**
 * logscan_summary: the Grand Totals of MailSummary against Debian's real
 * pflogsumm on the same logs: the real Postfix 3.7 sample, and generated
 * logs of thousands of messages in each framing (syslog, postlogd,
 * RFC 3339, long queue IDs, several files), each counted both ways (lines
 * read in place, as the CLI does, and parsed entries). And what happens
 * with a queue ID that is used again: pflogsumm's way on request, ours by
 * default.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogSource } from '../../src/logscan/logscan_read.ts';
import { forEachLogEntry, forEachLogLine } from '../../src/logscan/logscan_scan.ts';
import { MailSummary, type SummaryOptions } from '../../src/logscan/logscan_summary.ts';
import type { SummaryTotals } from '../../src/logscan/logscan_summary_report.ts';
import { findProgram, missingPrograms } from '../peers/programs.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { generateLog } from './log_generator.ts';

const skip = missingPrograms(['pflogsumm']);
const SAMPLE = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11', 'maillog-loopback-experiment.log');

function pflogsumm(files: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(findProgram('pflogsumm')!, [...files], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err === null ? resolve(stdout) : reject(new Error(`pflogsumm: ${err.message}\n${stderr}`)),
    );
  });
}

/** pflogsumm's adj_int_units: `%6d%s` of n, n/1024 `k` above 512k, n/1048576 `m` above 512m. */
function units(n: number): string {
  if (n > 536_870_912) return `${Math.trunc(n / 1_048_576)}m`;
  if (n > 524_288) return `${Math.trunc(n / 1024)}k`;
  return String(n);
}

const LABELS: readonly (readonly [string, keyof SummaryTotals])[] = [
  ['received', 'received'],
  ['delivered', 'delivered'],
  ['forwarded', 'forwarded'],
  ['deferred', 'deferred'],
  ['bounced', 'bounced'],
  ['rejected', 'rejected'],
  ['reject warnings', 'reject_warnings'],
  ['held', 'held'],
  ['discarded', 'discarded'],
  ['bytes received', 'bytes_received'],
  ['bytes delivered', 'bytes_delivered'],
  ['senders', 'senders'],
  ['sending hosts/domains', 'sending_domains'],
  ['recipients', 'recipients'],
  ['recipient hosts/domains', 'recipient_domains'],
];

/** pflogsumm's Grand Totals as printed: label -> `42`, `118930k`; plus the deferrals and percentages. */
function printedTotals(report: string): Record<string, string> {
  const grand = report.slice(report.indexOf('Grand Totals'), report.indexOf('Per-Hour'));
  const out: Record<string, string> = {};
  for (const [label] of LABELS) {
    const m = new RegExp(`^\\s*(\\d+)([km]?)\\s+${label.replace('/', '\\/')}\\b`, 'm').exec(grand);
    assert.ok(m, `pflogsumm printed no "${label}" total:\n${grand}`);
    out[label] = `${m[1]}${m[2]}`;
  }
  out['deferrals'] = /\((\d+[km]?)\s+deferrals\)/.exec(grand)?.[1] ?? '0';
  out['reject %'] = /rejected \((\d+)%\)/.exec(grand)![1]!;
  out['discard %'] = /discarded \((\d+)%\)/.exec(grand)![1]!;
  return out;
}

/** Our totals printed the way pflogsumm prints them. */
function ourTotals(t: SummaryTotals): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [label, key] of LABELS) out[label] = units(t[key]);
  out['deferrals'] = units(t.deferrals);
  out['reject %'] = String(t.reject_percent);
  out['discard %'] = String(t.discard_percent);
  return out;
}

/**
 * The summary of `files` as `affix logs summary` makes it (each line read in
 * place), checked against the same summary of parsed entries: both ways
 * must count every line alike.
 */
async function summarize(files: readonly string[], options: SummaryOptions = {}): Promise<MailSummary> {
  const sources: LogSource[] = files.map((path) => ({ kind: 'file', path }));
  const s = new MailSummary(options);
  await forEachLogLine(sources, (line) => s.addLine(line));
  const parsed = new MailSummary(options);
  await forEachLogEntry(sources, (e) => parsed.add(e));
  assert.deepEqual(s.report(0), parsed.report(0), 'lines read in place count as parsed entries do');
  assert.equal(s.rememberedIds, parsed.rememberedIds);
  return s;
}

test('the summary of the real Postfix 3.7 sample log has the Grand Totals pflogsumm prints', { skip }, async () => {
  const ours = (await summarize([SAMPLE])).report().totals;
  assert.deepEqual(ourTotals(ours), printedTotals(await pflogsumm([SAMPLE])));
  // the values pflogsumm 1.1.5 gives on this log, so a change in either shows
  assert.equal(ours.received, 42);
  assert.equal(ours.delivered, 41);
  assert.equal(ours.deferred, 9);
  assert.equal(ours.deferrals, 16);
  assert.equal(ours.bounced, 8);
  assert.equal(ours.rejected, 16);
  assert.equal(ours.held, 1);
  assert.equal(ours.bytes_received, 13615);
  assert.equal(ours.bytes_delivered, 38048);
});

test('on a generated syslog log of 6000 messages the totals agree with pflogsumm', { skip }, async (t) => {
  const file = join(tempDir(t), 'mail.log');
  writeFileSync(file, generateLog(6000, { seed: 11, framing: 'rfc3164' }));
  const ours = (await summarize([file])).report().totals;
  assert.ok(
    ours.received > 4000 && ours.deferrals > 100 && ours.bounced > 100 && ours.rejected > 300,
    JSON.stringify(ours),
  );
  assert.ok(ours.forwarded > 0 && ours.held > 0 && ours.discarded > 0 && ours.reject_warnings > 0);
  assert.deepEqual(ourTotals(ours), printedTotals(await pflogsumm([file])));
});

test('over a postlogd generation and an RFC 3339 file with long queue IDs, read in order, totals agree', {
  skip,
}, async (t) => {
  const dir = tempDir(t);
  const older = join(dir, 'mail.log.1');
  const newer = join(dir, 'mail.log');
  writeFileSync(older, generateLog(2500, { seed: 3, framing: 'postlogd', start: new Date(2026, 10, 3, 6) }));
  writeFileSync(
    newer,
    generateLog(2500, { seed: 4, framing: 'rfc3339', longIds: true, start: new Date(2026, 10, 4, 6) }),
  );
  const ours = (await summarize([older, newer])).report().totals;
  assert.ok(ours.received > 3000);
  assert.deepEqual(ourTotals(ours), printedTotals(await pflogsumm([older, newer])));
});

test('a queue ID used again after removal: pflogsumm keeps the first message; duplicates=pflogsumm agrees', {
  skip,
}, async (t) => {
  const file = join(tempDir(t), 'mail.log');
  const log = [
    'Nov 29 09:05:17 vm postfix/smtpd[12574]: DFC8A16044F: client=localhost[127.0.0.1]',
    'Nov 29 09:05:17 vm postfix/qmgr[12288]: DFC8A16044F: from=<sender@example.org>, size=408, nrcpt=1 (queue active)',
    'Nov 29 09:05:17 vm postfix/local[12579]: DFC8A16044F: to=<carol@example.test>, relay=local, delay=0.04, delays=0.02/0.01/0/0.02, dsn=2.0.0, status=sent (delivered to mailbox)',
    'Nov 29 09:05:17 vm postfix/qmgr[12288]: DFC8A16044F: removed',
    'Nov 29 10:05:17 vm postfix/smtpd[12574]: DFC8A16044F: client=other.example.net[192.0.2.7]',
    'Nov 29 10:05:17 vm postfix/qmgr[12288]: DFC8A16044F: from=<bob@example.net>, size=9000, nrcpt=1 (queue active)',
    'Nov 29 10:05:17 vm postfix/local[12579]: DFC8A16044F: to=<dave@example.test>, relay=local, delay=0.04, delays=0.02/0.01/0/0.02, dsn=2.0.0, status=sent (delivered to mailbox)',
    'Nov 29 10:05:17 vm postfix/qmgr[12288]: DFC8A16044F: removed',
  ];
  writeFileSync(file, `${log.join('\n')}\n`);
  const printed = printedTotals(await pflogsumm([file]));
  assert.equal(printed['bytes received'], '408', 'pflogsumm ignores the second message of the same queue ID');
  assert.equal(printed['bytes delivered'], '816', 'and gives its delivery the first message size');
  const compat = (await summarize([file], { duplicates: 'pflogsumm' })).report().totals;
  assert.deepEqual(ourTotals(compat), printed);
  const ours = (await summarize([file])).report().totals;
  assert.deepEqual([ours.received, ours.bytes_received, ours.bytes_delivered, ours.senders], [2, 9408, 9408, 2]);
});

test('delivery and queue lines in unusual shapes count as pflogsumm counts them (the in-place readers)', {
  skip,
}, async (t) => {
  const file = join(tempDir(t), 'mail.log');
  const at = (n: number) => `Nov 29 09:${String(n).padStart(2, '0')}:17 vm`;
  const log = [
    `${at(1)} postfix/smtpd[1]: A0000000001: client=mail.Example.ORG[192.0.2.1]`,
    `${at(1)} postfix/cleanup[2]: A0000000001: message-id=<hold: header x@y> warning: header Subject: z`,
    `${at(1)} postfix/qmgr[3]: A0000000001: from=<Sender@Example.ORG>, size=1000, nrcpt=9 (queue active)`,
    `${at(2)} postfix/local[4]: A0000000001: to=<a@Example.test>, orig_to=<alias@example.test>, relay=local, delay=1.5, delays=1/0/0/0.5, dsn=2.0.0, status=sent (delivered to mailbox)`,
    `${at(2)} postfix/smtp[5]: A0000000001: to=<b@remote.test>, relay=mx.remote.test[203.0.113.1]:25, conn_use=2, delay=2, delays=1/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 123)`,
    `${at(2)} postfix/local[4]: A0000000001: to=<c@example.test>, relay=local, delay=0.1, status=sent (forwarded as B0000000001)`,
    `${at(2)} postfix/local[4]: A0000000001: to=<d@example.test>, relay=local, delay=<7>, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered)`,
    `${at(2)} postfix/local[4]: A0000000001: to=<e>x@example.test>, relay=local, delay=1, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered)`,
    `${at(2)} postfix/local[4]: A0000000001: to=<f@example.test>, delay=1, relay=local, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered)`,
    `${at(2)} postfix/local[4]: A0000000001: to=<g@example.test>, relay=local, delay=abc, dsn=2.0.0, status=sent`,
    `${at(3)} postfix/smtp[5]: A0000000001: to=<h@slow.test>, relay=none, delay=30, delays=30/0/0/0, dsn=4.4.1, status=deferred (connect to slow.test[203.0.113.9]:25: Connection timed out)`,
    `${at(3)} postfix/smtp[5]: A0000000001: to=<i@gone.test>, relay=mx.gone.test[203.0.113.8]:25, delay=3, delays=1/0/1/1, dsn=5.1.1, status=bounced (host mx.gone.test[203.0.113.8] said: 550 5.1.1 unknown (in reply to RCPT TO command))`,
    `${at(3)} postfix/smtp[5]: A0000000001: to=<j@old.test>, relay=none, delay=9, status=expired, returned to sender`,
    `${at(4)} postfix/qmgr[3]: A0000000001: removed`,
    `${at(4)} postfix/pickup[6]: C0000000001: uid=0 from=<root>`,
    `${at(4)} postfix/pickup[6]: C0000000001: removed`,
    `${at(4)} postfix/qmgr[3]: C0000000001: from=<root@vm.example.test>, size=300, nrcpt=1 (queue active)`,
    `${at(5)} postfix/local[4]: C0000000001: to=<root@vm.example.test>, relay=local, delay=0.2, delays=0/0/0/0.2, dsn=2.0.0, status=sent (delivered to mailbox)`,
    `${at(5)} postfix/qmgr[3]: C0000000001: removed (expired)`,
    `${at(5)} postfix/qmgr[3]: NOQUEUE: from=<x@y.test>, size=5, nrcpt=1 (queue active)`,
    `${at(5)} postfix/qmgr[3]: D000: from=<x@y.test>, size=5, nrcpt=1 (queue active)`,
  ];
  writeFileSync(file, `${log.join('\n')}\n`);
  const ours = (await summarize([file])).report().totals;
  assert.ok(ours.delivered >= 4 && ours.forwarded === 1 && ours.bounced === 1, JSON.stringify(ours));
  assert.deepEqual(ourTotals(ours), printedTotals(await pflogsumm([file])));
});

test('on a generated log with reused queue IDs, duplicates=pflogsumm agrees, and the default counts every message', {
  skip,
}, async (t) => {
  const file = join(tempDir(t), 'mail.log');
  writeFileSync(file, generateLog(5000, { seed: 5, reuseIds: 0.3 }));
  const compat = await summarize([file], { duplicates: 'pflogsumm' });
  assert.deepEqual(ourTotals(compat.report().totals), printedTotals(await pflogsumm([file])));
  const ours = await summarize([file]);
  const a = ours.report().totals;
  const b = compat.report().totals;
  assert.equal(a.received, b.received);
  assert.equal(a.delivered, b.delivered);
  assert.ok(a.bytes_received > b.bytes_received, 'the messages pflogsumm drops are counted');
  assert.ok(
    ours.rememberedIds < compat.rememberedIds / 4,
    `${ours.rememberedIds} IDs remembered, pflogsumm ${compat.rememberedIds}`,
  );
});

test('the default policy forgets removed messages: what is remembered does not grow with the log', async (t) => {
  const dir = tempDir(t);
  const small = join(dir, 'small.log');
  const large = join(dir, 'large.log');
  writeFileSync(small, generateLog(2000, { seed: 8 }));
  writeFileSync(large, generateLog(8000, { seed: 8 }));
  const s = await summarize([small]);
  const l = await summarize([large]);
  assert.ok(l.counts.received > 3 * s.counts.received);
  // what is left: messages still queued at the end (retries scheduled after the last message)
  assert.ok(l.rememberedIds < 400, `remembered ${l.rememberedIds}`);
  assert.ok(Math.abs(l.rememberedIds - s.rememberedIds) < 200, `${s.rememberedIds} vs ${l.rememberedIds}`);
});

test('top reasons group equal causes and say where they happened', async () => {
  const r = (await summarize([SAMPLE])).report(0);
  const refused = r.deferral_reasons.find((x) => x.reason === 'smtp: connect to server: Connection refused');
  assert.deepEqual(
    [refused?.count, refused?.where.map((w) => `${w.key}=${w.count}`)],
    [13, ['remote.test=10', 'mxdom.test=3']],
  );
  const relay = r.reject_reasons.find((x) => x.reason === 'RCPT 554 5.7.1 Relay access denied');
  assert.deepEqual(relay?.where, [{ key: 'elsewhere.test', count: 1 }]);
  assert.equal(
    r.reject_reasons.reduce((n, x) => n + x.count, 0),
    r.totals.rejected,
  );
  assert.equal(
    r.bounce_reasons.reduce((n, x) => n + x.count, 0),
    r.totals.bounced,
  );
  assert.ok(r.warnings.some((w) => w.key === 'cleanup: ID: queue file size limit exceeded' && w.count === 3));
  assert.deepEqual(
    r.uncounted_services.map((s) => s.key),
    ['postfix/rtest/smtpd', 'postfix/loop/smtpd', 'postfix/rtest2/smtpd'],
  );
});

test('with a syslog_name of its own (mta2/smtpd ...), --syslog-name counts it as pflogsumm --syslog-name does', {
  skip,
}, async (t) => {
  const file = join(tempDir(t), 'mail.log');
  const { readFileSync } = await import('node:fs');
  writeFileSync(file, readFileSync(SAMPLE, 'utf8').replaceAll(' postfix/', ' mta2/'));
  const ignored = (await summarize([file])).report().totals;
  assert.equal(ignored.received, 0, 'without the name, no line is Postfix');
  const ours = (await summarize([file], { syslogName: 'mta2' })).report().totals;
  const theirs = await new Promise<string>((resolve, reject) =>
    execFile(findProgram('pflogsumm')!, ['--syslog-name=mta2', file], (err, out) => (err ? reject(err) : resolve(out))),
  );
  assert.deepEqual(ourTotals(ours), printedTotals(theirs));
  assert.equal(ours.received, 42);
});
