/**
 * sendmail: `affix sendmail`, Postfix's Sendmail-compatible interface, and
 * `affix mailq` (the same program by another name). Delivery mode writes
 * the message into maildrop (sendmail_drop.ts) — whether the daemon runs
 * or not — and pokes pickup over the control socket when it does; `-bp` /
 * mailq lists the queue, `-q` flushes it (`-qRsite`, `-qIid`: postqueue -s,
 * -i), `-bi`/`-I` is newaliases, `-bd`/`-bl` starts the daemon, `-bs`
 * speaks SMTP on stdin/stdout (sendmail_bs.ts), `-bh`/`-bH` and a `-q`
 * interval do nothing. Options are parsed in sendmail_options.ts. As with
 * Postfix's sendmail, every fatal error exits 75 (EX_TEMPFAIL), a usage
 * error included, so an MUA keeps the message and tries again.
 *
 * Not done (said plainly instead of pretended): `-bv` (address
 * verification needs the verify service) and the delivery report of `-v`
 * (the trace service); authorized_submit_users is not consulted.
 *
 * Parameters: queue_directory, message_size_limit, sendmail_fix_line_endings,
 *   myhostname, smtpd_banner, line_length_limit, alias_database
 * Diagnostics: `sendmail: fatal: ...` (and in the mail log as
 *   postfix/sendmail), exit 75; the listing and flush messages of postqueue
 * Security: runs as the submitting user; the message and its addresses are
 *   untrusted and reach the queue only through QueueStore.create
 * See: postfix/src/sendmail/sendmail.c
 */
import { EX } from '../global/sysexits.ts';
import type { Log } from '../log/log.ts';
import { FatalError } from '../log/log_errors.ts';
import { type CliIo, type CliMain, cliMessages } from './cli_io.ts';
import { flushQueue, main as postqueueMain, showQueue } from './postqueue.ts';
import { daemonRequest, readToolConfig, toolLog, toolStore } from './postqueue_tool.ts';
import { smtpStandAlone } from './sendmail_bs.ts';
import { argumentRecipients, DropError, fullName, loginName, postdrop, senderOption } from './sendmail_drop.ts';
import { parseSendmail, type SendmailOptions, SendmailUsage } from './sendmail_options.ts';

type Config = Parameters<typeof toolStore>[0];

/** `-C` options before a bad option still count, as in sendmail's first pass over its arguments. */
function configDirBefore(argv: readonly string[]): string | undefined {
  let dir: string | undefined;
  for (let i = 0; i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--'; i++) {
    const arg = argv[i] === '-C' ? argv[++i] : argv[i]!.startsWith('-C') ? argv[i]!.slice(2) : undefined;
    if (arg !== undefined) dir = arg.replace(/\/?main\.cf$/, '') || arg;
  }
  return dir;
}

function sendmailFor(program: string): CliMain {
  return async (argv: readonly string[], io: CliIo) => {
    const msg = cliMessages(io, program);
    const warnings: string[] = [];
    let options: SendmailOptions | null = null;
    let usage: SendmailUsage | null = null;
    try {
      options = parseSendmail(program, argv, (w) => warnings.push(w));
    } catch (err) {
      if (!(err instanceof SendmailUsage)) throw err;
      usage = err;
      if (err.getoptError !== null) msg.getoptError(err.getoptError);
    }
    const config = await readToolConfig(io, msg, program, options?.configDir ?? configDirBefore(argv), EX.TEMPFAIL);
    const log = toolLog(config, program, io);
    try {
      if (usage !== null) {
        // sendmail parses its options twice, so getopt complains twice.
        if (usage.getoptError !== null) msg.getoptError(usage.getoptError);
        log.fatal(usage.message);
      }
      for (const w of warnings) log.warn(w);
      return await run(argv, io, log, config, options!);
    } catch (err) {
      if (err instanceof FatalError) return EX.TEMPFAIL;
      throw err;
    } finally {
      await log.close();
    }
  };
}

