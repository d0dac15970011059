/**
 * sendmail_bs: `sendmail -bs`, SMTP spoken on standard input and output by
 * a local user. Postfix runs smtpd in stand-alone mode for it; affix's
 * smtpd engine (src/smtpd) runs sessions on network sockets with the full
 * restriction machinery and exposes no stand-alone mode, so this is a
 * minimal SMTP server of its own: EHLO/HELO, MAIL FROM (BODY, RET, ENVID;
 * SIZE accepted), RCPT TO (NOTIFY; ORCPT accepted, not kept), DATA, RSET,
 * NOOP, VRFY, QUIT, with
 * Postfix's reply texts. There are no relay controls (the user is local,
 * as in Postfix's stand-alone mode); each accepted message goes into
 * maildrop exactly as `sendmail` puts it there (sendmail_drop.ts) and gets
 * `250 2.0.0 Ok: queued as ID` with the maildrop ID (pickup gives it a new
 * one, as Postfix does).
 *
 * Parameters: myhostname, smtpd_banner, message_size_limit, line_length_limit
 * Security: input is read line by line, each line bounded by
 *   line_length_limit and each message by message_size_limit
 * See: postfix/src/smtpd/smtpd.c (SMTPD_STAND_ALONE), postfix-compat.md §5.7, §6.5
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { QueueStore } from '../queue/queue_store.ts';
import { argumentRecipients, DropError, type DropRequest, postdrop } from './sendmail_drop.ts';
import { notifyMask } from './sendmail_options.ts';

export const BS_REPLY = {
  ok: '250 2.0.0 Ok',
  mailOk: '250 2.1.0 Ok',
  rcptOk: '250 2.1.5 Ok',
  data: '354 End data with <CR><LF>.<CR><LF>',
  queued: (id: string) => `250 2.0.0 Ok: queued as ${id}`,
  bye: '221 2.0.0 Bye',
  vrfy: (arg: string) => `252 2.0.0 ${arg}`,
  nestedMail: '503 5.5.1 Error: nested MAIL command',
  needMail: '503 5.5.1 Error: need MAIL command',
  needRcpt: '503 5.5.1 Error: need RCPT command',
  mailSyntax: '501 5.5.4 Syntax: MAIL FROM:<address>',
  rcptSyntax: '501 5.5.4 Syntax: RCPT TO:<address>',
  dataSyntax: '501 5.5.4 Syntax: DATA',
  badSyntax: '500 5.5.2 Error: bad syntax',
  unknown: '502 5.5.2 Error: command not recognized',
  tooBig: '552 5.3.4 Error: message file too big',
  writeError: '451 4.3.0 Error: queue file write error',
  lineTooLong: '500 5.5.2 Error: line too long',
} as const;

export interface BsContext {
  readonly store: QueueStore;
  readonly myhostname: string;
  readonly banner: string;
  readonly message_size_limit: number;
  readonly line_length_limit: number;
  /** What every message of the session shares (uid, rewrite context, fix-EOL mode). */
  readonly base: Omit<
    DropRequest,
    'sender' | 'recipients' | 'ret' | 'envid' | 'body8bit' | 'notify' | 'extract' | 'dotEnds'
  >;
  /** Called after each message is in maildrop (pickup is poked). */
  readonly queued: (id: string) => Promise<void>;
}

interface Txn {
  sender: string;
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
  body8bit: boolean;
  recipients: { address: string; notify: number }[];
}

/** `FROM:<addr> PARAM=VALUE ...` → the address (internal form) and parameters; null when malformed. */
function parsePath(arg: string, keyword: 'FROM' | 'TO'): { address: string; params: Map<string, string> } | null {
  const m = new RegExp(`^${keyword}:\\s*<([^>]*)>((?:\\s+\\S+)*)\\s*$`, 'i').exec(arg);
  if (m === null) return null;
  const params = new Map<string, string>();
  for (const p of (m[2] ?? '')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')) {
    const eq = p.indexOf('=');
    params.set((eq < 0 ? p : p.slice(0, eq)).toUpperCase(), eq < 0 ? '' : p.slice(eq + 1));
  }
  const inner = m[1]!.replace(/^@[^:]*:/, ''); // source route
  return { address: inner === '' ? '' : (argumentRecipients(`<${inner}>`)[0] ?? ''), params };
}

