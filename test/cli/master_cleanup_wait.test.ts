/**
 * The cleanup service smtpd reaches through the master's service hub: a
 * MAIL that arrives while cleanup is still starting (daemon start-up,
 * reload) waits for it instead of getting a 451, and mail with no cleanup
 * running at all is refused with Postfix's `451 4.3.0`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CleanupService } from '../../src/cleanup/cleanup_service.ts';
import { ServiceHub } from '../../src/cli/master_programs.ts';
import { MailError } from '../../src/global/reply.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';

/** A cleanup that only counts the space checks it was asked for. */
function countingCleanup(): { service: CleanupService; checks: () => number } {
  let checks = 0;
  const service: CleanupService = {
    newQueueId: () => '4A1B2C3D4E' as QueueId,
    submit: () => Promise.reject(new Error('not used')),
    checkSpace: async () => {
      checks++;
    },
  };
  return { service, checks: () => checks };
}

test('the space check at MAIL waits for a cleanup that starts later, then asks it', async () => {
  const hub = new ServiceHub();
  const cleanup = hub.cleanupFor('cleanup');
  const counting = countingCleanup();
  let settled = false;
  const check = cleanup.checkSpace!().then(() => {
    settled = true;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(settled, false, 'MAIL is still waiting while no cleanup runs');
  hub.setCleanup('cleanup', counting.service);
  await check;
  assert.equal(counting.checks(), 1);
  assert.equal(cleanup.newQueueId(), '4A1B2C3D4E');
});

test('with no cleanup running, a queue ID or a message is refused with 451 4.3.0', async () => {
  const hub = new ServiceHub();
  const cleanup = hub.cleanupFor('cleanup');
  const isWriteError = (err: unknown) =>
    err instanceof MailError &&
    err.reply.code === 451 &&
    err.reply.dsn === '4.3.0' &&
    err.reply.text === 'Error: queue file write error';
  assert.throws(() => cleanup.newQueueId(), isWriteError);
  assert.throws(() => cleanup.submit({} as never, [] as never), isWriteError);
  // Once it stops again (a reload), the same answer.
  hub.setCleanup('cleanup', countingCleanup().service);
  hub.setCleanup('cleanup', null);
  assert.throws(() => cleanup.newQueueId(), isWriteError);
});
