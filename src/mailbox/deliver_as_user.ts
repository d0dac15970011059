/**
 * deliver_as_user: runs a mailbox job (mailbox_write) with the recipient's
 * privileges. Postfix's local and virtual agents switch their effective
 * uid per delivery; affix agents share one process, so when affix runs as
 * root each job runs in a child process started with the recipient's uid
 * and gid (deliver_as_user_child), the message on its stdin and the result
 * as one JSON line on its stdout. Jobs for the running user itself run in
 * this process. When not root, only the running user's jobs can run.
 *
 * Diagnostics: a child that fails to start or dies defers with
 *   `4.3.0 mail system configuration error` after a warning with the cause
 * Security: the child gets the uid/gid, an empty environment, cwd `/`, and
 *   no file descriptors but its stdin/stdout/stderr
 * See: postfix/src/util/set_eugid.c (what this replaces), postfix/src/local/local.c (SECURITY)
 */
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { type MailboxJob, type MailboxResult, runMailboxJob } from './mailbox_write.ts';

export interface Credentials {
  readonly uid: number;
  readonly gid: number;
}

/** The node flags a child needs to load the same code (a TypeScript loader under tests). */
function loaderFlags(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = argv[i + 1];
    if ((a === '--import' || a === '--require' || a === '--loader' || a === '--experimental-loader') && value) {
      const resolved = /^[./]/.test(value) || value.startsWith('file:') ? value : safeResolve(value);
      out.push(a, resolved);
      i++;
    } else if (/^--(import|require|loader|experimental-loader)=/.test(a)) {
      out.push(a);
    }
  }
  return out;
}

function safeResolve(specifier: string): string {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}

const CHILD = fileURLToPath(
  new URL(`./deliver_as_user_child${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

const configError = (why: string): MailboxResult => ({
  ok: false,
  dsn: '4.3.0',
  text: `mail system configuration error (${why})`,
  code: 'EPERM',
});

/** True when a job for `who` can run in this process. */
export function runsHere(who: Credentials): boolean {
  return process.getuid?.() === who.uid && process.getgid?.() === who.gid;
}

/**
 * Runs `job` as `who`: here when that is who we are, in a child when we
 * are root, else not at all (a configuration error).
 */
export async function deliverAsUser(
  job: MailboxJob,
  who: Credentials,
  content: () => Readable,
  warn: (text: string) => void,
  timeoutMs = 600_000,
): Promise<MailboxResult> {
  if (runsHere(who)) return runMailboxJob(job, content());
  if (process.getuid?.() !== 0) {
    return configError(`cannot deliver as uid ${who.uid}: affix runs as uid ${process.getuid?.()}, not as root`);
  }
  const child = spawn(process.execPath, [...loaderFlags(), CHILD, JSON.stringify(job)], {
    uid: who.uid,
    gid: who.gid,
    cwd: '/',
    env: {},
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      stderr += String(err);
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  await pipeline(content(), child.stdin).catch(() => {});
  const code = await exited;
  clearTimeout(timer);
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const result = JSON.parse(line) as MailboxResult;
    if (typeof result.ok === 'boolean') return result;
  } catch {
    // fall through to the warning below
  }
  warn(`delivery process for uid ${who.uid} failed (exit ${code}): ${stderr.trim() || 'no output'}`);
  return configError('delivery process failed');
}
