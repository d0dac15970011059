/**
 * bench/logscan/summary: `affix logs summary` against Debian's pflogsumm on
 * the same large mail logs, in the same run. Generates two logs from the
 * real Postfix 3.7 line shapes (test/logscan/log_generator.ts: unique queue
 * IDs, a fixed pool of correspondents), the small one a prefix of the large
 * one (>= 500 MB), in a temporary directory removed afterwards. Each tool
 * summarises each log several times under /usr/bin/time -v (GNU time:
 * elapsed time, CPU time, and the child's peak resident set size). affix
 * runs compiled, as bin/affix.js runs dist/ (tsc into the temporary
 * directory, so dist/ is left alone). Checks that both tools print the same
 * Grand Totals, prints one fixed-format block, and exits 0. Never a test:
 * no timing is asserted.
 *
 *   node --import tsx bench/logscan/summary.ts [--small MB] [--large MB] [--runs N] [--correspondents N]
 *   node --import tsx bench/logscan/summary.ts --quick     (20 and 100 MB, one run: a minute, not the figures)
 *
 * On a shared host compare the cpu column too: wall time then depends on
 * the load, and a one-threaded perl loses more of it than node does.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LogGenerator } from '../../test/logscan/log_generator.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '100' },
    large: { type: 'string', default: '520' },
    runs: { type: 'string', default: '3' },
    correspondents: { type: 'string', default: '20000' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const SETUP = {
  smallMB: quick ? 20 : Number(values.small),
  largeMB: quick ? 100 : Number(values.large),
  runs: quick ? 1 : Number(values.runs),
  /** Remote addresses mail comes from and goes to; 0: about half a million, new ones all through the log. */
  correspondents: Number(values.correspondents),
  seed: 42,
} as const;

interface Measure {
  readonly wall: number;
  readonly cpu: number;
  readonly maxRssKb: number;
}

/** GNU time, installed with apt-get when missing and running as root. */
function gnuTime(): string {
  if (existsSync('/usr/bin/time')) return '/usr/bin/time';
  if (process.getuid?.() === 0) spawnSync('apt-get', ['install', '-y', 'time'], { stdio: 'ignore' });
  if (existsSync('/usr/bin/time')) return '/usr/bin/time';
  throw new Error('bench/logscan: needs GNU time (/usr/bin/time, Debian package time) for peak memory');
}

function seconds(text: string): number {
  const parts = text.split(':').map(Number);
  return parts.reduce((a, b) => a * 60 + b, 0);
}

