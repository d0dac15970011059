/**
 * log_rotate: `postfix logrotate` for maillog_file: rename the file to
 * `$maillog_file.$suffix` (suffix = strftime of maillog_file_rotate_suffix),
 * let the writer reopen a fresh file, then compress the renamed one with
 * maillog_file_compressor. gzip runs in process (node:zlib); any other
 * compressor is run as `compressor file`, as the script does.
 *
 * Parameters: maillog_file, maillog_file_rotate_suffix, maillog_file_compressor
 * Diagnostics: rejects with postfix-script's texts (`not rotating '/dev/stdout'`,
 *   `empty 'maillog_file_compressor' parameter value - logfile rotation failed`,
 *   `logfile '/var/log/postfix.log' rotation failed: reason`)
 * Security: renames and writes only next to maillog_file; runs maillog_file_compressor
 *   without a shell
 * See: postfix/conf/postfix-script (logrotate)
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink, utimes } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { strerror } from '../global/strerror.ts';
import type { RotateResult } from './log_sink.ts';
import { strftime } from './log_time.ts';

export interface RotateRequest {
  readonly maillog_file: string;
  readonly maillog_file_rotate_suffix: string;
  readonly maillog_file_compressor: string;
  /** Mode of the compressed file (maillog_file_permissions). */
  readonly mode: number;
  readonly now: Date;
  /** Called right after the rename: the writer opens a new maillog_file. */
  readonly reopen: () => void;
}

/** Compresses `file` to `file.gz` as gzip(1) does: same mtime, original removed. */
async function gzipFile(file: string, mode: number): Promise<string> {
  const target = `${file}.gz`;
  const st = await stat(file);
  try {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(target, { flags: 'wx', mode }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(target).catch(() => undefined);
    throw err;
  }
  await utimes(target, st.atime, st.mtime);
  await unlink(file);
  return target;
}

function runCompressor(compressor: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(compressor, [file], (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(new Error(stderr.trim() || strerror(err)));
    });
  });
}

/** Rotates maillog_file; rejects with an Error whose message is postfix-script's fatal text. */
export async function rotateLogFile(req: RotateRequest): Promise<RotateResult> {
  for (const [name, value] of [
    ['maillog_file', req.maillog_file],
    ['maillog_file_compressor', req.maillog_file_compressor],
    ['maillog_file_rotate_suffix', req.maillog_file_rotate_suffix],
  ] as const) {
    if (value === '') throw new Error(`empty '${name}' parameter value - logfile rotation failed`);
  }
  if (req.maillog_file.startsWith('/dev/')) throw new Error(`not rotating '${req.maillog_file}'`);
  const renamed = `${req.maillog_file}.${strftime(req.maillog_file_rotate_suffix, req.now)}`;
  try {
    await rename(req.maillog_file, renamed);
    req.reopen();
    if (basename(req.maillog_file_compressor) === 'gzip') {
      return { renamed, compressed: await gzipFile(renamed, req.mode) };
    }
    await runCompressor(req.maillog_file_compressor, renamed);
    return { renamed, compressed: null };
  } catch (err) {
    throw new Error(`logfile '${req.maillog_file}' rotation failed: ${strerror(err)}`, { cause: err });
  }
}
