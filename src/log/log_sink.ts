/**
 * log_sink: where log records go. A Log formats each record once and hands
 * it to one LogSink (a file, stdout, syslog, or memory in tests); Logs for
 * other programs share their sink. teeSink sends records to several.
 */
import type { LogLevel } from './log_levels.ts';

/** One log record, already made printable and cut to the record limit. */
export interface LogRecord {
  readonly level: LogLevel;
  /** `postfix/smtpd` */
  readonly tag: string;
  readonly pid: number;
  /** The text without the severity prefix. */
  readonly text: string;
  /** `postfix/smtpd[12574]: warning: text`, what every sink writes after its own stamp. */
  readonly line: string;
}

/** What a rotation did: the renamed file, and its compressed name when known. */
export interface RotateResult {
  /** `$maillog_file.$suffix`, the file as renamed. */
  readonly renamed: string;
  /** The compressed file (`….gz`), or null when an external compressor chose the name. */
  readonly compressed: string | null;
}

export interface LogSink {
  /** Writes one record. Never throws: a failed write is reported, not raised. */
  write(record: LogRecord): void;
  /** Reopens the output (after an outside tool renamed the file). */
  reopen(): void;
  /**
   * Renames and compresses the file as `postfix logrotate` does, and goes on
   * in a new file. Rejects with Postfix's text when this sink cannot rotate.
   */
  rotate(): Promise<RotateResult>;
  /** Flushes and releases the output; later writes are dropped. */
  close(): Promise<void>;
}

/** A sink that writes each record to all of `sinks` (e.g. a file and a MemorySink in tests). */
export function teeSink(...sinks: readonly LogSink[]): LogSink {
  const [first] = sinks;
  return {
    write(record) {
      for (const s of sinks) s.write(record);
    },
    reopen() {
      for (const s of sinks) s.reopen();
    },
    rotate() {
      // The first sink is the one that owns a file; the others have nothing to rotate.
      return first === undefined ? Promise.reject(new Error('no log sink to rotate')) : first.rotate();
    },
    async close() {
      await Promise.all(sinks.map((s) => s.close()));
    },
  };
}
