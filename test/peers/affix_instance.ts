/**
 * affix_instance: a private affix configuration for one test — main.cf and
 * master.cf in a temp directory, queue, data and log under it — and ways
 * to run the affix CLI on it, in process or as a child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { waitForLogLine } from './log_wait.ts';
import { tempDir } from './tmpdir.ts';

const ENTRY = join(import.meta.dirname, 'affix_entry.ts');

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface AffixInstance {
  readonly dir: string;
  readonly configDir: string;
  readonly logFile: string;
  /** Runs `affix ARGS` as a child process and waits for it (blocking: not with a daemon in this process). */
  cli(args: readonly string[]): CliResult;
  /** Runs `affix ARGS` as a child process without blocking this one. */
  cliAsync(args: readonly string[]): Promise<CliResult>;
  /** The mail log so far. */
  log(): string;
  /** Resolves when the log has a line matching `pattern`. */
  waitForLog(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
}

/** main.cf lines every test instance gets, before the test's own. */
export function baseMainCf(dir: string): string {
  return [
    'compatibility_level = 3.6',
    'myhostname = mx.example.test',
    `queue_directory = ${dir}/spool`,
    `data_directory = ${dir}/lib`,
    `maillog_file = ${dir}/log/mail.log`,
    `maillog_file_prefixes = ${dir}`,
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    '',
  ].join('\n');
}

export function affixInstance(t: TestContext, mainCf = '', masterCf = ''): AffixInstance {
  const dir = tempDir(t, 'affix-inst-');
  const configDir = join(dir, 'conf');
  spawnSync('mkdir', ['-p', configDir]);
  writeFileSync(join(configDir, 'main.cf'), baseMainCf(dir) + mainCf);
  writeFileSync(join(configDir, 'master.cf'), masterCf);
  const logFile = join(dir, 'log', 'mail.log');
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    dir,
    configDir,
    logFile,
    cli(args) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8', timeout: 60_000 });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    cliAsync(args) {
      const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      return new Promise((ok) => child.on('close', (code) => ok({ status: code ?? -1, stdout, stderr })));
    },
    log,
    waitForLog: (pattern, timeoutMs = 10_000) =>
      waitForLogLine(log, pattern, { timeoutMs, pollMs: 50, what: 'log line' }),
  };
}

/** Starts `affix postfix -c DIR start-fg` as a child; killed when the test ends. */
export function startForeground(t: TestContext, inst: AffixInstance): ReturnType<typeof spawn> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'postfix', '-c', inst.configDir, 'start-fg'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}
