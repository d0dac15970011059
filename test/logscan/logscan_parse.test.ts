/**
 * logscan_parse: every kind of line in the real Postfix 3.7 log
 * postfix-samples/maillog-loopback-experiment.log, parsed to its fields.
 * Each line is taken from the sample (the test fails if it is not there).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogEntry, LogEvent } from '../../src/logscan/logscan_event.ts';
import { LogParser } from '../../src/logscan/logscan_parse.ts';

const SAMPLE = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11', 'maillog-loopback-experiment.log');
const LINES = readFileSync(SAMPLE, 'utf8')
  .split('\n')
  .filter((l) => l !== '');

/** The first sample line that contains `text`, parsed. */
function sample(text: string): LogEntry {
  const line = LINES.find((l) => l.includes(text));
  assert.ok(line, `the sample has no line with ${text}`);
  return new LogParser({ year: 2026 }).parse(line);
}

function kind<K extends LogEvent['kind']>(entry: LogEntry, k: K): Extract<LogEvent, { kind: K }> {
  assert.equal(entry.event.kind, k, entry.frame.line);
  return entry.event as Extract<LogEvent, { kind: K }>;
}

test('smtpd connect, client= with SASL fields, and disconnect with its command statistics', () => {
  const c = kind(sample('smtpd[12574]: connect from good.example.test[127.0.0.8]'), 'connect');
  assert.deepEqual(c.client, {
    name: 'good.example.test',
    addr: '127.0.0.8',
    port: null,
    namaddr: 'good.example.test[127.0.0.8]',
  });
  const cl = kind(sample('E9FB1160073: client='), 'client');
  assert.equal(cl.queueId, 'E9FB1160073');
  assert.equal(cl.client.addr, '127.0.0.1');
  assert.deepEqual(cl.attrs, { sasl_method: 'PLAIN', sasl_username: 'alice@mx.example.test' });
  const d = kind(
    sample('disconnect from unknown[127.0.0.5] ehlo=1 rset=1 noop=1 vrfy=1 quit=1 unknown=0/1 commands=5/6'),
    'disconnect',
  );
  assert.deepEqual(
    d.commands.map((x) => `${x.command}=${x.ok}/${x.total}`),
    ['ehlo=1/1', 'rset=1/1', 'noop=1/1', 'vrfy=1/1', 'quit=1/1', 'unknown=0/1', 'commands=5/6'],
  );
  const empty = kind(sample('disconnect from unknown[127.0.0.5] commands=0/0'), 'disconnect');
  assert.deepEqual(empty.commands, [{ command: 'commands', ok: 0, total: 0 }]);
});

test('NOQUEUE reject at RCPT: stage, client, reply code, DSN, text and envelope', () => {
  const r = kind(sample('<someone@elsewhere.test>: Relay access denied'), 'smtpd_check');
  assert.equal(r.queueId, null);
  assert.equal(r.action, 'reject');
  assert.equal(r.stage, 'RCPT');
  assert.equal(r.client.namaddr, 'unknown[127.0.0.5]');
  assert.deepEqual(r.reply, { code: 554, dsn: '5.7.1', text: '<someone@elsewhere.test>: Relay access denied' });
  assert.deepEqual(r.envelope, {
    from: 'sender@example.org',
    to: 'someone@elsewhere.test',
    proto: 'ESMTP',
    helo: 'client.example.org',
  });
});

