/**
 * queue_fs_io: file helpers of the file store (queue_fs_store.ts): writing
 * every byte (a short write is retried, so it ends in the real error,
 * ENOSPC), synchronously or through a FileHandle; reading a byte range
 * synchronously; and unlink (asynchronous or not) or close that tolerate what the caller does
 * not care about.
 *
 * Diagnostics: errors are the system's (code ENOSPC, ENOENT ...)
 * See: queue_fs_store.ts (which calls are synchronous, and why)
 */
import { closeSync, openSync, readSync, unlinkSync, writevSync } from 'node:fs';
import { type FileHandle, unlink } from 'node:fs/promises';

/**
 * Writes every byte of `buffers`, in order. write(2) may write less than
 * asked (a disk that fills up does that, without an error), and Node
 * reports it only in bytesWritten: the rest is written again, which then
 * fails with the real error (ENOSPC), so a short write can never pass for
 * a complete file.
 */
export async function writeAll(file: FileHandle, buffers: readonly Buffer[]): Promise<void> {
  let pending = buffers.filter((b) => b.length > 0);
  while (pending.length > 0) pending = unwritten(pending, (await file.writev(pending)).bytesWritten);
}

/**
 * What is left of `pending` after a write of `bytesWritten` bytes; a write
 * that wrote nothing with bytes left is the disk refusing more (ENOSPC).
 */
function unwritten(pending: readonly Buffer[], bytesWritten: number): Buffer[] {
  let done = bytesWritten;
  const rest: Buffer[] = [];
  for (const b of pending) {
    if (done >= b.length) done -= b.length;
    else {
      rest.push(b.subarray(done));
      done = 0;
    }
  }
  if (bytesWritten === 0 && rest.length > 0) {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
  return rest;
}

/** Up to `length` bytes of `path` from `offset` (fewer at end of file), read synchronously. */
export function readRange(path: string, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * writeAll() with synchronous writes, for a descriptor (same short-write
 * rule): at the file's offset, or at `position` when given.
 */
export function writeAllSync(fd: number, buffers: readonly Buffer[], position?: number): void {
  let pending = buffers.filter((b) => b.length > 0);
  let at = position;
  while (pending.length > 0) {
    const n = writevSync(fd, pending, at);
    if (at !== undefined) at += n;
    pending = unwritten(pending, n);
  }
}

/** close() on a path that is already failing: the first error is the one reported. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // ignored, see above
  }
}

/** unlink() that does not mind a missing file; cheaper than rm({ force: true }), which stats first. */
export async function unlinkIfThere(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** unlinkIfThere(), synchronous: for the file store's removals on the delivery path (see queue_fs_store.ts). */
export function unlinkIfThereSync(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
