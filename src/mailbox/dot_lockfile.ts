/**
 * dot_lockfile: the `PATH.lock` convention mail readers (mutt, bsd-mailx,
 * Dovecot) share for mbox files: create the lock file exclusively, retry
 * deliver_lock_attempts times deliver_lock_delay apart, remove a lock older
 * than stale_lock_time, and remove our lock when done. Node has no fcntl()
 * or flock() locks, so this is the lock affix takes on every mbox it
 * writes (mailbox_delivery_lock and virtual_mailbox_lock name it `dotlock`).
 *
 * Parameters: deliver_lock_attempts, deliver_lock_delay, stale_lock_time (values passed in)
 * Security: the lock file is created with O_EXCL and mode 0, never opened for reading
 * See: postfix/src/global/dot_lockfile.c
 */
import { constants } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { strerror } from '../global/strerror.ts';

export interface DotLockOptions {
  readonly deliver_lock_attempts: number;
  /** Seconds between attempts. */
  readonly deliver_lock_delay: number;
  /** Seconds after which somebody else's lock is removed. */
  readonly stale_lock_time: number;
}

export type DotLockResult =
  | { readonly ok: true; readonly release: () => Promise<void> }
  | { readonly ok: false; readonly code: string; readonly text: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** dot_lockfile(): locks `path` by creating `path.lock`. */
export async function dotLockfile(path: string, o: DotLockOptions): Promise<DotLockResult> {
  const lockFile = `${path}.lock`;
  let lastError: NodeJS.ErrnoException | null = null;
  for (let count = 1; ; count++) {
    try {
      const fh = await open(lockFile, constants.O_WRONLY | constants.O_EXCL | constants.O_CREAT, 0);
      await fh.close();
      return { ok: true, release: () => unlink(lockFile).catch(() => {}) };
    } catch (err) {
      lastError = err as NodeJS.ErrnoException;
    }
    if (count >= o.deliver_lock_attempts || lastError.code !== 'EEXIST') break;
    try {
      const st = await stat(lockFile);
      if (Date.now() / 1000 > st.ctimeMs / 1000 + o.stale_lock_time) await unlink(lockFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') break;
    }
    // rand_sleep(delay, delay/2): between half and one and a half times the delay.
    await sleep(o.deliver_lock_delay * 1000 * (0.5 + Math.random()));
  }
  return {
    ok: false,
    code: lastError?.code ?? 'EIO',
    text: `unable to create lock file ${lockFile}: ${strerror(lastError)}`,
  };
}