test('a reject whose reply contains semicolons (RBL) keeps the whole reply; CONNECT and MAIL stages', () => {
  const rbl = kind(sample('blocked using rbl.test; Listed by test RBL'), 'smtpd_check');
  assert.equal(
    rbl.text,
    'Service unavailable; Client host [127.0.0.9] blocked using rbl.test; Listed by test RBL, see http://rbl.test/lookup?ip=127.0.0.9',
  );
  assert.equal(rbl.envelope.to, 'carol@example.test');
  const connect = kind(sample('NOQUEUE: reject: CONNECT from unknown[127.0.0.6]'), 'smtpd_check');
  assert.equal(connect.stage, 'CONNECT');
  assert.equal(connect.reply?.code, 450);
  assert.equal(connect.reply?.dsn, '4.7.25');
  assert.deepEqual(connect.envelope, { from: null, to: null, proto: 'SMTP', helo: null });
  const mail = kind(sample('552 5.3.4 Message size exceeds fixed limit'), 'smtpd_check');
  assert.equal(mail.stage, 'MAIL');
  assert.equal(mail.envelope.to, null);
  assert.equal(mail.envelope.from, 'a@example.org');
});

test('hold, warn and discard without a reply code; a reject with a queue ID; END-OF-MESSAGE', () => {
  const hold = kind(sample('NOQUEUE: hold: RCPT'), 'smtpd_check');
  assert.equal(hold.action, 'hold');
  assert.equal(hold.reply, null);
  assert.equal(hold.text, '<hold@example.test>: Recipient address quarantine test');
  assert.equal(kind(sample('NOQUEUE: warn: RCPT'), 'smtpd_check').text, 'just a warning');
  assert.equal(kind(sample('NOQUEUE: discard: RCPT'), 'smtpd_check').action, 'discard');
  const withId = kind(sample('9CB97160023: reject: RCPT'), 'smtpd_check');
  assert.equal(withId.queueId, '9CB97160023');
  assert.equal(withId.reply?.code, 454);
  const eom = kind(sample('88B3E160007: reject: END-OF-MESSAGE'), 'smtpd_check');
  assert.equal(eom.stage, 'END-OF-MESSAGE');
  assert.equal(eom.text, 'bare <LF> received');
});

test('postscreen: its reject with commas in the envelope, and its verdicts', () => {
  const r = kind(sample('postscreen[16898]: NOQUEUE: reject: RCPT from [127.0.0.9]:49383'), 'smtpd_check');
  assert.deepEqual(r.client, { name: '', addr: '127.0.0.9', port: 49383, namaddr: '[127.0.0.9]:49383' });
  assert.deepEqual(r.envelope, { from: 'a@example.org', to: 'carol@example.test', proto: 'ESMTP', helo: 'c.example' });
  const pass = kind(sample('PASS NEW [127.0.0.12]:43003'), 'postscreen');
  assert.equal(pass.action, 'PASS NEW');
  assert.equal(pass.client?.addr, '127.0.0.12');
  assert.equal(kind(sample('PREGREET 23 after 0'), 'postscreen').action, 'PREGREET');
  assert.equal(kind(sample('DNSBL rank 2 for'), 'postscreen').client?.port, 49383);
});

test('cleanup: message-id (also empty), and header checks reject and hold with their text', () => {
  const id = kind(sample('DFC8A16044F: message-id='), 'message_id');
  assert.equal(id.messageId, '<20261129090517.012573@vm>');
  assert.equal(kind(sample('115E4160005: message-id='), 'message_id').messageId, '<>');
  const rej = kind(sample('A8E43160025: reject: header Subject'), 'content_check');
  assert.equal(rej.action, 'reject');
  assert.equal(rej.part, 'header');
  assert.equal(rej.content, 'Subject: this is forbidden stuff');
  assert.equal(rej.client, 'good.example.test[127.0.0.8]');
  assert.equal(rej.envelope.to, 'carol@example.test');
  assert.equal(rej.text, '5.7.1 forbidden subject');
  const hold = kind(sample('7E7B0160030: hold: header X-Test'), 'content_check');
  assert.equal(hold.action, 'hold');
  assert.equal(hold.text, 'held by header check');
});

