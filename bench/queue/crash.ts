/**
 * bench/queue/crash: what a crash costs. Postfix's smtp-source sends up to
 * 20,000 messages (4 KB, 20 sessions, a distinct recipient each) into
 * affix's smtpd while affix relays to smtp-sink; after a few seconds the
 * daemon is killed with SIGKILL, mid-acceptance and mid-delivery. affix is
 * started again and flushed, and the run waits until the queue is empty.
 * Then every message that got a `250 2.0.0 Ok: queued as ID` (read from
 * smtp-source -v) must be at the sink (found by the `with ESMTP id ID`
 * line of affix's Received: header in the sink's dump): losses must be
 * zero; duplicates (delivered before the kill, not yet marked done) are
 * counted and reported. Repeated (default 5 times); prints one block.
 *
 *   node --import tsx bench/queue/crash.ts [repetitions] [messages] [kill-after-ms]
 *
 * Needs Debian's postfix (smtp-source, smtp-sink); run as root, smtp-sink
 * runs as nobody. affix runs as `affix postfix start-fg` in a child
 * process, so the SIGKILL takes the whole daemon at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { controlRequest, controlSocketPath } from '../../src/cli/master_control.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import { freePort } from '../../test/peers/postfix_instance.ts';
import { findProgram } from '../../test/peers/programs.ts';
import { waitForPort } from '../bench_peers.ts';

const ENTRY = join(import.meta.dirname, '..', '..', 'test', 'peers', 'affix_entry.ts');

export interface CrashOptions {
  readonly messages: number;
  readonly sessions: number;
  readonly size: number;
  /** How long after smtp-source's first 250 the daemon is killed, ms. */
  readonly killAfter: number;
  /** How long to wait for the queue to drain after the restart, ms. */
  readonly drainTimeout: number;
}

export interface CrashResult {
  /** Messages smtp-source got a 250 for. */
  readonly acked: number;
  /** Distinct acknowledged-or-not messages that reached the sink. */
  readonly delivered: number;
  /** Acknowledged messages missing at the sink (must be empty). */
  readonly lost: readonly string[];
  /** Extra copies at the sink (a message delivered n times counts n-1). */
  readonly duplicates: number;
  /** Messages at the sink that never got a 250 (accepted as the kill came): not a loss. */
  readonly unacknowledged: number;
  /** Messages left in the queue when the drain wait ended (should be 0). */
  readonly leftInQueue: number;
}

/** Why this run cannot happen here, or undefined. */
export function crashSkipReason(): string | undefined {
  if (findProgram('smtp-source') === null || findProgram('smtp-sink') === null) {
    return 'needs smtp-source and smtp-sink (Debian package postfix)';
  }
  return undefined;
}

