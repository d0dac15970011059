/**
 * postqueue_tool: what the queue commands (postqueue, postsuper, postcat,
 * sendmail, mailq) share: reading main.cf as `-c DIR` or MAIL_CONFIG say,
 * their Log (to the mail log and echoed on stderr, as Postfix commands
 * report), the queue of queue_directory as a QueueStore, whether the daemon
 * runs and a request to it over the control socket, and a standard output
 * that waits when the reader is slow and goes quiet when it has gone away
 * (`mailq | head`), so a listing of any length never piles up in memory.
 *
 * Parameters: queue_directory, hash_queue_names, hash_queue_depth,
 *   enable_long_queue_ids, process_id_directory, data_directory
 * Security: reads main.cf from the directory the caller names, as Postfix's
 *   commands run by root do; builds queue paths from QueueIds only
 */
import { resolve } from 'node:path';
import { type Config, readConfigFull } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { logFromConfig } from '../config/config_log.ts';
import type { Log } from '../log/log.ts';
import { FatalError } from '../log/log_errors.ts';
import type { LogSink } from '../log/log_sink.ts';
import { FsQueueStore } from '../queue/queue_fs_store.ts';
import type { CliIo, CliMessages } from './cli_io.ts';
import { controlRequest, controlSocketPath } from './master_control.ts';
import { pidFiles, runningPid } from './master_pidfile.ts';

/** main.cf (and master.cf when present) for a queue command; a config error is fatal with `status`. */
export async function readToolConfig(
  io: CliIo,
  msg: CliMessages,
  program: string,
  optionC: string | undefined,
  status: number,
): Promise<Config> {
  try {
    const { config } = await readConfigFull({ optionC, env: io.env, cwd: io.cwd, processName: program });
    return config;
  } catch (err) {
    if (err instanceof ConfigError) return msg.fatal(err.message, status);
    throw err;
  }
}

/**
 * The command's Log: records go to the mail log and are echoed on stderr
 * as `program: text`. When the mail log cannot be opened, stderr only.
 */
export function toolLog(config: Config, program: string, io: CliIo): Log {
  try {
    return logFromConfig(config, program, { stderr: io.stderr });
  } catch (err) {
    if (!(err instanceof FatalError)) throw err;
    return logFromConfig(config, program, { stderr: io.stderr, sink: NULL_SINK });
  }
}

/** Records nowhere: the echo on stderr is all a command without a usable mail log has. */
const NULL_SINK: LogSink = {
  write: () => undefined,
  reopen: () => undefined,
  rotate: () => Promise.reject(new Error('no mail log')),
  close: async () => undefined,
};

/**
 * The queue of `config` (its directories are not created: a tool only reads
 * and moves). A tool that removes messages passes `commitLog`: 'replay' with
 * the daemon stopped (the daemon's log first brought to the queue),
 * 'append' with it running (its removals logged beside the daemon's).
 */
export function toolStore(config: Config, cwd: string, commitLog?: 'replay' | 'append'): FsQueueStore {
  const p = config.params;
  return new FsQueueStore({
    queue_directory: resolve(cwd, p.queue_directory),
    hash_queue_names: p.hash_queue_names,
    hash_queue_depth: p.hash_queue_depth,
    enable_long_queue_ids: p.enable_long_queue_ids,
    ...(commitLog === undefined ? {} : { commitLog }),
  });
}

/** The pid of the master daemon of `config`, or null when none runs. */
export function daemonPid(config: Config): number | null {
  const p = config.params;
  return runningPid(pidFiles(p.queue_directory, p.process_id_directory, p.data_directory));
}

/** One request on the daemon's control socket; null when no daemon answers. */
export async function daemonRequest(
  config: Config,
  request: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<Record<string, unknown> | null> {
  try {
    return await controlRequest(controlSocketPath(config.params.queue_directory), request, timeoutMs);
  } catch {
    return null;
  }
}

/** Standard output for long listings: batched, waits for a slow reader, silent after EPIPE. */
export class ToolOutput {
  readonly #io: CliIo;
  #buffer = '';
  #broken = false;

  constructor(io: CliIo) {
    this.#io = io;
    const out = io.stdout as Partial<NodeJS.WritableStream>;
    out.on?.('error', () => {
      this.#broken = true;
    });
  }

  /** True once the reader went away: stop producing. */
  get broken(): boolean {
    return this.#broken;
  }

  async write(text: string): Promise<void> {
    this.#buffer += text;
    if (this.#buffer.length >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    const text = this.#buffer;
    this.#buffer = '';
    if (text === '' || this.#broken) return;
    const out = this.#io.stdout as Partial<NodeJS.WritableStream> & { write(t: string): unknown };
    if (out.write(text) === false && typeof out.once === 'function' && typeof out.off === 'function') {
      await new Promise<void>((ok) => {
        const done = () => {
          out.off?.('drain', done);
          out.off?.('error', done);
          out.off?.('close', done);
          ok();
        };
        out.once?.('drain', done);
        out.once?.('error', done);
        out.once?.('close', done);
      });
    }
  }
}