/** Runs `argv` under `time -v`; its standard output goes to `out`. */
function measure(time: string, argv: readonly string[], out: string): Measure {
  const r = spawnSync(time, ['-v', '-o', `${out}.time`, 'sh', '-c', `"$@" > '${out}'`, 'sh', ...argv], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const report = spawnSync('cat', [`${out}.time`], { encoding: 'utf8' }).stdout;
  const field = (name: string) => {
    const m = new RegExp(`${name}[^:]*: (.+)$`, 'm').exec(report);
    if (m === null) throw new Error(`time -v printed no ${name}:\n${report}`);
    return m[1]!.trim();
  };
  return {
    wall: seconds(field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')),
    cpu: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
    maxRssKb: Number(field('Maximum resident set size \\(kbytes\\)')),
  };
}

/** Writes a log of at least `mb` megabytes; the same seed makes a smaller log a prefix of a larger one. */
async function generate(path: string, mb: number): Promise<number> {
  const g = new LogGenerator({ seed: SETUP.seed, correspondents: SETUP.correspondents });
  const out = createWriteStream(path);
  let lines: string[] = [];
  let pending = 0;
  let written = 0;
  let count = 0;
  const write = (l: string) => {
    lines.push(l);
    pending += l.length + 1;
  };
  const flush = async () => {
    const text = `${lines.join('\n')}\n`;
    count += lines.length;
    written += pending;
    lines = [];
    pending = 0;
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  while (written + pending < mb * 1e6) {
    for (let i = 0; i < 500; i++) g.next(write);
    if (pending > 1 << 20) await flush();
  }
  g.finish(write);
  await flush();
  await new Promise((resolve) => out.end(resolve));
  return count;
}

const LABELS = [
  'received',
  'delivered',
  'deferred',
  'bounced',
  'rejected',
  'bytes received',
  'bytes delivered',
  'senders',
  'recipients',
];

/** Grand Totals lines as printed (pflogsumm prints k/m units; affix's --json gives exact numbers). */
function pflogsummTotals(report: string): string[] {
  return LABELS.map((l) => new RegExp(`^\\s*(\\d+[km]?)\\s+${l}\\b`, 'm').exec(report)?.[1] ?? '?');
}

function affixTotals(json: string): string[] {
  const t = JSON.parse(json).totals as Record<string, number>;
  const units = (n: number) =>
    n > 536_870_912 ? `${Math.trunc(n / 1_048_576)}m` : n > 524_288 ? `${Math.trunc(n / 1024)}k` : String(n);
  return LABELS.map((l) => units(t[l.replace(' ', '_')] ?? Number.NaN));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const time = gnuTime();
const pflogsumm = ['/usr/sbin/pflogsumm', '/usr/bin/pflogsumm'].find((p) => existsSync(p));
if (pflogsumm === undefined) throw new Error('bench/logscan: needs pflogsumm (Debian package pflogsumm)');
const loadBefore = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim();
const dir = mkdtempSync(join(tmpdir(), 'affix-bench-logscan-'));
try {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', join(dir, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (!existsSync(join(dir, 'dist', 'cli', 'logs.js')))
    throw new Error(`tsc emitted no dist/cli/logs.js:\n${build.stdout}`);
  const entry = join(dir, 'dist', 'affix_logs.mjs');
  writeFileSync(
    entry,
    "import { main } from './cli/logs.js';\nimport { processIo, runCommand } from './cli/cli_io.js';\n" +
      'process.exitCode = await runCommand(() => main(process.argv.slice(2), processIo()));\n',
  );
  // what stays live: the summary's own memory after a full collection, apart from V8's heap headroom
  const probe = join(dir, 'dist', 'affix_logs_probe.mjs');
  writeFileSync(
    probe,
    "import { forEachLogLine } from './logscan/logscan_scan.js';\nimport { MailSummary } from './logscan/logscan_summary.js';\n" +
      "const s = new MailSummary();\nawait forEachLogLine([{ kind: 'file', path: process.argv[2] }], (line) => s.addLine(line));\n" +
      'globalThis.gc();\nconst m = process.memoryUsage();\n' +
      'console.log(JSON.stringify({ heapUsed: m.heapUsed, ids: s.rememberedIds, senders: s.senders.size, recipients: s.recipients.size }));\n',
  );
  const results: string[] = [];
  for (const mb of [SETUP.smallMB, SETUP.largeMB]) {
    const log = join(dir, `mail-${mb}.log`);
    const lines = await generate(log, mb);
    const size = statSync(log).size;
    const tools = {
      affix: [process.execPath, entry, 'summary', '--json', log],
      pflogsumm: [pflogsumm, log],
    } as const;
    const runs: Record<keyof typeof tools, Measure[]> = { affix: [], pflogsumm: [] };
    for (let run = 0; run < SETUP.runs; run++) {
      for (const name of ['pflogsumm', 'affix'] as const)
        runs[name].push(measure(time, tools[name], join(dir, `${name}.out`)));
    }
    const ours = affixTotals(spawnSync('cat', [join(dir, 'affix.out')], { encoding: 'utf8' }).stdout);
    const theirs = pflogsummTotals(spawnSync('cat', [join(dir, 'pflogsumm.out')], { encoding: 'utf8' }).stdout);
    const agree = ours.join(' ') === theirs.join(' ');
    const row = (name: keyof typeof tools) => {
      const m = runs[name];
      const wall = median(m.map((x) => x.wall));
      const cpu = median(m.map((x) => x.cpu));
      const rss = Math.max(...m.map((x) => x.maxRssKb));
      return {
        wall,
        cpu,
        rss,
        text:
          `  ${name.padEnd(10)} ${wall.toFixed(2).padStart(8)} s ${cpu.toFixed(2).padStart(8)} s ${(rss / 1024).toFixed(0).padStart(7)} MiB` +
          `   wall ${m.map((x) => x.wall.toFixed(2)).join(', ')}; cpu ${m.map((x) => x.cpu.toFixed(2)).join(', ')}; MiB ${m.map((x) => (x.maxRssKb / 1024).toFixed(0)).join(', ')}`,
      };
    };
    const live = JSON.parse(
      spawnSync(process.execPath, ['--expose-gc', probe, log], { encoding: 'utf8', maxBuffer: 1 << 20 }).stdout,
    ) as { heapUsed: number; ids: number; senders: number; recipients: number };
    const a = row('affix');
    const p = row('pflogsumm');
    results.push(
      `log ${(size / 1e6).toFixed(0)} MB, ${lines} lines: totals ${agree ? 'agree' : `DIFFER: affix ${ours.join(' ')} / pflogsumm ${theirs.join(' ')}`}`,
      `  ${'tool'.padEnd(10)} ${'wall'.padStart(10)} ${'cpu'.padStart(10)} ${'peak RSS'.padStart(11)}   (each run)`,
      a.text,
      p.text,
      `  affix is ${(p.wall / a.wall).toFixed(1)}x faster (wall), ${(p.cpu / a.cpu).toFixed(1)}x (cpu)`,
      `  affix live heap after the run ${(live.heapUsed / 1048576).toFixed(1)} MiB: ${live.ids} queue IDs remembered, ${live.senders} senders, ${live.recipients} recipients`,
    );
    rmSync(log);
  }
  const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim();
  console.log(
    [
      'bench/logscan/summary: affix logs summary vs pflogsumm 1.1.5, same logs, same run',
      `setup: ${JSON.stringify(SETUP)}; medians of ${SETUP.runs} runs; peak RSS = max of runs, from GNU time -v`,
      `host: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs, load average ${loadBefore} before, ${load} after; node ${process.version}`,
      ...results,
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
