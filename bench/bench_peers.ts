/**
 * bench_peers: what the MTA benchmarks share: Postfix's smtp-source as the
 * load, smtp-sink as the far end with its running counter, waiting for a
 * port to listen, counting the files left in a queue, and the affix
 * configuration every bench starts from, and affix run as it is deployed.
 * Each bench keeps
 * only what it measures; the programs it drives are started here alike.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
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

/**
 * Runs smtp-source; resolves with seconds taken and the messages acknowledged
 * (its -c counter). The counter, printed after every message, goes to a
 * file read at the end: through a pipe, this process woke for each message,
 * and that cost about a twentieth of the machine, taken from the server.
 */
export function smtpSource(o: SmtpSourceOptions): Promise<{ seconds: number; acked: number }> {
  const args = ['-4', '-c', '-s', String(o.sessions), '-m', String(o.messages), '-l', String(o.size)];
  args.push('-f', 'bench@example.org', '-t', o.to, `127.0.0.1:${o.port}`);
  const counterDir = mkdtempSync(join(tmpdir(), 'affix-smtp-source-'));
  const counterFile = join(counterDir, 'counter');
  const counter = openSync(counterFile, 'w');
  const started = o.started ?? process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(findProgram('smtp-source')!, args, { stdio: ['ignore', counter, 'pipe'] });
    closeSync(counter);
    let err = '';
    child.stderr?.setEncoding('latin1').on('data', (d: string) => (err += d));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const out = readFileSync(counterFile, 'latin1').slice(-200);
      rmSync(counterDir, { recursive: true, force: true });
      // -c prints a running count; only the last one matters.
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

/** The master.cf line of affix's smtpd on 127.0.0.1:`port`. */
export const smtpdService = (port: number): string => `127.0.0.1:${port} inet n - n - - smtpd`;

/** The master.cf line of cleanup: all an accepting affix needs besides smtpd. */
export const CLEANUP_SERVICE = 'cleanup unix n - n - 0 cleanup';

/** master.cf lines for a relaying affix: cleanup, qmgr, bounces, and the smtp client to the sink. */
export const AFFIX_RELAY_SERVICES: readonly string[] = [
  CLEANUP_SERVICE,
  'qmgr unix n - n 300 1 qmgr',
  'bounce unix - - n - 0 bounce',
  'defer unix - - n - 0 bounce',
  'trace unix - - n - 0 bounce',
  'smtp unix - - n - - smtp',
  'relay unix - - n - - smtp',
  'error unix - - n - - error',
  'retry unix - - n - - error',
];

/**
 * Writes the main.cf and master.cf of a bench's affix into `dir`: its files
 * under `dir` (the queue in `dir/queue`), loopback only, no aliases or
 * recipient tables, clients in 127.0.0.0/8 trusted; `settings` adds to or
 * overrides that. Resolves to the queue directory.
 */
export function writeAffixBenchConfig(
  dir: string,
  settings: Readonly<Record<string, string>>,
  services: readonly string[],
): string {
  const queue = join(dir, 'queue');
  const main: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: queue,
    data_directory: join(dir, 'lib'),
    maillog_file: join(dir, 'mail.log'),
    maillog_file_prefixes: dir,
    myhostname: 'mx.example.test',
    mydomain: 'example.test',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    smtpd_peername_lookup: 'no',
    alias_maps: '',
    local_recipient_maps: '',
    mynetworks: '127.0.0.0/8',
    ...settings,
  };
  const mainText = Object.entries(main)
    .map(([k, v]) => `${k} = ${v}\n`)
    .join('');
  writeFileSync(join(dir, 'main.cf'), mainText);
  writeFileSync(join(dir, 'master.cf'), `${services.join('\n')}\n`);
  return queue;
}

/** A running affix daemon of a bench: the port its smtpd listens on, and how to stop it and remove `dir`. */
export interface AffixDaemon {
  readonly port: number;
  stop(): Promise<void>;
}

