/**
 * logscan_follow: follows a growing log file like `tail -F`: first its last
 * lines, then each line as it is written, surviving rotation (the name now
 * points to a new file: the old one is read to its end first, then the new
 * one from its start), truncation (copytruncate: read again from 0) and the
 * file being absent for a while. Polls, as tail does without inotify: at
 * most `intervalMs` late, and it works on every file system.
 *
 * Diagnostics: read errors other than a missing file reject
 */
import { type FileHandle, open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FollowOptions {
  /** Ends the follow (the generator returns). */
  readonly signal: AbortSignal;
  /** How often to look for new lines (default 250 ms). */
  readonly intervalMs?: number;
  /** How many existing lines to show first (default 10, as tail). */
  readonly initialLines?: number;
}

interface Open {
  readonly handle: FileHandle;
  readonly ino: number;
  readonly dev: number;
  position: number;
}

async function openLog(path: string): Promise<Open | null> {
  try {
    const handle = await open(path, 'r');
    const st = await handle.stat();
    return { handle, ino: st.ino, dev: st.dev, position: 0 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Where the last `n` lines of the file start (reads at most 1 MiB back). */
async function lastLinesStart(f: Open, size: number, n: number): Promise<number> {
  if (n <= 0) return size;
  const span = Math.min(size, 1 << 20);
  const buf = Buffer.alloc(span);
  await f.handle.read(buf, 0, span, size - span);
  let end = span;
  if (end > 0 && buf[end - 1] === 10) end--;
  let seen = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (buf[i] === 10 && ++seen === n) return size - span + i + 1;
  }
  return size - span;
}

/** Lines of `path` as they are written, one array per poll that found some. */
export async function* followLines(path: string, options: FollowOptions): AsyncGenerator<string[]> {
  const interval = options.intervalMs ?? 250;
  const buf = Buffer.alloc(1 << 16);
  let decoder = new StringDecoder('utf8');
  let carry = '';
  let file = await openLog(path);
  if (file !== null)
    file.position = await lastLinesStart(file, (await file.handle.stat()).size, options.initialLines ?? 10);
  try {
    while (!options.signal.aborted) {
      const lines: string[] = [];
      /** Reads what is new in the open file. */
      const drain = async (f: Open) => {
        for (;;) {
          const { bytesRead } = await f.handle.read(buf, 0, buf.length, f.position);
          if (bytesRead === 0) return;
          f.position += bytesRead;
          const parts = (carry + decoder.write(buf.subarray(0, bytesRead))).split('\n');
          carry = parts.pop() ?? '';
          for (const p of parts) lines.push(p);
        }
      };
      if (file !== null) {
        await drain(file);
        const now = await stat(path).catch(() => null);
        if (now !== null && (now.ino !== file.ino || now.dev !== file.dev)) {
          // rotated: read the old file to its end (its writer may have added a last line), then the new one
          await drain(file);
          if (carry !== '') lines.push(carry);
          carry = '';
          decoder = new StringDecoder('utf8');
          await file.handle.close();
          file = await openLog(path);
          if (lines.length > 0) yield lines;
          continue;
        }
        if (now !== null && now.size < file.position) file.position = 0; // truncated in place
      } else {
        file = await openLog(path);
        if (file !== null) continue;
      }
      if (lines.length > 0) yield lines;
      try {
        await sleep(interval, undefined, { signal: options.signal });
      } catch {
        return;
      }
    }
  } finally {
    await file?.handle.close();
  }
}