async function run(argv: readonly string[], io: CliIo, log: Log, config: Config, o: SendmailOptions): Promise<number> {
  const none = (what: string) => {
    if (o.recipients.length > 0) log.fatal(`${what} requires no recipient`);
  };
  if (o.queueTime !== undefined && o.mode !== 'daemon') return 0;
  const configArgs = o.configDir === undefined ? [] : ['-c', o.configDir];
  switch (o.mode) {
    case 'ignore':
      return 0;
    case 'mailq':
      none('display queue mode');
      return asPostqueue(() => showQueue(io, log.forProgram('postqueue'), config, 'mailq'));
    case 'flushq':
      none('flush queue mode');
      return asPostqueue(() => flushQueue(config, log.forProgram('postqueue')));
    case 'daemon': {
      none('daemon mode');
      const { main: postfixMain } = await import('./postfix.ts');
      return (await postfixMain([...configArgs, 'start'], io)) === 0 ? 0 : 1;
    }
    case 'newaliases': {
      none('alias initialization mode');
      const { newaliasesMain } = await import('./postalias.ts');
      return newaliasesMain(argv, io);
    }
    case 'user':
      none('stand-alone mode');
      return standAlone(io, log, config, o);
    case 'enqueue':
      break;
  }
  if (o.flushSite !== undefined) {
    if (o.recipients.length > 0) log.fatal('flush site requires no recipient');
    return postqueueMain([...configArgs, '-s', o.flushSite], io);
  }
  if (o.flushId !== undefined) {
    if (o.recipients.length > 0) log.fatal('flush queue_id requires no recipient');
    return postqueueMain([...configArgs, '-i', o.flushId], io);
  }
  if (o.verify) log.fatal('-bv (address verification) needs the verify service, which affix does not have yet');
  return enqueue(io, log, config, o);
}

/** Work Postfix's sendmail hands to postqueue: its failures exit as postqueue's do (69). */
async function asPostqueue(work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (err) {
    if (err instanceof FatalError) return EX.UNAVAILABLE;
    throw err;
  }
}

/** The fields every maildrop file of this invocation shares. */
function submitter(io: CliIo, log: Log, config: Config, o: SendmailOptions) {
  const uid = process.getuid?.() ?? 0;
  return {
    uid,
    fullName: o.fullName ?? fullName(uid, io.env),
    rewriteContext: o.rewriteContext,
    message_size_limit: config.params.message_size_limit,
    sendmail_fix_line_endings: config.value('sendmail_fix_line_endings') || 'always',
    log,
  };
}

/** Tells a running pickup that maildrop has mail (postdrop's trigger); nothing when the daemon is down. */
async function pokePickup(config: Config): Promise<void> {
  await daemonRequest(config, { command: 'pickup' }, 5_000);
}

async function enqueue(io: CliIo, log: Log, config: Config, o: SendmailOptions): Promise<number> {
  const s = submitter(io, log, config, o);
  try {
    const sender = o.sender === undefined ? loginName(s.uid) : senderOption(o.sender, (w) => log.warn(w));
    await postdrop(
      toolStore(config, io.cwd),
      {
        sender,
        fullName: s.fullName,
        recipients: o.recipients.flatMap(argumentRecipients),
        uid: s.uid,
        extract: o.extract,
        dotEnds: o.dotEnds,
        rewriteContext: s.rewriteContext,
        notify: o.notify,
        ret: o.ret,
        envid: o.envid,
        body8bit: o.body8bit,
        message_size_limit: s.message_size_limit,
        sendmail_fix_line_endings: s.sendmail_fix_line_endings,
      },
      io.stdin as AsyncIterable<Buffer | string>,
    );
  } catch (err) {
    if (err instanceof DropError) log.fatal(err.message);
    throw err;
  }
  await pokePickup(config);
  return 0;
}

async function standAlone(io: CliIo, log: Log, config: Config, o: SendmailOptions): Promise<number> {
  const s = submitter(io, log, config, o);
  const p = config.params;
  await smtpStandAlone(
    {
      store: toolStore(config, io.cwd),
      myhostname: p.myhostname,
      banner: config.value('smtpd_banner') || `${p.myhostname} ESMTP ${p.mail_name}`,
      message_size_limit: p.message_size_limit,
      line_length_limit: p.line_length_limit,
      base: {
        uid: s.uid,
        fullName: s.fullName,
        rewriteContext: s.rewriteContext,
        message_size_limit: s.message_size_limit,
        sendmail_fix_line_endings: 'always',
      },
      queued: () => pokePickup(config),
    },
    io.stdin,
    (text) => io.stdout.write(text),
  );
  return 0;
}

export const main: CliMain = sendmailFor('sendmail');
/** `affix mailq`: sendmail by the name that lists the queue. */
export const mailqMain: CliMain = sendmailFor('mailq');
