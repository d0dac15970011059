/**
 * sendmail_options: the command line of Postfix's sendmail, parsed as
 * Postfix parses it: getopt without permutation over
 * `A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx`, a lone `-q` (flush) that
 * getopt cannot express, the mode chosen by the program name (`mailq`,
 * `newaliases`) and by -b/-I/-q, DSN options checked with Postfix's
 * warnings, the options sendmail accepts and ignores, and the conflicts
 * Postfix refuses. Nothing is done here: the result says what to do.
 *
 * Diagnostics: SendmailUsage with Postfix's text (`-t can be used only in
 *   delivery mode`, `unsupported: -bz`, ...); warnings for bad -N, -R, -V
 * See: postfix/src/sendmail/sendmail.c (main)
 */
import { DSN_NOTIFY } from '../queue/queue_envelope.ts';
import { getopt } from './getopt.ts';

export type SendmailMode = 'enqueue' | 'newaliases' | 'mailq' | 'daemon' | 'user' | 'flushq' | 'ignore';

export interface SendmailOptions {
  mode: SendmailMode;
  /** -C: the configuration directory (a path naming main.cf means its directory). */
  configDir: string | undefined;
  /** -f / -r, as given; undefined: the login name. */
  sender: string | undefined;
  /** -F */
  fullName: string | undefined;
  /** -t */
  extract: boolean;
  /** Without -i / -oi: a line with a single `.` ends the message. */
  dotEnds: boolean;
  /** -G: gateway submission, remote rewrite context. */
  rewriteContext: 'local' | 'remote';
  /** -N (DSN_NOTIFY mask, 0 = not given), -R, -V. */
  notify: number;
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
  /** -B 8BITMIME */
  body8bit: boolean;
  /** -bv */
  verify: boolean;
  /** -v count */
  verbose: number;
  /** -qRsite, -qIid */
  flushSite: string | undefined;
  flushId: string | undefined;
  /** -q30m: a queue run interval (ignored outside daemon mode). */
  queueTime: string | undefined;
  /** -oA: the alias database for -bi. */
  aliasMap: string | undefined;
  /** The recipients (operands). */
  recipients: string[];
}

/** A command line sendmail refuses; the text follows `fatal: `. */
export class SendmailUsage extends Error {
  /** getopt's complaint, printed on its own line first (`invalid option -- 'Z'`). */
  readonly getoptError: string | null;
  constructor(text: string, getoptError: string | null = null) {
    super(text);
    this.getoptError = getoptError;
  }
}

const OPTSTRING = 'A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvxQ';

/** dsn_notify_mask(): `never` or a list of success, delay, failure; 0 when invalid. */
export function notifyMask(text: string): number {
  let mask = 0;
  for (const word of text.split(/[\s,]+/).filter((w) => w !== '')) {
    const w = word.toLowerCase();
    if (w === 'never') mask |= DSN_NOTIFY.NEVER;
    else if (w === 'success') mask |= DSN_NOTIFY.SUCCESS;
    else if (w === 'delay') mask |= DSN_NOTIFY.DELAY;
    else if (w === 'failure') mask |= DSN_NOTIFY.FAILURE;
    else return 0;
  }
  return (mask & DSN_NOTIFY.NEVER) !== 0 && mask !== DSN_NOTIFY.NEVER ? 0 : mask;
}

/** A lone `-q` becomes `-Q` (flush), as Postfix special-cases it before getopt. */
function markLoneQ(argv: readonly string[]): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const word = out[i]!;
    if (word === '--' || !word.startsWith('-') || word === '-') break;
    if (word === '-q') {
      out[i] = '-Q';
      continue;
    }
    const last = word[word.length - 1]!;
    const at = OPTSTRING.indexOf(last);
    // An option taking an argument with none attached consumes the next word.
    if (word.length === 2 && at >= 0 && OPTSTRING[at + 1] === ':') i++;
  }
  return out;
}

