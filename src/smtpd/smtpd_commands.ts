/**
 * smtpd_commands: the command table as data, like Postfix's
 * smtpd_cmd_table: each verb with its handler and flags (`limit`: counts
 * toward smtpd_junk_command_limit; `preTls`: allowed before STARTTLS when
 * TLS is enforced; `last`: must end a pipelined command group), in the
 * order the `disconnect from` statistics list them; and the statistics
 * themselves (`ehlo=1 mail=1 rcpt=0/1 ... commands=3/4`).
 *
 * Standards: RFC 2920 section 3.1 (commands that end a group), RFC 3030 (BDAT may be pipelined)
 * See: postfix/src/smtpd/smtpd.c (smtpd_cmd_table, smtpd_format_cmd_stats)
 */
import { authCmd } from './smtpd_auth_cmd.ts';
import { bdatCmd } from './smtpd_bdat.ts';
import { dataCmd } from './smtpd_data.ts';
import { ehloCmd, heloCmd } from './smtpd_helo.ts';
import { mailCmd } from './smtpd_mail.ts';
import { etrnCmd, helpCmd, noopCmd, quitCmd, rsetCmd, vrfyCmd, xclientCmd, xforwardCmd } from './smtpd_misc_cmds.ts';
import { rcptCmd } from './smtpd_rcpt.ts';
import { starttlsCmd } from './smtpd_starttls.ts';
import type { SmtpdSession } from './smtpd_state.ts';
import type { SmtpdToken } from './smtpd_token.ts';

/** Runs one command; resolves true when it succeeded (Postfix's return 0). */
export type CommandHandler = (s: SmtpdSession, argv: readonly SmtpdToken[]) => Promise<boolean>;

export interface SmtpdCommand {
  readonly name: string;
  readonly handler: CommandHandler;
  readonly limit: boolean;
  readonly preTls: boolean;
  readonly last: boolean;
}

const cmd = (name: string, handler: CommandHandler, flags: Partial<Omit<SmtpdCommand, 'name' | 'handler'>> = {}) =>
  ({ name, handler, limit: false, preTls: false, last: false, ...flags }) as const;

export const SMTPD_COMMANDS: readonly SmtpdCommand[] = [
  cmd('HELO', heloCmd, { limit: true, preTls: true, last: true }),
  cmd('EHLO', ehloCmd, { limit: true, preTls: true, last: true }),
  cmd('XCLIENT', xclientCmd, { preTls: true }),
  cmd('XFORWARD', xforwardCmd),
  cmd('STARTTLS', starttlsCmd, { preTls: true }),
  cmd('AUTH', authCmd),
  cmd('MAIL', mailCmd),
  cmd('RCPT', rcptCmd),
  cmd('DATA', dataCmd, { last: true }),
  cmd('BDAT', bdatCmd),
  cmd('RSET', rsetCmd, { limit: true }),
  cmd('NOOP', noopCmd, { limit: true, preTls: true, last: true }),
  cmd('VRFY', vrfyCmd, { limit: true, last: true }),
  cmd('ETRN', etrnCmd, { limit: true }),
  cmd('QUIT', quitCmd, { preTls: true }),
  cmd('HELP', helpCmd, { preTls: true }),
];

/** Finds a verb, without case. */
export function findCommand(verb: string): SmtpdCommand | null {
  const upper = verb.toUpperCase();
  return SMTPD_COMMANDS.find((c) => c.name === upper) ?? null;
}

/** Per-session counts of each command (and of unknown ones). */
export class CommandStats {
  readonly #success = new Map<string, number>();
  readonly #total = new Map<string, number>();

  tried(name: string): void {
    this.#total.set(name, (this.#total.get(name) ?? 0) + 1);
  }

  succeeded(name: string): void {
    this.#success.set(name, (this.#success.get(name) ?? 0) + 1);
  }

  /** ` ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4`: table order, then unknown. */
  format(): string {
    let out = '';
    let allSuccess = 0;
    let allTotal = 0;
    for (const name of [...SMTPD_COMMANDS.map((c) => c.name), 'UNKNOWN']) {
      const total = this.#total.get(name) ?? 0;
      if (total === 0) continue;
      const success = this.#success.get(name) ?? 0;
      out += ` ${name.toLowerCase()}=${success}${success !== total ? `/${total}` : ''}`;
      allSuccess += success;
      allTotal += total;
    }
    out += ` commands=${allSuccess}`;
    if (allSuccess !== allTotal || allTotal === 0) out += `/${allTotal}`;
    return out;
  }
}
