/**
 * cli_io: what a command-line tool gets to talk to the world (argv, stdio,
 * environment), and Postfix's way of reporting from one: `postmap: warning:
 * text`, `postmap: fatal: text` with exit status 1, usage with status 1.
 * Commands take a CliIo instead of touching process.*, so tests run them in
 * process and read what they printed.
 */
import type { Readable } from 'node:stream';

export interface CliOutput {
  write(text: string): unknown;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** A command's main function: resolves to the exit status. */
export type CliMain = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Thrown to end a command with an exit status after its message was printed. */
export class CliExit extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`exit ${status}`);
    this.name = 'CliExit';
    this.status = status;
  }
}

export interface CliMessages {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  /** Prints `prog: fatal: text` and ends the command with status 1 (msg_fatal). */
  fatal(text: string, status?: number): never;
  /** Prints `prog: fatal: usage: text` and ends the command (status 1, as most Postfix tools). */
  usage(text: string, status?: number): never;
  /** Prints getopt's complaint (`prog: invalid option -- 'Z'`) on its own line, as glibc does. */
  getoptError(text: string): void;
}

/** Postfix-style messages on stderr, tagged with the program name. */
export function cliMessages(io: CliIo, program: string): CliMessages {
  return {
    info: (text) => io.stderr.write(`${program}: ${text}\n`),
    warn: (text) => io.stderr.write(`${program}: warning: ${text}\n`),
    error: (text) => io.stderr.write(`${program}: error: ${text}\n`),
    fatal(text, status = 1): never {
      io.stderr.write(`${program}: fatal: ${text}\n`);
      throw new CliExit(status);
    },
    usage(text, status = 1): never {
      io.stderr.write(`${program}: fatal: usage: ${text}\n`);
      throw new CliExit(status);
    },
    getoptError: (text) => io.stderr.write(`${program}: ${text}\n`),
  };
}

/** Runs a command body, turning CliExit into its status. */
export async function runCommand(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof CliExit) return err.status;
    throw err;
  }
}

/** The process's own stdio, for bin/affix.js. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