/** Parses sendmail's arguments; `program` (sendmail, mailq, newaliases) sets the initial mode. */
export function parseSendmail(program: string, argv: readonly string[], warn: (text: string) => void): SendmailOptions {
  const o: SendmailOptions = {
    mode: program === 'mailq' ? 'mailq' : program === 'newaliases' ? 'newaliases' : 'enqueue',
    configDir: undefined,
    sender: undefined,
    fullName: undefined,
    extract: false,
    dotEnds: true,
    rewriteContext: 'local',
    notify: 0,
    ret: null,
    envid: null,
    body8bit: false,
    verify: false,
    verbose: 0,
    flushSite: undefined,
    flushId: undefined,
    queueTime: undefined,
    aliasMap: undefined,
    recipients: [],
  };
  const parsed = getopt(markLoneQ(argv), OPTSTRING, false);
  if (!parsed.ok) throw new SendmailUsage(`usage: ${program} [options]`, parsed.error);
  for (const { flag, arg = '' } of parsed.result.options) {
    switch (flag) {
      case 'Q':
        if (o.mode === 'daemon') warn('ignoring -q option in daemon mode');
        else o.mode = 'flushq';
        break;
      case 'n':
        throw new SendmailUsage('-n option not supported');
      case 'B':
        if (arg === '8BITMIME') o.body8bit = true;
        else if (arg !== '7BIT') throw new SendmailUsage('-B option needs 8BITMIME or 7BIT');
        break;
      case 'C':
        o.configDir = arg.endsWith('/main.cf') || arg === 'main.cf' ? arg.replace(/\/?main\.cf$/, '') || '.' : arg;
        break;
      case 'F':
        o.fullName = arg;
        break;
      case 'G':
        o.rewriteContext = 'remote';
        break;
      case 'I':
        o.mode = 'newaliases';
        break;
      case 'N':
        o.notify = notifyMask(arg);
        if (o.notify === 0) warn(`bad -N option value: '${arg}' -- ignored`);
        break;
      case 'R':
        if (arg.toUpperCase() === 'FULL' || arg.toUpperCase() === 'HDRS') o.ret = arg.toUpperCase() as 'FULL' | 'HDRS';
        else warn('bad -R option value -- ignored');
        break;
      case 'V':
        if (arg.length > 100) warn('too long -V option value -- ignored');
        else if (!/^[\x20-\x7e\t]*$/.test(arg)) warn('bad syntax in -V option value -- ignored');
        else o.envid = arg;
        break;
      case 'X':
        if (!arg.startsWith('V')) throw new SendmailUsage(`unsupported: -X${arg[0] ?? ''}`);
        warn('-XV (VERP) is not supported by affix -- ignored');
        break;
      case 'b':
        switch (arg[0]) {
          case 'd':
          case 'l':
            if (o.mode === 'flushq') warn('ignoring -q option in daemon mode');
            o.mode = 'daemon';
            break;
          case 'h':
          case 'H':
            o.mode = 'ignore';
            break;
          case 'i':
            o.mode = 'newaliases';
            break;
          case 'm':
            o.mode = 'enqueue';
            break;
          case 'p':
            o.mode = 'mailq';
            break;
          case 's':
            o.mode = 'user';
            break;
          case 'v':
            o.verify = true;
            break;
          default:
            throw new SendmailUsage(`unsupported: -b${arg[0] ?? ''}`);
        }
        break;
      case 'f':
      case 'r':
        o.sender = arg;
        break;
      case 'i':
        o.dotEnds = false;
        break;
      case 'o':
        if (arg[0] === 'A') {
          if (arg.length === 1) throw new SendmailUsage('-oA requires pathname');
          o.aliasMap = arg.slice(1);
        } else if (arg[0] === 'i') o.dotEnds = false;
        break;
      case 'q':
        if (/^\d/.test(arg)) o.queueTime = arg;
        else if (arg[0] === 'R') {
          o.flushSite = arg.slice(1);
          if (o.flushSite === '') throw new SendmailUsage('specify: -qRsitename');
        } else if (arg[0] === 'I') {
          o.flushId = arg.slice(1);
          if (o.flushId === '') throw new SendmailUsage('specify: -qIqueueid');
        } else throw new SendmailUsage(`-q${arg[0] ?? ''} is not implemented`);
        break;
      case 't':
        o.extract = true;
        break;
      case 'v':
        o.verbose++;
        break;
      default:
        // -A -L -O -U -c -e -h -m -p -x: accepted and ignored, as Postfix does.
        break;
    }
  }
  o.recipients = [...parsed.result.operands];
  if (o.extract && o.mode !== 'enqueue') throw new SendmailUsage('-t can be used only in delivery mode');
  if (o.flushSite !== undefined && o.mode !== 'enqueue')
    throw new SendmailUsage('-qR can be used only in delivery mode');
  if (o.flushId !== undefined && o.mode !== 'enqueue') throw new SendmailUsage('-qI can be used only in delivery mode');
  if (o.verify) {
    if (o.extract) throw new SendmailUsage('-t option cannot be used with -bv');
    if (o.notify !== 0) throw new SendmailUsage('-N option cannot be used with -bv');
    if (o.ret !== null) throw new SendmailUsage('-R option cannot be used with -bv');
    if (o.verbose === 1) throw new SendmailUsage('-v option cannot be used with -bv');
  }
  return o;
}
