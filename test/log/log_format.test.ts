import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSyslogFacility, syslogPriority } from '../../src/log/log_facility.ts';
import { fileLine, logHost, logTag, recordHead, stderrLine, syslogDatagram } from '../../src/log/log_format.ts';
import { LOG_LEVELS } from '../../src/log/log_levels.ts';

test('logTag is $syslog_name/program, with -o syslog_name=postfix/submission giving postfix/submission/smtpd', () => {
  assert.equal(logTag('postfix', 'smtpd'), 'postfix/smtpd');
  assert.equal(logTag('postfix/submission', 'smtpd'), 'postfix/submission/smtpd');
  assert.equal(logTag('postfix', 'postfix-script'), 'postfix/postfix-script');
});

test('logTag keeps only the last path component of the program, as mail_task() does', () => {
  assert.equal(logTag('postfix', '/usr/libexec/postfix/qmgr'), 'postfix/qmgr');
});

test('logHost is the first label of myhostname', () => {
  assert.equal(logHost('mx.example.test'), 'mx');
  assert.equal(logHost('localhost'), 'localhost');
});

test('fileLine is postlogd\'s "Mon DD HH:MM:SS host tag[pid]: text" with one newline', () => {
  const line = fileLine(
    'Nov 29 09:11:02',
    'mx',
    `${recordHead('postfix/smtpd', 17499)}connect from localhost[127.0.0.1]`,
  );
  assert.equal(line, 'Nov 29 09:11:02 mx postfix/smtpd[17499]: connect from localhost[127.0.0.1]\n');
});

test('syslogDatagram is RFC 3164 "<PRI>Mmm dd hh:mm:ss tag[pid]: text" without host or newline', () => {
  const record = `${recordHead('postfix/qmgr', 12288)}${LOG_LEVELS.warning.prefix}saving corrupt file`;
  assert.equal(
    syslogDatagram(syslogPriority('mail', 'warning'), 'Nov  1 09:05:17', record),
    '<20>Nov  1 09:05:17 postfix/qmgr[12288]: warning: saving corrupt file',
  );
});

test('syslogPriority is facility * 8 + severity: info, warning, err, crit for fatal and panic', () => {
  assert.deepEqual(
    (['info', 'warning', 'error', 'fatal', 'panic'] as const).map((l) => syslogPriority('mail', l)),
    [22, 20, 19, 18, 18],
  );
  assert.equal(syslogPriority('local7', 'info'), 190);
  assert.equal(syslogPriority('kern', 'info'), 6);
});

test('parseSyslogFacility accepts the names Linux syslog knows and nothing else', () => {
  assert.equal(parseSyslogFacility('mail'), 'mail');
  assert.equal(parseSyslogFacility('local3'), 'local3');
  assert.equal(parseSyslogFacility('toString'), null);
  assert.equal(parseSyslogFacility('MAIL'), null);
  assert.equal(parseSyslogFacility('security'), null);
});

test('stderrLine is "program: text" as a command prints on a terminal', () => {
  assert.equal(stderrLine('postsuper', '', '0B963160014: placed on hold'), 'postsuper: 0B963160014: placed on hold\n');
  assert.equal(
    stderrLine('postmap', LOG_LEVELS.fatal.prefix, 'open x: No such file'),
    'postmap: fatal: open x: No such file\n',
  );
});
