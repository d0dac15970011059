import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileStamp, StampCache, strftime, syslogStamp } from '../../src/log/log_time.ts';
import { NOV_01 } from './log_fixtures.ts';

test('fileStamp zero-pads the day, as postlogd\'s "%b %d %H:%M:%S"', () => {
  assert.equal(fileStamp(new Date(NOV_01)), 'Nov 01 09:05:17');
  assert.equal(fileStamp(new Date(2026, 0, 31, 23, 59, 5)), 'Jan 31 23:59:05');
});

test('syslogStamp space-pads the day, as RFC 3164 and syslog(3)', () => {
  assert.equal(syslogStamp(new Date(NOV_01)), 'Nov  1 09:05:17');
  assert.equal(syslogStamp(new Date(2026, 11, 25, 0, 0, 0)), 'Dec 25 00:00:00');
});

test('strftime formats the default maillog_file_rotate_suffix %Y%m%d-%H%M%S', () => {
  assert.equal(strftime('%Y%m%d-%H%M%S', new Date(NOV_01)), '20261101-090517');
});

test('strftime knows the common conversions and keeps unknown ones as written', () => {
  const d = new Date(2026, 10, 1, 21, 5, 7);
  assert.equal(
    strftime('%a %A %b %B %d %e %H %I %j %m %M %p %S %y %F %T %%', d),
    'Sun Sunday Nov November 01  1 21 09 305 11 05 PM 07 26 2026-11-01 21:05:07 %',
  );
  assert.equal(strftime('%Q-%', d), '%Q-%');
});

test('StampCache formats once per second and follows the clock', () => {
  let calls = 0;
  const cache = new StampCache((d) => {
    calls++;
    return fileStamp(d);
  });
  assert.equal(cache.at(NOV_01), 'Nov 01 09:05:17');
  assert.equal(cache.at(NOV_01 + 999), 'Nov 01 09:05:17');
  assert.equal(calls, 1);
  assert.equal(cache.at(NOV_01 + 1000), 'Nov 01 09:05:18');
  assert.equal(calls, 2);
});
