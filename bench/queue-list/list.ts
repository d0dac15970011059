/**
 * bench/queue-list/list: `postqueue -p` on 100,000 queued messages, affix
 * against Postfix 3.7, each on its own queue of 100,000 held messages:
 * wall-clock time, CPU time and peak memory (`/usr/bin/time -v`), with the
 * mail system down (the queue read directly: Postfix's postqueue runs
 * showq itself, affix reads the queue in process) and up (the listing
 * comes from the daemon's showq service; the figures are the postqueue
 * client's, plus the peak memory of affix's daemon). Each listing must
 * show all 100,000 messages. Prints one block of medians.
 *
 *   node --import tsx bench/queue-list/list.ts [messages] [runs]
 *
 * Postfix's queue is filled by smtp-source through its smtpd with
 * `smtpd_client_restrictions = static:HOLD`; affix's by writing held
 * messages of the same shape straight through its queue store (its smtpd
 * is slower to fill 100,000 with; the listing is what is measured). affix
 * runs compiled by tsc, as bin/affix.js runs dist/; its figures include
 * starting Node and loading the CLI, which the empty-queue run shows.
 * Needs root
 * (private Postfix), Debian's postfix and `time` (apt-get install time).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueueEnvelope } from '../../src/queue/queue_envelope.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import { type PostfixInstance, startPostfixOrReason } from '../../test/peers/postfix_instance.ts';
import { findProgram } from '../../test/peers/programs.ts';
import { buildAffix } from '../bench_peers.ts';

const MESSAGES = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 3);
/** affix compiled as deployed (bench_peers.ts buildAffix), into a directory removed at the end. */
const BUILD = mkdtempSync(join(tmpdir(), 'affix-bench-build-'));
const AFFIX = buildAffix(BUILD);

interface Measure {
  readonly seconds: number;
  readonly cpu: number;
  readonly maxRssKb: number;
  readonly requests: number;
}

