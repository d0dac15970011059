/**
 * log_file_sink: writes records to maillog_file as postlogd does:
 * `Nov 01 09:05:17 mx postfix/smtpd[12574]: text`, with synchronous write(2)s
 * on an O_APPEND descriptor, so lines never interleave: one per line, or,
 * for a daemon (`batch`), the informational lines of one turn of the event
 * loop together in one write — a system call per line cost more than the
 * mail itself under load. A warning, error, fatal or panic line is always
 * written at once, with everything before it; a crash of a batching daemon
 * can lose at most the informational lines of the current turn.
 * Rotates like `postfix logrotate`.
 *
 * Parameters: maillog_file, maillog_file_permissions, maillog_file_rotate_suffix,
 *   maillog_file_compressor, myhostname
 * Diagnostics: the constructor throws FatalError `open logfile '…': reason`; a failed
 *   write is reported once per failure streak to onWriteError, never thrown
 * Security: opens maillog_file only through safeOpenAppend (no hard links, no symlinks)
 * See: postfix/src/postlogd/postlogd.c, postfix/src/util/logwriter.c,
 *      postfix/src/util/msg_logger.c
 */
import { closeSync } from 'node:fs';
import { strerror } from '../global/strerror.ts';
import { FatalError } from './log_errors.ts';
import { writeLineSync } from './log_fd_write.ts';
import { fileLine, logHost } from './log_format.ts';
import { rotateLogFile } from './log_rotate.ts';
import { safeOpenAppend } from './log_safe_open.ts';
import type { LogRecord, LogSink, RotateResult } from './log_sink.ts';
import { fileStamp, StampCache } from './log_time.ts';

export interface FileSinkOptions {
  readonly maillog_file: string;
  readonly myhostname: string;
  /** Create mode, from maillog_file_permissions (parseLogfilePermissions); default 0600. */
  readonly mode?: number;
  readonly maillog_file_rotate_suffix?: string;
  readonly maillog_file_compressor?: string;
  /** Milliseconds since the epoch; tests fix it. */
  readonly clock?: () => number;
  /** Told when a write fails (disk full ...); default: a line on the process's stderr. */
  readonly onWriteError?: (text: string) => void;
  /** Write informational lines once per turn of the event loop (daemons), not one by one. */
  readonly batch?: boolean;
}

function stderrReport(text: string): void {
  try {
    writeLineSync(2, `${text}\n`);
  } catch {
    // Nowhere left to report to.
  }
}

export class FileSink implements LogSink {
  readonly maillog_file: string;
  readonly #host: string;
  readonly #mode: number;
  readonly #suffix: string;
  readonly #compressor: string;
  readonly #clock: () => number;
  readonly #onWriteError: (text: string) => void;
  readonly #batch: boolean;
  readonly #stamps = new StampCache(fileStamp);
  #fd: number | null;
  #failing = false;
  /** Lines waiting for the end of this turn of the event loop, and their tag for error reports. */
  #pending: string[] = [];
  #pendingTag = '';
  #flushScheduled = false;

  constructor(options: FileSinkOptions) {
    this.maillog_file = options.maillog_file;
    this.#host = logHost(options.myhostname);
    this.#mode = options.mode ?? 0o600;
    this.#suffix = options.maillog_file_rotate_suffix ?? '%Y%m%d-%H%M%S';
    this.#compressor = options.maillog_file_compressor ?? 'gzip';
    this.#clock = options.clock ?? Date.now;
    this.#onWriteError = options.onWriteError ?? stderrReport;
    this.#batch = options.batch ?? false;
    this.#fd = this.#open();
  }

  #open(): number {
    try {
      return safeOpenAppend(this.maillog_file, this.#mode);
    } catch (err) {
      throw new FatalError(`open logfile '${this.maillog_file}': ${strerror(err)}`, { cause: err });
    }
  }

  write(record: LogRecord): void {
    if (this.#fd === null) return;
    this.#pending.push(fileLine(this.#stamps.at(this.#clock()), this.#host, record.line));
    this.#pendingTag = record.tag;
    if (!this.#batch || record.level !== 'info') {
      this.flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes the lines of this turn now. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#fd === null || this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    try {
      writeLineSync(this.#fd, text);
      this.#failing = false;
    } catch (err) {
      if (!this.#failing)
        this.#onWriteError(
          `${this.#pendingTag}: warning: logfile '${this.maillog_file}' write error: ${strerror(err)}`,
        );
      this.#failing = true;
    }
  }

  /** Opens maillog_file again (a new file after a rename); throws FatalError when it cannot. */
  reopen(): void {
    if (this.#fd === null) return;
    this.flush();
    const fd = this.#open();
    closeSync(this.#fd);
    this.#fd = fd;
  }

  rotate(): Promise<RotateResult> {
    if (this.#fd === null) return Promise.reject(new Error(`logfile '${this.maillog_file}' is closed`));
    this.flush();
    return rotateLogFile({
      maillog_file: this.maillog_file,
      maillog_file_rotate_suffix: this.#suffix,
      maillog_file_compressor: this.#compressor,
      mode: this.#mode,
      now: new Date(this.#clock()),
      reopen: () => this.reopen(),
    });
  }

  async close(): Promise<void> {
    if (this.#fd === null) return;
    this.flush();
    const fd = this.#fd;
    this.#fd = null;
    closeSync(fd);
  }
}