test('qmgr: queue active with size and nrcpt, removed, expired and force-expired, bounce failed', () => {
  const a = kind(sample('9151F160009: from=<dave@example.test>, size=315, nrcpt=2'), 'queue_active');
  assert.deepEqual([a.queueId, a.from, a.size, a.nrcpt], ['9151F160009', 'dave@example.test', 315, 2]);
  assert.equal(kind(sample('5CA14160008: from=<>, size=2129'), 'queue_active').from, '');
  assert.equal(kind(sample('DFC8A16044F: removed'), 'removed').detail, null);
  const exp = kind(sample('8CA15160019: from=<dave@example.test>, status=expired'), 'expired');
  assert.equal(exp.forced, false);
  assert.equal(kind(sample('status=force-expired, returned to sender'), 'expired').forced, true);
  const st = kind(sample('74BD516001E: status=deferred (bounce failed)'), 'message_status');
  assert.deepEqual([st.status, st.text], ['deferred', 'bounce failed']);
});

test('delivery lines: relay, delay and delays, dsn, status and text; orig_to', () => {
  const d = kind(sample('976CC16003C: to=<carol@example.test>, orig_to=<carol>'), 'delivery');
  assert.equal(d.to, 'carol@example.test');
  assert.equal(d.origTo, 'carol');
  assert.equal(d.relay, 'local');
  assert.equal(d.delay, 0.02);
  assert.deepEqual(d.delays, { beforeQmgr: 0.02, inQmgr: 0, connSetup: 0, transmission: 0 });
  assert.equal(d.dsn, '2.0.0');
  assert.equal(d.status, 'sent');
  assert.equal(d.text, 'delivered to mailbox');
  assert.equal(d.fieldOrder, 'to orig_to relay delay delays dsn status');
  const deferred = kind(
    sample('F19A81600C3: to=<user@hang.test>, relay=127.0.0.1[127.0.0.1]:32527, delay=82'),
    'delivery',
  );
  assert.equal(deferred.status, 'deferred');
  assert.deepEqual(deferred.delays, { beforeQmgr: 72, inQmgr: 0.02, connSetup: 10, transmission: 0 });
  assert.equal(
    deferred.text,
    'conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server greeting',
  );
});

test("a remote server's reply is split out: host, code, DSN, text, command; a relay's queued-as ID", () => {
  const b = kind(sample('B37D2160008: to=<someone@reject.test>'), 'delivery');
  assert.equal(b.status, 'bounced');
  assert.deepEqual(b.remote, {
    host: '127.0.0.1[127.0.0.1]',
    reply: { code: 500, dsn: '5.3.0', text: 'Error: command failed' },
    text: 'Error: command failed',
    inReplyTo: 'RCPT TO',
  });
  const relayed = kind(sample('BB57C1600C3: to=<carol@loop.test>'), 'delivery');
  assert.equal(relayed.nextQueueId, 'C78A2160453');
  assert.equal(relayed.remote, null);
  const verify = kind(sample('1CA49160008: to=<nosuch@example.test>'), 'delivery');
  assert.equal(verify.status, 'undeliverable');
});

test('bounce notifications name the original and the new queue ID; pickup uid, from and orig_id', () => {
  const n = kind(sample('4F55D160005: sender non-delivery notification'), 'notification');
  assert.deepEqual(
    [n.queueId, n.notify, n.type, n.newQueueId],
    ['4F55D160005', 'sender', 'non-delivery', '5CA14160008'],
  );
  assert.equal(kind(sample('sender delay notification: 99BA7160018'), 'notification').type, 'delay');
  assert.equal(kind(sample('sender delivery status notification'), 'notification').type, 'delivery status');
  const p = kind(sample('BB9DE160005: uid=102 from=<dave@example.test> orig_id=F19A81600C3'), 'pickup');
  assert.deepEqual([p.uid, p.from, p.origQueueId], [102, 'dave@example.test', 'F19A81600C3']);
  assert.equal(kind(sample('86F33160024: uid=5002 from=<dave>'), 'pickup').from, 'dave');
});