/** Runs `argv` under /usr/bin/time -v; stdout is counted, not kept. */
async function timed(argv: readonly string[]): Promise<Measure> {
  const child = spawn('/usr/bin/time', ['-v', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let err = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => {
    tail = (tail + d).slice(-200);
  });
  child.stderr.setEncoding('latin1').on('data', (d: string) => (err += d));
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}: ${err}`);
  const field = (name: string) => new RegExp(`${name}: (.+)`).exec(err)?.[1]?.trim() ?? '';
  const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')
    .split(':')
    .map(Number)
    .reduce((a, b) => a * 60 + b, 0);
  return {
    seconds: wall,
    cpu: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
    maxRssKb: Number(field('Maximum resident set size \\(kbytes\\)')),
    requests: Number(/in (\d+) Requests?\./.exec(tail)?.[1] ?? (tail.includes('Mail queue is empty') ? 0 : -1)),
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(label: string, argv: readonly string[], expect: number): Promise<Record<string, number>> {
  const runs: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await timed(argv);
    if (m.requests !== expect) throw new Error(`${label}: listed ${m.requests} messages, expected ${expect}`);
    runs.push(m);
  }
  return {
    seconds: median(runs.map((r) => r.seconds)),
    cpu: median(runs.map((r) => r.cpu)),
    maxRssMb: median(runs.map((r) => r.maxRssKb)) / 1024,
  };
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  return n;
}

/** Fills Postfix's hold queue through its smtpd with smtp-source. */
async function fillPostfix(pf: PostfixInstance): Promise<number> {
  const started = Date.now();
  const r = spawn(
    findProgram('smtp-source')!,
    [
      '-s',
      '20',
      '-m',
      String(MESSAGES),
      '-f',
      'bench@example.org',
      '-t',
      'rcpt@remote.test',
      '-N',
      `127.0.0.1:${pf.port}`,
    ],
    { stdio: 'ignore' },
  );
  await once(r, 'close');
  const hold = join(pf.dir, 'spool', 'hold');
  for (let last = -1; ; ) {
    const n = countFiles(hold);
    if (n >= MESSAGES || n === last) break;
    last = n;
    await new Promise((ok) => setTimeout(ok, 2000));
  }
  return (Date.now() - started) / 1000;
}

/** Fills affix's hold queue with messages shaped like smtp-source's, through the queue store. */
export async function fillAffix(spool: string): Promise<number> {
  const started = Date.now();
  const store = new FsQueueStore({
    queue_directory: spool,
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
  });
  await store.init();
  const envelope: QueueEnvelope = {
    sender: 'bench@example.org',
    arrival: Date.now() * 1000,
    client: {
      name: 'localhost',
      address: '127.0.0.1',
      port: '40000',
      helo: 'localhost',
      protocol: 'SMTP',
      saslMethod: '',
      saslUsername: '',
      saslSender: '',
    },
    envid: null,
    ret: null,
    warnAt: null,
    smtputf8: false,
    body8bit: false,
    rewriteContext: 'remote',
    fullName: '',
    attributes: {},
  };
  const content = Buffer.from(
    `Received: from localhost (localhost [127.0.0.1])\n\tby mx.example.test (affix) with SMTP id 0000000000\n\tfor <rcpt@remote.test>; ${new Date().toUTCString()}\nFrom: <bench@example.org>\nTo: <rcpt@remote.test>\nDate: ${new Date().toUTCString()}\nMessage-Id: <0.0.0@localhost>\n\n${'La de da de da 1.\n'.repeat(4)}`,
  );
  for (let i = 0; i < MESSAGES; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, MESSAGES - i) }, (_, k) => {
        const rcpt = `${i + k + 1}rcpt@remote.test`;
        return store.create(
          store.newId(),
          'hold',
          envelope,
          [{ address: rcpt, original: rcpt, orcpt: null, notify: 0 }],
          content,
        );
      }),
    );
  }
  return (Date.now() - started) / 1000;
}

/** VmHWM (peak resident set) of a process, MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

async function main(): Promise<void> {
  if (findProgram('smtp-source') === null || spawnSync('/usr/bin/time', ['true']).status !== 0) {
    console.log('bench/queue-list: not run: needs Debian packages postfix and time');
    return;
  }
  const pf = await startPostfixOrReason(null, { smtpd_client_restrictions: 'check_client_access static:HOLD' });
  if (typeof pf === 'string') {
    console.log(`bench/queue-list: not run: ${pf}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'affix-list-'));
  let daemon: ChildProcess | null = null;
  try {
    const conf = join(dir, 'conf');
    mkdirSync(conf);
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
        '',
      ].join('\n'),
    );
    writeFileSync(join(conf, 'master.cf'), 'showq unix n - n - - showq\n');
    const emptyConf = join(dir, 'empty');
    mkdirSync(emptyConf);
    writeFileSync(
      join(emptyConf, 'main.cf'),
      readFileSync(join(conf, 'main.cf'), 'utf8').replaceAll(`${dir}/spool`, `${dir}/empty-spool`),
    );
    writeFileSync(join(emptyConf, 'master.cf'), '');

    const pfFill = await fillPostfix(pf);
    const axFill = await fillAffix(join(dir, 'spool'));
    const pfCount = countFiles(join(pf.dir, 'spool', 'hold'));
    if (pfCount !== MESSAGES) throw new Error(`Postfix holds ${pfCount} messages, not ${MESSAGES}`);

    const results: Record<string, Record<string, number>> = {};
    results['affix, empty queue (start-up)'] = await measure(
      'affix empty',
      [...AFFIX, 'postqueue', '-c', emptyConf, '-p'],
      0,
    );
    // Mail system up: the listing comes from showq.
    results['Postfix, daemon up'] = await measure(
      'Postfix up',
      [findProgram('postqueue')!, '-c', pf.configDir, '-p'],
      MESSAGES,
    );
    daemon = spawn(AFFIX[0]!, [...AFFIX.slice(1), 'postfix', '-c', conf, 'start-fg'], { stdio: 'ignore' });
    const showqUp = () => {
      try {
        return readdirSync(join(dir, 'spool', 'public')).includes('showq');
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 300 && !showqUp(); i++) {
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const before = peakRssMb(daemon.pid!);
    results['affix, daemon up'] = await measure('affix up', [...AFFIX, 'postqueue', '-c', conf, '-p'], MESSAGES);
    const daemonPeak = peakRssMb(daemon.pid!);
    daemon.kill('SIGTERM');
    await once(daemon, 'exit');
    daemon = null;
    // Mail system down: the queue read directly.
    pf.stop();
    results['Postfix, daemon down'] = await measure(
      'Postfix down',
      [findProgram('postqueue')!, '-c', pf.configDir, '-p'],
      MESSAGES,
    );
    results['affix, daemon down'] = await measure('affix down', [...AFFIX, 'postqueue', '-c', conf, '-p'], MESSAGES);

    const lines = [
      'bench/queue-list',
      `  setup: postqueue -p on ${MESSAGES} held messages (1 recipient each), ${RUNS} runs, medians; filled in ${pfFill.toFixed(0)} s (Postfix, smtp-source) / ${axFill.toFixed(0)} s (affix, queue store)`,
      '  case                              wall s   cpu s   peak RSS MB',
    ];
    for (const [name, r] of Object.entries(results)) {
      lines.push(
        `  ${name.padEnd(32)} ${r['seconds']!.toFixed(2).padStart(7)} ${r['cpu']!.toFixed(2).padStart(7)} ${r['maxRssMb']!.toFixed(1).padStart(12)}`,
      );
    }
    lines.push(
      `  affix daemon peak RSS: ${before.toFixed(1)} MB before the listings, ${daemonPeak.toFixed(1)} MB after`,
    );
    console.log(lines.join('\n'));
  } finally {
    if (daemon !== null) daemon.kill('SIGKILL');
    pf.stop();
    rmSync(pf.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    rmSync(BUILD, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