let deployed: readonly string[] | null = null;

/** The affix command line, compiled (buildAffix) at the first call into a directory removed with the spools. */
function deployedAffix(): readonly string[] {
  if (deployed === null) {
    const dir = mkdtempSync(join(tmpdir(), 'affix-bench-build-'));
    removeLater(dir);
    deployed = buildAffix(dir);
  }
  return deployed;
}

/**
 * affix as it is deployed: `affix postfix -c dir start-fg`, compiled by tsc
 * as `npm start` runs it (not through tsx, whose transform names every
 * function with an Object.defineProperty() call and cost a few percent),
 * in a process of its own with bin/affix.js's thread pool, so the bench's
 * own work does not share its event loop. Resolves once the daemon has
 * started (see waitForLog); stop() sends SIGTERM (SIGKILL after 15 s) and
 * leaves `dir` to removeLeftBehind(). AFFIX_BENCH_NODE_ARGS adds node options to the daemon's
 * command line, for example `--cpu-prof --cpu-prof-dir=/tmp/prof` to
 * profile it under the bench's load.
 */
export async function startAffixDaemon(dir: string, port: number): Promise<AffixDaemon> {
  const nodeArgs = process.env['AFFIX_BENCH_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
  const [node, entry] = deployedAffix();
  const child = spawn(node!, [...nodeArgs, entry!, 'postfix', '-c', dir, 'start-fg'], { stdio: 'ignore' });
  await waitForPort(port);
  await waitForLog(join(dir, 'mail.log'), 'daemon started');
  return {
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      removeLater(dir);
    },
  };
}

/**
 * Waits until `text` appears in the log file `path`. The master logs
 * `daemon started` only once its services and its smtpd worker processes
 * serve; its port accepts (and holds) connections earlier, while the
 * workers still load, and a bench started then would time that start-up.
 */
async function waitForLog(path: string, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(path) && readFileSync(path, 'utf8').includes(text))) {
    if (Date.now() > deadline) throw new Error(`${path}: no "${text}" after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The spools of finished runs, removed when the bench ends (removeLeftBehind)
 * rather than between runs. On ext4 without a journal (this machine's root
 * file system) the inode allocator skips, one by one, every inode freed in
 * the last 60 s, or 300 s while its inode table block is dirty
 * (recently_deleted() in the kernel's fs/ext4/ialloc.c). A server started
 * just after the previous run's 10,000 queue files were removed paid that
 * scan on every file it created: a fifth of affix's main thread in a
 * profile, Postfix's cleanup alike. So no run follows a mass removal.
 */
const leftBehind: string[] = [];

export function removeLater(dir: string): void {
  leftBehind.push(dir);
}

export function removeLeftBehind(): void {
  for (const dir of leftBehind.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/**
 * Compiles affix with tsc into `dir`/dist (the project's dist/ is left
 * alone) and writes `dir`/dist/affix.mjs, which starts the CLI as
 * bin/affix.js does (same thread pool). Resolves to the command line that
 * runs it, so a bench measures the program as deployed, not tsx compiling
 * TypeScript at every start.
 */
export function buildAffix(dir: string): string[] {
  const root = join(import.meta.dirname, '..');
  const dist = join(dir, 'dist');
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', dist], { cwd: root, encoding: 'utf8' });
  if (!existsSync(join(dist, 'cli', 'affix.js'))) throw new Error(`tsc emitted no cli/affix.js:\n${build.stdout}`);
  // As in the project: ES modules, and the project's packages found from the compiled files.
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const entry = join(dist, 'affix.mjs');
  writeFileSync(
    entry,
    "process.env.UV_THREADPOOL_SIZE ??= '16';\n" +
      "const { affixMain } = await import('./cli/affix.js');\n" +
      "const { processIo } = await import('./cli/cli_io.js');\n" +
      "process.exitCode = await affixMain('affix', process.argv.slice(2), processIo());\n",
  );
  return [process.execPath, entry];
}
