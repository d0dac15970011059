/**
 * log_stdout_sink: maillog_file = /dev/stdout, for containers: the same
 * lines as maillog_file (`Nov 01 09:05:17 mx postfix/smtpd[12574]: text`),
 * each written to file descriptor 1 with one synchronous write.
 *
 * Parameters: maillog_file (= /dev/stdout), myhostname
 * Diagnostics: rotate() rejects with `not rotating '/dev/stdout'`, as postfix-script does
 * See: postfix/src/postlogd/postlogd.c, postfix/conf/postfix-script (logrotate)
 */
import { writeLineSync } from './log_fd_write.ts';
import { fileLine, logHost } from './log_format.ts';
import type { LogRecord, LogSink, RotateResult } from './log_sink.ts';
import { fileStamp, StampCache } from './log_time.ts';

export interface StdoutSinkOptions {
  readonly myhostname: string;
  readonly clock?: () => number;
  /** The descriptor written to; 1 unless a test passes another. */
  readonly fd?: number;
}

export class StdoutSink implements LogSink {
  readonly #host: string;
  readonly #clock: () => number;
  readonly #fd: number;
  readonly #stamps = new StampCache(fileStamp);
  #closed = false;

  constructor(options: StdoutSinkOptions) {
    this.#host = logHost(options.myhostname);
    this.#clock = options.clock ?? Date.now;
    this.#fd = options.fd ?? 1;
  }

  write(record: LogRecord): void {
    if (this.#closed) return;
    try {
      writeLineSync(this.#fd, fileLine(this.#stamps.at(this.#clock()), this.#host, record.line));
    } catch {
      // stdout is gone (EPIPE): there is nowhere to report that.
    }
  }

  reopen(): void {}

  rotate(): Promise<RotateResult> {
    return Promise.reject(new Error("not rotating '/dev/stdout'"));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
