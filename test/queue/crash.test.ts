/**
 * One short repetition of bench/queue/crash.ts: smtp-source into affix's
 * smtpd, relayed to smtp-sink, the daemon killed with SIGKILL mid-run,
 * restarted and flushed: no message that got a 250 may be missing at the
 * sink. (The benchmark repeats this at least five times and reports the
 * duplicates.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crashOnce } from '../../bench/queue/crash.ts';
import { missingPrograms } from '../peers/programs.ts';

test('after a SIGKILL mid-run, every message acknowledged with 250 reaches the sink once affix is restarted', async (t) => {
  const missing = missingPrograms(['smtp-source', 'smtp-sink']);
  if (missing !== undefined) return t.skip(missing);
  const r = await crashOnce({ messages: 20_000, sessions: 20, size: 4096, killAfter: 2500, drainTimeout: 120_000 });
  assert.ok(r.acked > 0, 'smtp-source got some 250s before the kill');
  assert.deepEqual(r.lost, [], `acknowledged ${r.acked}, at the sink ${r.delivered}`);
  assert.equal(r.leftInQueue, 0);
  assert.ok(r.delivered >= r.acked);
});