/** Runs one SMTP session on `input`/`write` until QUIT or end of input. */
export async function smtpStandAlone(ctx: BsContext, input: Readable, write: (text: string) => void): Promise<void> {
  const reply = (text: string) => write(`${text}\r\n`);
  reply(`220 ${ctx.banner}`);
  let txn: Txn | null = null;
  let data: Buffer[] | null = null;
  let dataSize = 0;
  let tooBig = false;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (data !== null && txn !== null) {
      if (line !== '.') {
        const text = line.startsWith('.') ? line.slice(1) : line;
        dataSize += Buffer.byteLength(text) + 1;
        if (ctx.message_size_limit > 0 && dataSize > ctx.message_size_limit) tooBig = true;
        if (!tooBig) data.push(Buffer.from(`${text}\n`));
        continue;
      }
      const body = data;
      data = null;
      if (tooBig) reply(BS_REPLY.tooBig);
      else reply(await deliver(ctx, txn, body));
      txn = null;
      continue;
    }
    if (line.length > ctx.line_length_limit) {
      reply(BS_REPLY.lineTooLong);
      continue;
    }
    const verb = line.trim().split(/\s+/)[0] ?? '';
    const arg = line.trim().slice(verb.length).trim();
    switch (verb.toUpperCase()) {
      case '':
        reply(BS_REPLY.badSyntax);
        break;
      case 'HELO':
        reply(`250 ${ctx.myhostname}`);
        break;
      case 'EHLO':
        reply(`250-${ctx.myhostname}`);
        for (const ext of ['PIPELINING', `SIZE ${ctx.message_size_limit}`, 'VRFY', 'ENHANCEDSTATUSCODES', '8BITMIME']) {
          reply(`250-${ext}`);
        }
        reply('250 DSN');
        break;
      case 'MAIL': {
        if (txn !== null) {
          reply(BS_REPLY.nestedMail);
          break;
        }
        const p = parsePath(arg, 'FROM');
        if (p === null) {
          reply(BS_REPLY.mailSyntax);
          break;
        }
        const ret = p.params.get('RET')?.toUpperCase();
        txn = {
          sender: p.address,
          ret: ret === 'FULL' || ret === 'HDRS' ? ret : null,
          envid: p.params.get('ENVID') ?? null,
          body8bit: p.params.get('BODY')?.toUpperCase() === '8BITMIME',
          recipients: [],
        };
        reply(BS_REPLY.mailOk);
        break;
      }
      case 'RCPT': {
        if (txn === null) {
          reply(BS_REPLY.needMail);
          break;
        }
        const p = parsePath(arg, 'TO');
        if (p === null) {
          reply(BS_REPLY.rcptSyntax);
          break;
        }
        txn.recipients.push({ address: p.address, notify: notifyMask(p.params.get('NOTIFY') ?? '') });
        reply(BS_REPLY.rcptOk);
        break;
      }
      case 'DATA':
        if (txn === null) reply(BS_REPLY.needMail);
        else if (txn.recipients.length === 0) reply(BS_REPLY.needRcpt);
        else if (arg !== '') reply(BS_REPLY.dataSyntax);
        else {
          data = [];
          dataSize = 0;
          tooBig = false;
          reply(BS_REPLY.data);
        }
        break;
      case 'RSET':
        txn = null;
        reply(BS_REPLY.ok);
        break;
      case 'NOOP':
        reply(BS_REPLY.ok);
        break;
      case 'VRFY':
        reply(BS_REPLY.vrfy(arg));
        break;
      case 'QUIT':
        reply(BS_REPLY.bye);
        lines.close();
        return;
      default:
        reply(BS_REPLY.unknown);
    }
  }
}

/** One accepted message into maildrop: the reply for the client. */
async function deliver(ctx: BsContext, txn: Txn, body: readonly Buffer[]): Promise<string> {
  // Recipients with different NOTIFY masks share one maildrop file; the first mask given applies to all.
  const notify = txn.recipients.find((r) => r.notify !== 0)?.notify ?? 0;
  try {
    const id = await postdrop(
      ctx.store,
      {
        ...ctx.base,
        sender: txn.sender,
        recipients: txn.recipients.map((r) => r.address),
        ret: txn.ret,
        envid: txn.envid,
        body8bit: txn.body8bit,
        notify,
        extract: false,
        dotEnds: false,
      },
      (async function* () {
        yield* body;
      })(),
    );
    await ctx.queued(id);
    return BS_REPLY.queued(id);
  } catch (err) {
    if (err instanceof DropError && err.message.endsWith('too big')) return BS_REPLY.tooBig;
    return BS_REPLY.writeError;
  }
}