function startAffix(conf: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ENTRY, 'postfix', '-c', conf, 'start-fg'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Messages still in incoming, active or deferred. */
async function queued(store: FsQueueStore): Promise<number> {
  let n = 0;
  for (const q of ['incoming', 'active', 'deferred'] as const) for await (const _ of store.list(q)) n++;
  return n;
}

/** The queue IDs in affix's Received: headers of the sink's dump, with how often each came. */
async function sinkIds(dump: string, myhostname: string): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const by = new RegExp(`^\\s+by ${myhostname.replace(/\./g, '\\.')} \\(\\S+\\) with E?SMTP\\S* id (\\w+)$`);
  try {
    for await (const line of createInterface({ input: createReadStream(dump, 'latin1') })) {
      const m = by.exec(line);
      if (m !== null) ids.set(m[1]!, (ids.get(m[1]!) ?? 0) + 1);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return ids;
}

/** One crash repetition in a fresh directory. */
export async function crashOnce(o: CrashOptions): Promise<CrashResult> {
  const dir = mkdtempSync(join(tmpdir(), 'affix-crash-'));
  chmodSync(dir, 0o755); // smtp-sink (as nobody) must reach its dump directory
  const smtpdPort = await freePort();
  const sinkPort = await freePort();
  const conf = join(dir, 'conf');
  mkdirSync(conf);
  const sinkDir = join(dir, 'sink');
  mkdirSync(sinkDir);
  chmodSync(sinkDir, 0o777); // smtp-sink writes its dump as nobody
  writeFileSync(
    join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      'myhostname = mx.example.test',
      `queue_directory = ${dir}/spool`,
      `data_directory = ${dir}/lib`,
      `maillog_file = ${dir}/log/mail.log`,
      `maillog_file_prefixes = ${dir}`,
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      `relayhost = [127.0.0.1]:${sinkPort}`,
      'smtp_dns_support_level = disabled',
      'smtpd_peername_lookup = no',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(conf, 'master.cf'),
    [
      `127.0.0.1:${smtpdPort} inet n - n - - smtpd`,
      'cleanup   unix  n       -       n       -       0       cleanup',
      'qmgr      unix  n       -       n       300     1       qmgr',
      'smtp      unix  -       -       n       -       -       smtp',
      'relay     unix  -       -       n       -       -       smtp',
      'error     unix  -       -       n       -       -       error',
      'retry     unix  -       -       n       -       -       error',
      '',
    ].join('\n'),
  );
  const root = process.getuid?.() === 0;
  const dump = join(sinkDir, 'dump');
  const sink = spawn(
    findProgram('smtp-sink')!,
    [...(root ? ['-u', 'nobody'] : []), '-D', dump, `127.0.0.1:${sinkPort}`, '256'],
    { stdio: 'ignore' },
  );
  let affix: ChildProcess | null = null;
  try {
    await waitForPort(sinkPort);
    affix = startAffix(conf);
    await waitForPort(smtpdPort);

    const acked = new Set<string>();
    const source = spawn(
      findProgram('smtp-source')!,
      [
        '-v',
        '-N',
        '-s',
        String(o.sessions),
        '-m',
        String(o.messages),
        '-l',
        String(o.size),
        '-f',
        'bench@example.org',
        '-t',
        'rcpt@remote.test',
        `127.0.0.1:${smtpdPort}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let firstAck: () => void = () => {};
    const acking = new Promise<void>((resolve) => {
      firstAck = resolve;
    });
    createInterface({ input: source.stderr! }).on('line', (line) => {
      const m = /<<< 250 2\.0\.0 Ok: queued as (\w+)/.exec(line);
      if (m !== null) {
        acked.add(m[1]!);
        firstAck();
      }
    });
    const sourceDone = once(source, 'close');
    // Count from the first 250, not from the start: on a loaded machine start-up alone can take seconds.
    await Promise.race([acking, sourceDone, new Promise((r) => setTimeout(r, 60_000))]);
    await new Promise((r) => setTimeout(r, o.killAfter));
    await stopChild(affix, 'SIGKILL');
    const timer = setTimeout(() => source.kill('SIGKILL'), 15_000);
    await sourceDone;
    clearTimeout(timer);

    // Restart, flush, and wait for the queue to drain.
    affix = startAffix(conf);
    await waitForPort(smtpdPort);
    const store = new FsQueueStore({
      queue_directory: join(dir, 'spool'),
      hash_queue_names: ['deferred', 'defer'],
      hash_queue_depth: 1,
      enable_long_queue_ids: false,
    });
    await controlRequest(controlSocketPath(join(dir, 'spool')), { command: 'qmgr', trigger: 'FADI' }).catch(() => null);
    const deadline = Date.now() + o.drainTimeout;
    let left = await queued(store);
    while (left > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      left = await queued(store);
    }
    await stopChild(affix, 'SIGTERM');
    affix = null;
    // smtp-sink writes each transaction before it answers; give it a moment to flush its buffers.
    await new Promise((r) => setTimeout(r, 500));
    const seen = await sinkIds(dump, 'mx.example.test');
    let duplicates = 0;
    for (const n of seen.values()) duplicates += n - 1;
    const lost = [...acked].filter((id) => !seen.has(id));
    const unacknowledged = [...seen.keys()].filter((id) => !acked.has(id)).length;
    return { acked: acked.size, delivered: seen.size, lost, duplicates, unacknowledged, leftInQueue: left };
  } finally {
    if (affix !== null) await stopChild(affix, 'SIGKILL');
    await stopChild(sink, 'SIGTERM');
    if (process.env['AFFIX_CRASH_KEEP'] === undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

async function main(): Promise<void> {
  const why = crashSkipReason();
  if (why !== undefined) {
    console.log(`bench/queue/crash: not run: ${why}`);
    return;
  }
  const repetitions = Number(process.argv[2] ?? 5);
  const options: CrashOptions = {
    messages: Number(process.argv[3] ?? 20_000),
    sessions: 20,
    size: 4096,
    killAfter: Number(process.argv[4] ?? 5000),
    drainTimeout: Number(process.argv[5] ?? 300_000),
  };
  const results: CrashResult[] = [];
  for (let i = 0; i < repetitions; i++) {
    const r = await crashOnce({ ...options, killAfter: options.killAfter + i * 700 });
    results.push(r);
    console.log(
      `run ${i + 1}: kill after ${options.killAfter + i * 700} ms: acknowledged ${r.acked}, at the sink ${r.delivered}` +
        ` (duplicates ${r.duplicates}, unacknowledged ${r.unacknowledged}), lost ${r.lost.length}, left in queue ${r.leftInQueue}`,
    );
  }
  const sum = (f: (r: CrashResult) => number) => results.reduce((a, r) => a + f(r), 0);
  console.log(
    [
      'bench/queue/crash',
      `  setup: up to ${options.messages} x ${options.size} B over ${options.sessions} sessions, smtpd -> affix -> smtp-sink, SIGKILL mid-run, restart, flush`,
      `  repetitions: ${results.length}`,
      `  acknowledged: ${sum((r) => r.acked)}`,
      `  delivered:    ${sum((r) => r.delivered)}`,
      `  duplicates:   ${sum((r) => r.duplicates)}`,
      `  lost:         ${sum((r) => r.lost.length)}`,
    ].join('\n'),
  );
  if (sum((r) => r.lost.length) > 0) {
    console.log(
      `  lost IDs: ${results
        .flatMap((r) => r.lost)
        .slice(0, 20)
        .join(' ')}`,
    );
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
