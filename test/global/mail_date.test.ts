/**
 * mail_date: the RFC 5322 dates of the headers affix writes, in the process's
 * time zone, Postfix 3.7's blank-padded day, and the zone name right across
 * a daylight-saving change (the name is cached per hour and offset).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const MODULE = join(import.meta.dirname, '..', '..', 'src', 'global', 'mail_date.ts');

/** mailDate() of each instant, computed in one process running in time zone `tz`. */
function datesIn(tz: string, instants: readonly string[]): string[] {
  const script = `import { mailDate } from ${JSON.stringify(MODULE)};
for (const t of ${JSON.stringify(instants)}) console.log(mailDate(Date.parse(t)));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n');
}

test('mailDate prints local time, offset and zone name, days blank-padded as Postfix 3.7', () => {
  assert.deepEqual(datesIn('UTC', ['2026-12-04T09:05:17Z', '2026-11-29T23:59:59Z']), [
    'Fri,  4 Dec 2026 09:05:17 +0000 (UTC)',
    'Sun, 29 Nov 2026 23:59:59 +0000 (UTC)',
  ]);
});

test('the zone name follows a daylight-saving change within one process, even inside one UTC hour', () => {
  // New York leaves daylight time at 06:00 UTC on 1 Nov 2026: 01:59 EDT, then 01:00 EST.
  assert.deepEqual(datesIn('America/New_York', ['2026-11-01T05:59:00Z', '2026-11-01T06:00:00Z']), [
    'Sun,  1 Nov 2026 01:59:00 -0400 (EDT)',
    'Sun,  1 Nov 2026 01:00:00 -0500 (EST)',
  ]);
  // St. John's leaves it at 04:30 UTC: both instants fall in the same UTC hour.
  assert.deepEqual(datesIn('America/St_Johns', ['2026-11-01T04:15:00Z', '2026-11-01T04:45:00Z']), [
    'Sun,  1 Nov 2026 01:45:00 -0230 (GMT-2:30)',
    'Sun,  1 Nov 2026 01:15:00 -0330 (GMT-3:30)',
  ]);
});