test('postsuper: per-message actions and the summaries with their counts', () => {
  const hold = kind(sample('0B963160014: placed on hold'), 'postsuper');
  assert.deepEqual([hold.queueId, hold.action, hold.count], ['0B963160014', 'placed on hold', null]);
  const deleted = kind(sample('Deleted: 3 messages'), 'postsuper');
  assert.deepEqual([deleted.queueId, deleted.action, deleted.count], [null, 'Deleted', 3]);
  assert.equal(kind(sample('Placed on hold: 0 messages'), 'postsuper').count, 0);
  const removed = sample('postsuper[15052]: 0B963160014: removed');
  assert.equal(kind(removed, 'removed').queueId, '0B963160014');
  assert.equal(removed.frame.program, 'postsuper');
});

test('warnings, errors and fatal lines are diagnostics with their program, text and queue ID', () => {
  const w = sample('warning: 7912216001F: queue file size limit exceeded');
  assert.equal(kind(w, 'diagnostic').queueId, '7912216001F');
  assert.deepEqual(
    [w.frame.severity, w.frame.program, w.frame.text],
    ['warning', 'cleanup', '7912216001F: queue file size limit exceeded'],
  );
  const f = sample('fatal: Flush service is not configured');
  assert.equal(kind(f, 'diagnostic').queueId, null);
  assert.equal(f.frame.severity, 'fatal');
  assert.equal(f.frame.program, 'postqueue');
  assert.equal(sample('error: missing').frame.severity, 'error');
  assert.equal(sample('SASL LOGIN authentication failed').frame.severity, 'warning');
});

test('TLS lines in both directions, with trust, protocol and cipher', () => {
  const inbound = kind(sample('Anonymous TLS connection established from localhost'), 'tls');
  assert.deepEqual([inbound.trust, inbound.direction, inbound.peer], ['Anonymous', 'from', 'localhost[127.0.0.1]']);
  assert.deepEqual([inbound.protocol, inbound.cipher], ['TLSv1.3', 'TLS_AES_256_GCM_SHA384']);
  const outbound = kind(sample('Verified TLS connection established to'), 'tls');
  assert.deepEqual(
    [outbound.trust, outbound.direction, outbound.peer],
    ['Verified', 'to', '127.0.0.1[127.0.0.1]:30026'],
  );
  assert.match(outbound.details, /client-signature RSA-PSS/);
});

test('smtp connect failures, lost connections, master and postfix-script lines', () => {
  const cf = kind(sample('smtp[12914]: connect to 127.0.0.1[127.0.0.1]:32526: Connection refused'), 'connect_failure');
  assert.deepEqual([cf.peer.addr, cf.peer.port, cf.reason], ['127.0.0.1', 32526, 'Connection refused']);
  const lost = kind(sample('lost connection after EHLO from unknown[127.0.0.5]'), 'lost_connection');
  assert.deepEqual(
    [lost.what, lost.after, lost.bytes, lost.client.addr],
    ['lost connection', 'EHLO', null, '127.0.0.5'],
  );
  const started = kind(sample('daemon started -- version 3.7.11'), 'daemon');
  assert.deepEqual([started.action, started.version, started.detail], ['started', '3.7.11', '/etc/postfix']);
  assert.equal(kind(sample('reload -- version 3.7.11'), 'daemon').action, 'reload');
  assert.equal(kind(sample('terminating on signal 15'), 'daemon').action, 'terminating');
  assert.equal(kind(sample('refreshing the Postfix mail system'), 'daemon').action, 'refreshing');
  assert.equal(kind(sample('the Postfix mail system is running: PID: 11746'), 'daemon').action, 'running');
});

test('long queue IDs are recognised in every line of a message', () => {
  for (const text of [
    '4jchFw2qPlzBrJw: uid=5002',
    '4jchFw2qPlzBrJw: message-id=',
    '4jchFw2qPlzBrJw: from=<dave',
    '4jchFw2qPlzBrJw: to=<u9',
  ]) {
    assert.equal(sample(text).event.queueId, '4jchFw2qPlzBrJw', text);
  }
  assert.equal(kind(sample('4jchFw3Zl3zBrJv: client='), 'client').queueId, '4jchFw3Zl3zBrJv');
});

