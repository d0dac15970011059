/**
 * cli_capture: runs an affix command's main function in this process, with
 * standard output and error collected as text, and CliExit turned into the
 * exit status as the dispatcher does.
 */
import { Readable } from 'node:stream';
import { type CliIo, type CliMain, runCommand } from '../../src/cli/cli_io.ts';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** The environment the command sees (default: LANG=C only, no MAIL_CONFIG). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Text on standard input (default: none). */
  readonly stdin?: string;
  /** The working directory relative names resolve against (default: process.cwd()). */
  readonly cwd?: string;
}

/** Runs `main(argv)` and resolves to its status and output. */
export async function runCli(main: CliMain, argv: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? { LANG: 'C' },
    cwd: options.cwd ?? process.cwd(),
  };
  const status = await runCommand(() => main(argv, io));
  return { status, stdout, stderr };
}
