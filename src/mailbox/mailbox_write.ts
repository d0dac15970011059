/**
 * mailbox_write: the two ways local and virtual store a message — appended
 * to an mbox file (dot-locked, opened without following symlinks, checked
 * to be a single-link regular file owned by the recipient, cut back to its
 * old length when the write fails or passes the size limit, fsync'ed), or
 * as a new Maildir file (written in tmp/, linked into new/ under Postfix's
 * name `SEC.VdevIinoMusec.HOST`). A job is plain data, so it can run in
 * this process or in a child that runs as the recipient (deliver_as_user).
 *
 * Diagnostics: failures come back as { dsn, text } with Postfix's texts
 *   (`cannot open file: ...`, `error writing message: File too large`,
 *   `create maildir file PATH: ...`); callers add their prefix
 * Security: O_NOFOLLOW and O_EXCL opens, owner and link-count checks; a
 *   size limit emulates Postfix's RLIMIT_FSIZE (affix cannot set one)
 * See: postfix/src/global/mbox_open.c, postfix/src/util/safe_open.c,
 *   postfix/src/global/mail_copy.c, postfix/src/local/maildir.c, postfix/src/local/mailbox.c
 */
import { constants } from 'node:fs';
import { type FileHandle, link, mkdir, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { type CopyAttrs, CopyBody, copyHeader, mboxDsn } from '../global/mail_copy.ts';
import { strerror } from '../global/strerror.ts';
import { type DotLockOptions, dotLockfile } from './dot_lockfile.ts';

/** CopyAttrs with the time as a number, so a job survives JSON. */
export type JobCopy = Omit<CopyAttrs, 'now'> & { readonly now: number };

export interface MboxJob {
  readonly kind: 'mbox';
  readonly path: string;
  readonly copy: JobCopy;
  /** Take a PATH.lock dot lock. */
  readonly dotlock: boolean;
  readonly lock: DotLockOptions;
  /** The file may not grow past this many bytes (0: no limit). */
  readonly sizeLimit: number;
  /** Refuse a file not owned by this uid (strict_mailbox_ownership), null: no check. */
  readonly ownerUid: number | null;
  /** Owner for a file we create, when it differs from the writing user. */
  readonly chown: { readonly uid: number; readonly gid: number } | null;
  /** Status for errors not covered by mbox_dsn(). */
  readonly defDsn: string;
}

export interface MaildirJob {
  readonly kind: 'maildir';
  /** The Maildir, ending in `/`. */
  readonly path: string;
  readonly copy: JobCopy;
}

export type MailboxJob = MboxJob | MaildirJob;

export type MailboxResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly dsn: string; readonly text: string; readonly code: string };

const fail = (dsn: string, text: string, code = 'EIO'): MailboxResult => ({ ok: false, dsn, text, code });

/** Copies header and content into `fh` from `offset` on; returns bytes written or an error. */
async function writeCopy(
  fh: FileHandle,
  offset: number,
  copy: JobCopy,
  content: Readable,
  sizeLimit: number,
): Promise<{ ok: true; written: number } | { ok: false; where: 'read' | 'write'; code: string; err: unknown }> {
  const body = new CopyBody(copy.flags);
  let position = offset;
  const put = async (buf: Buffer | string) => {
    const data = typeof buf === 'string' ? Buffer.from(buf) : buf;
    if (data.length === 0) return;
    if (sizeLimit > 0 && position + data.length > sizeLimit) {
      const err: NodeJS.ErrnoException = new Error('File too large');
      err.code = 'EFBIG';
      throw err;
    }
    await fh.write(data, 0, data.length, position);
    position += data.length;
  };
  try {
    await put(copyHeader({ ...copy, now: new Date(copy.now) }));
    const it = content[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await it.next();
      } catch (err) {
        return { ok: false, where: 'read', code: (err as NodeJS.ErrnoException).code ?? 'EIO', err };
      }
      if (next.done) break;
      await put(body.push(next.value));
    }
    await put(body.end());
    await fh.sync();
    return { ok: true, written: position - offset };
  } catch (err) {
    return { ok: false, where: 'write', code: (err as NodeJS.ErrnoException).code ?? 'EIO', err };
  }
}

/** The mail_copy() text and status for a failed copy. */
function copyFailure(r: { where: 'read' | 'write'; code: string; err: unknown }): MailboxResult {
  if (r.where === 'read') {
    const again = r.code === 'EAGAIN' || r.code === 'ESTALE';
    return fail(again ? '4.3.0' : '5.3.0', `error reading message: ${strerror(r.err)}`, r.code);
  }
  return fail(mboxDsn(r.code, '5.3.0'), `error writing message: ${strerror(r.err)}`, r.code);
}

