/**
 * log_fd_write: writes one log line to a file descriptor synchronously, so
 * a record is on disk (in the kernel) before the caller goes on, lines from
 * one process never interleave, and a crash loses nothing already logged.
 * With O_APPEND each write(2) lands whole at the end of the file.
 */
import { writeSync } from 'node:fs';

/** Spins allowed on EAGAIN (stdout may be a non-blocking pipe) before giving up. */
const EAGAIN_RETRIES = 100_000;

/** Writes all of `line` to `fd`; throws the system error when that fails. */
export function writeLineSync(fd: number, line: string): void {
  let written = writeOnce(fd, line);
  if (written === Buffer.byteLength(line)) return;
  // A short write (a full pipe, a signal): finish the same line from where it stopped.
  const bytes = Buffer.from(line, 'utf8');
  while (written < bytes.length) written += writeOnce(fd, bytes.subarray(written));
}

function writeOnce(fd: number, data: string | Uint8Array): number {
  for (let tries = 0; ; tries++) {
    try {
      return typeof data === 'string' ? writeSync(fd, data) : writeSync(fd, data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || tries >= EAGAIN_RETRIES) throw err;
    }
  }
}
