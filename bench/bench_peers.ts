/**
 * bench_peers: what the MTA benchmarks share — Postfix's smtp-source as the
 * load, smtp-sink as the far end with its running counter, waiting for a
 * port to listen, and counting the files left in a queue. Each bench keeps
 * only what it measures; the programs it drives are started here alike.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../test/peers/postfix_instance.ts';
import { findProgram } from '../test/peers/programs.ts';

export interface SmtpSourceOptions {
  readonly port: number;
  readonly sessions: number;
  readonly messages: number;
  /** Message size in bytes (smtp-source -l). */
  readonly size: number;
  /** The recipient (smtp-source -t). */
  readonly to: string;
  /** When the clock started (process.hrtime.bigint()); default: now. */
  readonly started?: bigint;
}

/** Runs smtp-source; resolves with seconds taken and the messages acknowledged (its -c counter). */
export function smtpSource(o: SmtpSourceOptions): Promise<{ seconds: number; acked: number }> {
  const args = ['-4', '-c', '-s', String(o.sessions), '-m', String(o.messages), '-l', String(o.size)];
  args.push('-f', 'bench@example.org', '-t', o.to, `127.0.0.1:${o.port}`);
  const started = o.started ?? process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(findProgram('smtp-source')!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // -c prints a running count; only the last one matters.
    let out = '';
    let err = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => (out = (out + d).slice(-200)));
    child.stderr.setEncoding('latin1').on('data', (d: string) => (err += d));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const counts = out.split(/[\r\n]/).filter((x) => /^\d+$/.test(x.trim()));
      const acked = counts.length > 0 ? Number(counts.at(-1)) : 0;
      if (code !== 0) reject(new Error(`smtp-source exited ${code}: ${err}`));
      else resolve({ seconds, acked });
    });
  });
}

/** smtp-sink with its running counter; `count()` is the messages it has taken. */
export interface Sink {
  readonly port: number;
  count(): number;
  stop(): void;
}

/** Starts smtp-sink on a free loopback port (as nobody when root, as smtp-sink wants). */
export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const child: ChildProcess = spawn(
    findProgram('smtp-sink')!,
    ['-c', ...(root ? ['-u', 'nobody'] : []), `127.0.0.1:${port}`, '1024'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let last = 0;
  let tail = '';
  child.stdout!.setEncoding('latin1').on('data', (d: string) => {
    tail = (tail + d).slice(-200);
    const all = [...tail.matchAll(/mesg=(\d+)/g)];
    if (all.length > 0) last = Number(all.at(-1)![1]);
  });
  await waitForPort(port);
  return { port, count: () => last, stop: () => child.kill('SIGTERM') };
}

/** Resolves when the sink has counted `n` messages, with the seconds since `started`; rejects after `timeoutMs` of no progress. */
export async function waitForSink(sink: Sink, n: number, started: bigint, timeoutMs = 60_000): Promise<number> {
  let seen = sink.count();
  let lastProgress = Date.now();
  while (sink.count() < n) {
    await new Promise((r) => setTimeout(r, 5));
    if (sink.count() !== seen) {
      seen = sink.count();
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > timeoutMs) {
      throw new Error(`the sink stopped at ${seen} of ${n} messages`);
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Resolves once something accepts connections on 127.0.0.1:`port`. */
export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The files in a queue directory tree (hashed or not); none when it does not exist (yet). */
export function queueFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.isDirectory()) out.push(...queueFiles(join(dir, e.name)));
    else out.push(join(dir, e.name));
  }
  return out;
}
