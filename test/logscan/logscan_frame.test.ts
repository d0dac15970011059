/**
 * logscan_frame: the frame of a line in each way Postfix's log is written:
 * rsyslog traditional (`Nov  1`), rsyslog RFC 3339, postlogd's maillog_file
 * (`Nov 01`), journalctl's short, short-precise and short-iso output, and a
 * command's stderr, plus the year of traditional stamps across New Year.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogParser } from '../../src/logscan/logscan_parse.ts';

const TEXT = 'connect from localhost[127.0.0.1]';

test('LogParser frames the three framings of the same smtpd line to the same tag, pid and text', () => {
  const cases = [
    { line: `Nov  1 09:05:17 vm postfix/smtpd[12574]: ${TEXT}`, format: 'rfc3164', host: 'vm' },
    { line: `2026-11-01T09:05:17.012345+00:00 vm postfix/smtpd[12574]: ${TEXT}`, format: 'rfc3339', host: 'vm' },
    { line: `Nov 01 09:05:17 mx postfix/smtpd[12574]: ${TEXT}`, format: 'postlogd', host: 'mx' },
  ];
  for (const c of cases) {
    const { frame } = new LogParser({ year: 2026 }).parse(c.line);
    assert.equal(frame.stampFormat, c.format, c.line);
    assert.equal(frame.host, c.host);
    assert.equal(frame.tag, 'postfix/smtpd');
    assert.equal(frame.syslogName, 'postfix');
    assert.equal(frame.program, 'smtpd');
    assert.equal(frame.pid, 12574);
    assert.equal(frame.severity, 'info');
    assert.equal(frame.text, TEXT);
  }
});

test('a traditional stamp is local time in the given year; an RFC 3339 stamp is exact with its offset', () => {
  const p = new LogParser({ year: 2026 });
  const local = p.parse(`Nov  1 09:05:17 vm postfix/smtpd[1]: ${TEXT}`).frame;
  assert.equal(local.time, new Date(2026, 10, 1, 9, 5, 17).getTime());
  assert.equal(local.date.getFullYear(), 2026);
  const exact = p.parse(`2026-11-29T09:05:17.012345+02:00 vm postfix/smtpd[1]: ${TEXT}`).frame;
  assert.equal(exact.date.toISOString(), '2026-11-29T07:05:17.012Z');
  assert.equal(exact.stamp, '2026-11-29T09:05:17.012345+02:00');
});

test('the year of traditional stamps moves on when the month wraps from December to January', () => {
  const p = new LogParser({ year: 2025 });
  const dec = p.parse(`Dec 31 23:59:59 vm postfix/qmgr[1]: ${TEXT}`).frame;
  const jan = p.parse(`Jan  1 00:00:01 vm postfix/qmgr[1]: ${TEXT}`).frame;
  assert.equal(dec.date.getFullYear(), 2025);
  assert.equal(jan.date.getFullYear(), 2026);
  assert.equal(jan.time - dec.time, 2000);
});

test('without a year, a month later than the reference date belongs to the year before (as pflogsumm)', () => {
  const p = new LogParser({ reference: new Date(2027, 0, 15) });
  assert.equal(p.parse(`Dec 30 10:00:00 vm postfix/qmgr[1]: ${TEXT}`).frame.date.getFullYear(), 2026);
  const q = new LogParser({ reference: new Date(2027, 0, 15) });
  assert.equal(q.parse(`Jan  3 10:00:00 vm postfix/qmgr[1]: ${TEXT}`).frame.date.getFullYear(), 2027);
});

test("journalctl's short-precise and short-iso stamps frame like syslog's", () => {
  const p = new LogParser({ year: 2026 });
  const precise = p.parse(`Nov 29 09:05:17.123456 vm postfix/smtpd[12574]: ${TEXT}`).frame;
  assert.equal(precise.stamp, 'Nov 29 09:05:17.123456');
  assert.equal(precise.time % 1000, 123);
  assert.equal(precise.pid, 12574);
  const iso = p.parse(`2026-11-29T09:05:17+0000 vm postfix/smtpd[12574]: ${TEXT}`).frame;
  assert.equal(iso.stampFormat, 'iso8601');
  assert.equal(iso.date.toISOString(), '2026-11-29T09:05:17.000Z');
  assert.equal(iso.text, TEXT);
});

test('the severity prefix is taken off the text: warning, error, fatal, panic', () => {
  const p = new LogParser({ year: 2026 });
  for (const severity of ['warning', 'error', 'fatal', 'panic'] as const) {
    const f = p.parse(`Nov 29 09:13:44 vm postfix/postqueue[19261]: ${severity}: something failed`).frame;
    assert.equal(f.severity, severity);
    assert.equal(f.text, 'something failed');
    assert.equal(f.program, 'postqueue');
  }
});

test('a multi-level syslog name keeps the service: postfix/submission/smtpd', () => {
  const f = new LogParser({ year: 2026 }).parse(
    'Nov 29 09:05:32 vm postfix/submission/smtpd[12976]: E9FB1160073: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=alice@mx.example.test',
  ).frame;
  assert.equal(f.syslogName, 'postfix/submission');
  assert.equal(f.program, 'smtpd');
  assert.equal(f.text.slice(0, 19), 'E9FB1160073: client');
});

test("a command's stderr line has a tag but no stamp, host or pid; journalctl's markers have no tag", () => {
  const p = new LogParser({ year: 2026 });
  const stderr = p.parse('postsuper: 0B963160014: placed on hold').frame;
  assert.equal(stderr.stampFormat, 'none');
  assert.ok(Number.isNaN(stderr.time));
  assert.equal(stderr.tag, 'postsuper');
  assert.equal(stderr.pid, null);
  assert.equal(stderr.text, '0B963160014: placed on hold');
  const marker = p.parse('-- Boot 5d0e6ae1a5ab4c4c8d2e3f0f0e9e5b1a --');
  assert.equal(marker.frame.tag, '');
  assert.equal(marker.event.kind, 'other');
});

test("Solaris' [ID nnn facility.level] insert is dropped from the text", () => {
  const f = new LogParser({ year: 2026 }).parse(
    'Nov 29 09:05:17 vm postfix/qmgr[12288]: [ID 197553 mail.info] DFC8A16044F: removed',
  );
  assert.equal(f.frame.text, 'DFC8A16044F: removed');
  assert.equal(f.event.kind, 'removed');
});
