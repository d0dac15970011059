/**
 * pipe_command: delivers a message to a command, as Postfix's
 * pipe_command(): the command runs with the recipient's uid and gid (never
 * root), a given environment and directory, through the shell when it has
 * shell characters; the message goes to its stdin; its first output is kept
 * for the reason; its exit status decides — 0 sent, a `D.S.N text` output,
 * a <sysexits.h> code (75 defers), a signal (defers), anything else
 * bounces with `Command died with status N: "cmd". Command output: ...`;
 * a command still running after the time limit is killed and bounced.
 *
 * Parameters: command_time_limit, local_command_shell (values passed in)
 * Security: the environment is only what the caller passes; output kept is
 *   cut to 2000 bytes and made printable
 * See: postfix/src/global/pipe_command.c, postfix/src/global/sys_exits.c
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dsnValid } from '../global/dsn_valid.ts';

/** <sysexits.h> codes with Postfix's status and text (sys_exits_table). */
export const SYS_EXITS: Readonly<Record<number, readonly [string, string]>> = {
  64: ['5.3.0', 'command line usage error'],
  65: ['5.6.0', 'data format error'],
  66: ['5.3.0', 'cannot open input'],
  67: ['5.1.1', 'user unknown'],
  68: ['5.1.2', 'host name unknown'],
  69: ['5.3.0', 'service unavailable'],
  70: ['5.3.0', 'internal software error'],
  71: ['4.3.0', 'system resource problem'],
  72: ['5.3.0', 'critical OS file missing'],
  73: ['5.2.0', "can't create user output file"],
  74: ['5.3.0', 'input/output error'],
  75: ['4.3.0', 'temporary failure'],
  76: ['5.5.0', 'remote error in protocol'],
  77: ['5.7.0', 'permission denied'],
  78: ['5.3.5', 'local configuration error'],
};

export interface CommandJob {
  readonly command: string;
  readonly uid: number;
  readonly gid: number;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Seconds before the command is killed. */
  readonly timeLimit: number;
  /** local_command_shell: the shell for commands with shell characters ('' = /bin/sh -c). */
  readonly shell: string;
}

export type CommandResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly kind: 'defer' | 'bounce'; readonly dsn: string; readonly text: string };

/** Characters that make Postfix hand a command to the shell. */
const SHELL_CHARS = /[`$&|;<>()*?[\]{}~'"\\\n#!=%^]/;

const LOG_LIMIT = 2000;

/** Runs the command with the message from `input`. */
export async function pipeCommand(job: CommandJob, input: Readable): Promise<CommandResult> {
  const useShell = job.shell !== '' || SHELL_CHARS.test(job.command);
  const [file, args] = useShell
    ? [
        job.shell !== '' ? job.shell.split(/\s+/)[0]! : '/bin/sh',
        [...(job.shell !== '' ? job.shell.split(/\s+/).slice(1) : []), '-c', job.command],
      ]
    : [job.command.split(/\s+/)[0]!, job.command.split(/\s+/).slice(1)];
  const child = spawn(file, args, {
    uid: job.uid,
    gid: job.gid,
    cwd: job.cwd,
    env: { ...job.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (d: Buffer) => {
    if (output.length < LOG_LIMIT) output += d.toString('latin1').slice(0, LOG_LIMIT - output.length);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, job.timeLimit * 1000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error: Error | null }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => resolve({ code, signal, error: null }));
  });
  let writeError: NodeJS.ErrnoException | null = null;
  await pipeline(input, child.stdin).catch((err: NodeJS.ErrnoException) => {
    writeError = err;
  });
  const { code, signal, error } = await done;
  clearTimeout(timer);
  const log = output.replace(/[\t\n]/g, ' ').replace(/[^\x20-\x7e]/g, '_');
  const withOutput = (text: string) => `${text}${log !== '' ? `. Command output: ${log}` : ''}`;
  if (error !== null) {
    return { ok: false, kind: 'defer', dsn: '4.3.0', text: `system resource problem: ${error.message}` };
  }
  if (timedOut) {
    return {
      ok: false,
      kind: 'bounce',
      dsn: '5.3.0',
      text: withOutput(`Command time limit exceeded: "${job.command}"`),
    };
  }
  if (signal !== null) {
    const num =
      { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 }[signal as string] ?? 0;
    return {
      ok: false,
      kind: 'defer',
      dsn: '4.3.0',
      text: withOutput(`Command died with signal ${num}: "${job.command}"`),
    };
  }
  if (code !== 0) {
    const len = dsnValid(log);
    if (len > 0) {
      const dsn = log.slice(0, len);
      return { ok: false, kind: dsn[0] === '4' ? 'defer' : 'bounce', dsn, text: log.slice(len).trim() };
    }
    const sys = SYS_EXITS[code ?? -1];
    if (sys !== undefined) {
      return { ok: false, kind: sys[0][0] === '4' ? 'defer' : 'bounce', dsn: sys[0], text: withOutput(sys[1]) };
    }
    return {
      ok: false,
      kind: 'bounce',
      dsn: '5.3.0',
      text: withOutput(`Command died with status ${code}: "${job.command}"`),
    };
  }
  const werr = writeError as NodeJS.ErrnoException | null;
  if (werr !== null && werr.code !== 'EPIPE') {
    return { ok: false, kind: 'bounce', dsn: '5.3.0', text: `Command failed: ${werr.message}: "${job.command}"` };
  }
  return { ok: true };
}
