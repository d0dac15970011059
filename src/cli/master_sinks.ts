/**
 * master_sinks: one log sink per log destination, shared by the master and
 * all the services of its process, so records never interleave mid-line and
 * one `postfix logrotate` reopens the file for everybody. smtpd worker
 * processes (master_worker.ts) keep their own set and reopen on the master's word.
 */
import type { Config } from '../config/config.ts';
import { ensureLogDirectory, logOptionsFromConfig } from '../config/config_log.ts';
import { createLogSink } from '../log/log.ts';
import type { LogSink } from '../log/log_sink.ts';

export class SharedSinks {
  readonly #sinks = new Map<string, { sink: LogSink; file: string }>();

  sinkFor(config: Config): LogSink {
    const o = logOptionsFromConfig(config, 'master');
    const key = `${o.maillog_file}\0${o.syslog_facility}\0${o.myhostname}`;
    let entry = this.#sinks.get(key);
    if (entry === undefined) {
      ensureLogDirectory(config);
      entry = { sink: createLogSink({ ...o, batch: true }), file: o.maillog_file ?? '' };
      this.#sinks.set(key, entry);
    }
    return entry.sink;
  }

  /** Rotates every log file (not syslog, not /dev/stdout). */
  async rotate(): Promise<string[]> {
    const renamed: string[] = [];
    for (const { sink, file } of this.#sinks.values()) {
      if (rotatable(file)) renamed.push((await sink.rotate()).renamed);
    }
    return renamed;
  }

  /** Opens every log file again: another process has just rotated them. */
  reopen(): void {
    for (const { sink, file } of this.#sinks.values()) if (rotatable(file)) sink.reopen();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sinks.values()].map((e) => e.sink.close()));
    this.#sinks.clear();
  }
}

function rotatable(file: string): boolean {
  return file !== '' && !file.startsWith('/dev/');
}