/** safe_open() for appending: an existing single-link regular file, or a new one created exclusively. */
async function safeOpen(job: MboxJob): Promise<{ fh: FileHandle; uid: number } | MailboxResult> {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let fh: FileHandle;
  try {
    fh = await open(job.path, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ELOOP') return fail(mboxDsn(code, job.defDsn), 'file is a symbolic link', code);
    if (code !== 'ENOENT') return fail(mboxDsn(code, job.defDsn), `cannot open file: ${strerror(err)}`, code);
    try {
      fh = await open(job.path, flags | constants.O_CREAT | constants.O_EXCL, 0o600);
      if (job.chown !== null) await fh.chown(job.chown.uid, job.chown.gid);
    } catch (err2) {
      const code2 = (err2 as NodeJS.ErrnoException).code ?? 'EIO';
      return fail(mboxDsn(code2, job.defDsn), `cannot create file exclusively: ${strerror(err2)}`, code2);
    }
  }
  const st = await fh.stat();
  if (st.isDirectory()) {
    await fh.close();
    return fail(job.defDsn, 'file is a directory');
  }
  if (!st.isFile()) {
    await fh.close();
    return fail('5.2.0', `destination ${job.path} is not a regular file`);
  }
  if (st.nlink !== 1) {
    await fh.close();
    return fail(job.defDsn, `file has ${st.nlink} hard links`);
  }
  return { fh, uid: st.uid };
}

/** Appends one message to an mbox file. */
export async function appendMbox(job: MboxJob, content: Readable): Promise<MailboxResult> {
  let release: (() => Promise<void>) | null = null;
  if (job.dotlock) {
    const lock = await dotLockfile(job.path, job.lock);
    if (!lock.ok) return fail(mboxDsn(lock.code === 'EEXIST' ? 'EAGAIN' : lock.code, job.defDsn), lock.text, lock.code);
    release = lock.release;
  }
  try {
    const opened = await safeOpen(job);
    if ('ok' in opened) return opened;
    const { fh, uid } = opened;
    try {
      if (job.ownerUid !== null && uid !== job.ownerUid) {
        return fail('4.2.0', `destination ${job.path} is not owned by recipient`, 'EPERM');
      }
      const end = (await fh.stat()).size;
      const r = await writeCopy(fh, end, job.copy, content, job.sizeLimit);
      if (!r.ok) {
        await fh.truncate(end).catch(() => {});
        return copyFailure(r);
      }
      return { ok: true };
    } finally {
      await fh.close();
    }
  } finally {
    await release?.();
  }
}

/** Delivers one message into a Maildir (`path` ends in `/`). */
export async function deliverMaildir(job: MaildirJob, content: Readable): Promise<MailboxResult> {
  const nowMs = job.copy.now;
  const sec = Math.floor(nowMs / 1000);
  const usec = Math.floor((nowMs * 1000) % 1e6);
  const host = hostname();
  const tmpFile = `${job.path}tmp/${sec}.P${process.pid}.${host}`;
  const createFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let fh: FileHandle;
  try {
    try {
      fh = await open(tmpFile, createFlags, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(`${job.path}tmp`, { recursive: true, mode: 0o700 });
      fh = await open(tmpFile, createFlags, 0o600);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return fail(mboxDsn(code, '5.2.0'), `create maildir file ${tmpFile}: ${strerror(err)}`, code);
  }
  let result: MailboxResult = { ok: true };
  try {
    const st = await fh.stat({ bigint: true });
    const newFile = `${job.path}new/${sec}.V${st.dev.toString(16)}I${st.ino.toString(16)}M${usec}.${host}`;
    const r = await writeCopy(fh, 0, job.copy, content, 0);
    await fh.close();
    if (!r.ok) {
      result = copyFailure(r);
    } else {
      try {
        await link(tmpFile, newFile);
      } catch (err) {
        try {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          await mkdir(`${job.path}cur`, { recursive: true, mode: 0o700 });
          await mkdir(`${job.path}new`, { recursive: true, mode: 0o700 });
          await link(tmpFile, newFile);
        } catch (err2) {
          const code = (err2 as NodeJS.ErrnoException).code ?? 'EIO';
          result = fail(mboxDsn(code, '5.2.0'), `create maildir file ${newFile}: ${strerror(err2)}`, code);
        }
      }
    }
  } finally {
    await fh.close().catch(() => {});
    await unlink(tmpFile).catch(() => {});
  }
  return result;
}

/** Runs a job in this process. */
export function runMailboxJob(job: MailboxJob, content: Readable): Promise<MailboxResult> {
  return job.kind === 'mbox' ? appendMbox(job, content) : deliverMaildir(job, content);
}
