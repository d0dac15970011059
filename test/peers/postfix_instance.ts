/**
 * postfix_instance: a private Postfix 3.7 (Debian `postfix`) for tests and
 * benchmarks, from a temporary directory, on 127.0.0.1 and a free high
 * port, with the settings a test gives, following
 * shared/reference/private-postfix.md (compatibility_level, maillog_file
 * under the directory, the internal services smtpd needs, no peer name
 * lookups). Needs root; stopped with `postfix -c DIR stop` (and its master
 * killed by pid) in t.after(). submit() hands it a message over SMTP.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { waitForLogLine } from './log_wait.ts';
import { findProgram, missingPrograms } from './programs.ts';

export interface PostfixInstance {
  readonly dir: string;
  readonly port: number;
  /** The smtpd port (same as port). */
  readonly smtpdPort: number;
  /** Resolves with the first log line matching `pattern` (polling the log file). */
  waitForLog(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  readonly configDir: string;
  /** The mail log so far. */
  log(): string;
  /** Runs a Postfix command with -c. */
  run(program: string, args: readonly string[]): { status: number; stdout: string; stderr: string };
  stop(): void;
}

const SERVICES = `pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
`;

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen({ host: '127.0.0.1', port: 0 }, r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a !== null ? a.port : 0;
}

/**
 * A port on 127.0.0.1 that nobody listens on, for "connection refused".
 * It is taken below the kernel's ephemeral range (ip_local_port_range), so
 * a later listen on port 0 (freePort, every test server) is never given it;
 * a refused port from freePort was once handed to a test's SMTP server.
 */
export async function closedPort(): Promise<number> {
  const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
  const below = Math.max(2048, Number(range[0]) || 32_768);
  for (;;) {
    const port = 1024 + Math.floor(Math.random() * (below - 1024));
    const s = createServer();
    const bound = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.listen({ host: '127.0.0.1', port }, () => r(true));
    });
    if (bound) {
      await new Promise<void>((r) => s.close(() => r()));
      return port;
    }
  }
}

export interface PostfixOptions {
  /** main.cf settings on top of the base ones. */
  readonly main?: Readonly<Record<string, string>>;
  /** `-o name=value` overrides of the smtpd service. */
  readonly service?: readonly string[];
}

/** Why a test needing a private Postfix cannot run here, or undefined. */
export function postfixSkipReason(): string | undefined {
  const missing = missingPrograms(['postfix']);
  if (missing !== undefined) return missing;
  if (process.getuid?.() !== 0) return 'a private Postfix needs root';
  return undefined;
}

/** Starts Postfix; returns a skip reason (string) when it cannot. */
export async function startPostfix(t: TestContext | null, options: PostfixOptions = {}): Promise<PostfixInstance> {
  const pf = await startPostfixOrReason(t, options.main ?? {}, options.service ?? []);
  if (typeof pf === 'string') throw new Error(pf);
  return pf;
}

/** Starts Postfix with `mainCf` on top of the base settings; a skip reason when it cannot. */
export async function startPostfixOrReason(
  t: TestContext | null,
  mainCf: Readonly<Record<string, string>> = {},
  serviceOptions: readonly string[] = [],
): Promise<PostfixInstance | string> {
  const missing = missingPrograms(['postfix']);
  if (missing !== undefined) return missing;
  if (process.getuid?.() !== 0) return 'a private Postfix needs root';
  // Not tempDir(): the directory must outlive Postfix, so one after() stops it, then removes it.
  const dir = mkdtempSync(join(tmpdir(), 'affix-postfix-'));
  const port = await freePort();
  const settings: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: join(dir, 'spool'),
    data_directory: join(dir, 'lib'),
    config_directory: dir,
    maillog_file: join(dir, 'mail.log'),
    maillog_file_prefixes: dir,
    myhostname: 'mx.example.test',
    mydomain: 'example.test',
    mydestination: '$myhostname, localhost.$mydomain, localhost',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    smtpd_peername_lookup: 'no',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    mynetworks: '127.0.0.0/8',
    smtp_dns_support_level: 'disabled',
    ...mainCf,
  };
  writeFileSync(
    join(dir, 'main.cf'),
    Object.entries(settings)
      .map(([k, v]) => `${k} = ${v}\n`)
      .join(''),
  );
  const service = [`127.0.0.1:${port} inet n - n - - smtpd`, ...serviceOptions.map((o) => `  -o ${o}`)].join('\n');
  writeFileSync(join(dir, 'master.cf'), `${service}\n${SERVICES}`);
  const postfix = findProgram('postfix')!;
  const run = (program: string, args: readonly string[]) => {
    const r = spawnSync(findProgram(program) ?? program, ['-c', dir, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  mkdirSync(join(dir, 'spool'), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, 'lib'), { recursive: true, mode: 0o700 });
  spawnSync(postfix, ['-c', dir, 'set-permissions'], { encoding: 'utf8' });
  const started = run('postfix', ['start']);
  if (started.status !== 0) return `postfix start failed: ${started.stderr}`;
  const log = () => (existsSync(settings['maillog_file']!) ? readFileSync(settings['maillog_file']!, 'utf8') : '');
  const stop = () => {
    run('postfix', ['stop']);
    const pidFile = join(dir, 'spool', 'pid', 'master.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    }
  };
  t?.after(async () => {
    stop();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });
  for (let i = 0; i < 100; i++) {
    if (log().includes('daemon started')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const waitForLog = (pattern: RegExp | string, timeoutMs = 20_000): Promise<string> =>
    waitForLogLine(log, pattern, { timeoutMs, pollMs: 100, what: 'Postfix log line' });
  return { dir, port, smtpdPort: port, configDir: dir, log, run, stop, waitForLog };
}

/** Sends one message to an SMTP server on 127.0.0.1 (LF in `content` becomes CRLF); resolves with the final reply. */
export async function submit(
  port: number,
  sender: string,
  recipients: readonly string[],
  content: string,
): Promise<string> {
  const { connect } = await import('node:net');
  const socket = connect({ host: '127.0.0.1', port });
  socket.setEncoding('latin1');
  let buffer = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: string) => {
    buffer += d;
    for (const w of waiters.splice(0)) w();
  });
  const reply = async (): Promise<string> => {
    for (;;) {
      const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
      if (m !== null) {
        const end = m.index + m[0].length;
        const text = buffer.slice(0, end).trim();
        buffer = buffer.slice(end);
        return text.split('\r\n').pop()!;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const send = async (line: string) => {
    socket.write(`${line}\r\n`, 'latin1');
    return reply();
  };
  await reply();
  await send('EHLO client.example.test');
  await send(`MAIL FROM:<${sender}>`);
  for (const r of recipients) await send(`RCPT TO:<${r}>`);
  await send('DATA');
  const body = content.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  const final = await send(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.`);
  socket.end('QUIT\r\n');
  return final;
}
