/**
 * affix: the one executable. Its subcommands are Postfix's own program names
 * (`affix postconf -n`, `affix postmap -q key hash:file`), each with that
 * program's flags and output. A link named after a program (postconf ->
 * affix) runs that program directly.
 */
import { basename } from 'node:path';
import { type CliIo, type CliMain, runCommand } from './cli_io.ts';

type Loader = () => Promise<CliMain>;

/** Subcommand name -> its main function, loaded on demand so each tool starts fast. */
const COMMANDS: Readonly<Record<string, Loader>> = {
  postfix: async () => (await import('./postfix.ts')).main,
  postconf: async () => (await import('./postconf.ts')).main,
  postmap: async () => (await import('./postmap.ts')).main,
  postalias: async () => (await import('./postalias.ts')).main,
  newaliases: async () => (await import('./postalias.ts')).newaliasesMain,
  postqueue: async () => (await import('./postqueue.ts')).main,
  postsuper: async () => (await import('./postsuper.ts')).main,
  postcat: async () => (await import('./postcat.ts')).main,
  mailq: async () => (await import('./sendmail.ts')).mailqMain,
  sendmail: async () => (await import('./sendmail.ts')).main,
  logs: async () => (await import('./logs.ts')).main,
  doctor: async () => (await import('./doctor.ts')).main,
  dkim: async () => (await import('./dkim.ts')).main,
};

const USAGE = `usage: affix COMMAND [ARGS...]

affix is a Postfix-compatible mail transfer agent. Its commands are Postfix's:
  affix postfix [-c DIR] start|start-fg|stop|abort|reload|status|check|flush
  affix postconf [-c DIR] [-dhnxM#eX] [name[=value]...]
  affix postmap [-c DIR] [-q key|-s] [type:]file
  affix postalias / affix newaliases
  affix postqueue -p|-f|-j, affix mailq, affix postsuper, affix postcat, affix sendmail
`;

/** Runs `affix ARGS` (or a program linked to affix) and resolves to the exit status. */
export async function affixMain(argv0: string, argv: readonly string[], io: CliIo): Promise<number> {
  const invokedAs = basename(argv0).replace(/\.(js|ts)$/, '');
  const direct = invokedAs !== 'affix' ? COMMANDS[invokedAs] : undefined;
  if (direct !== undefined) return runCommand(async () => (await direct())(argv, io));
  const [command, ...rest] = argv;
  const loader = command === undefined ? undefined : COMMANDS[command];
  if (loader === undefined) {
    io.stderr.write(command === undefined ? USAGE : `affix: unknown command: ${command}\n${USAGE}`);
    return 64;
  }
  return runCommand(async () => (await loader())(rest, io));
}