test('lines that are not Postfix events stay "other" with their text: anvil, EXPERIMENT markers, root', () => {
  for (const text of ['statistics: max cache size 4', 'EXPERIMENT: === maildir virtual alice ===', 'root: test line']) {
    const e = sample(text);
    assert.equal(e.event.kind, 'other', text);
    assert.ok(e.frame.line.includes(e.frame.text));
  }
});

test('every line of the sample parses, and the kinds add up to the line count', () => {
  const p = new LogParser({ year: 2026 });
  const counts = new Map<string, number>();
  for (const line of LINES) {
    const k = p.parse(line).event.kind;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  assert.equal(
    [...counts.values()].reduce((a, b) => a + b, 0),
    845,
  );
  assert.equal(counts.get('delivery'), 68);
  assert.equal(counts.get('queue_active'), 65);
  assert.equal(counts.get('connect'), counts.get('disconnect'));
  assert.ok((counts.get('other') ?? 0) <= 116, 'only anvil, scache, trivial-rewrite, markers and similar stay other');
});

/** A line in a form documented in postfix-compat.md section 4 that the 3.7 sample does not show. */
function documented(text: string): LogEntry {
  return new LogParser({ year: 2026 }).parse(`Nov 29 10:00:00 mx ${text}`);
}

test('forms of other versions and situations: 3.10 NOQUEUE lost connection, timeout with bytes, removed (canceled)', () => {
  const lost = kind(
    documented('postfix/smtpd[1]: NOQUEUE: lost connection after EHLO from unknown[192.0.2.9]'),
    'lost_connection',
  );
  assert.deepEqual([lost.queueId, lost.after], [null, 'EHLO']);
  const timeout = kind(
    documented('postfix/smtpd[1]: timeout after DATA (3 bytes) from unknown[192.0.2.9]'),
    'lost_connection',
  );
  assert.deepEqual([timeout.what, timeout.after, timeout.bytes], ['timeout', 'DATA', 3]);
  const canceled = kind(documented('postfix/cleanup[2]: 4A1B2C3D4E: removed (canceled)'), 'removed');
  assert.equal(canceled.detail, 'canceled');
});

test('milter-reject in cleanup, conn_use, local forwarding and a server refusing to talk', () => {
  const milter = kind(
    documented(
      'postfix/cleanup[3]: 4A1B2C3D4E: milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 Command rejected; from=<a@b.test> to=<c@d.test> proto=ESMTP helo=<x>',
    ),
    'content_check',
  );
  assert.deepEqual(
    [milter.action, milter.part, milter.client, milter.text],
    ['milter-reject', 'END-OF-MESSAGE', 'localhost[127.0.0.1]', '5.7.1 Command rejected'],
  );
  assert.equal(milter.envelope.to, 'c@d.test');
  const reused = kind(
    documented(
      'postfix/smtp[4]: 4A1B2C3D4E: to=<u@remote.test>, relay=mx.remote.test[192.0.2.1]:25, conn_use=2, delay=0.3, delays=0/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    ),
    'delivery',
  );
  assert.equal(reused.connUse, 2);
  assert.equal(reused.fieldOrder, 'to relay conn_use delay delays dsn status');
  const fwd = kind(
    documented(
      'postfix/local[5]: 4A1B2C3D4E: to=<carol@example.test>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (forwarded as 5B2C3D4E5F)',
    ),
    'delivery',
  );
  assert.equal(fwd.nextQueueId, '5B2C3D4E5F');
  const refused = kind(
    documented(
      'postfix/smtp[4]: 4A1B2C3D4E: to=<u@r.test>, relay=mx.r.test[192.0.2.1]:25, delay=1, delays=0/0/1/0, dsn=4.0.0, status=deferred (host mx.r.test[192.0.2.1] refused to talk to me: 421 4.7.0 Try again later)',
    ),
    'delivery',
  );
  assert.deepEqual(refused.remote?.reply, { code: 421, dsn: '4.7.0', text: 'Try again later' });
});
