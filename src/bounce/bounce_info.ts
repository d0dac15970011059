/**
 * bounce_info: what every notification about one message shares (Postfix's
 * BOUNCE_INFO): the queue ID, the sender as reported
 * (`MAILER-DAEMON@$myhostname` for the null sender), the arrival time,
 * ENVID, whether SMTPUTF8 was requested, the MIME encoding of the
 * notification, the boundary `QUEUEID.unixtime/$myhostname`, `X-` +
 * $mail_name with RFC 822 specials made `-`, and the original message
 * read once.
 *
 * Parameters: smtputf8_enable, myhostname, mail_name, bounce_size_limit
 * See: postfix/src/bounce/bounce_notify_util.c (bounce_mail_alloc)
 */
import { quote822Local } from '../global/quote_822_local.ts';
import type { QueueMessage } from '../queue/queue_store.ts';
import type { BounceContext } from './bounce_context.ts';
import { type OriginalCopy, readOriginal } from './bounce_original.ts';

export interface BounceInfo {
  readonly message: QueueMessage;
  /** quote_822_local(sender), `MAILER-DAEMON@$myhostname` (mail_addr_mail_daemon()) for `<>`. */
  readonly sender: string;
  /** Arrival, seconds since the epoch (0: unknown). */
  readonly arrival: number;
  readonly envid: string | null;
  /** The original asked for SMTPUTF8 (SMTPUTF8_FLAG_REQUESTED): message/global-* parts. */
  readonly smtputf8: boolean;
  /** Content-Transfer-Encoding of the notification: 8bit, 7bit, or null when unknown (then omitted). */
  readonly mimeEncoding: '7bit' | '8bit' | null;
  readonly boundary: string;
  /** $mail_name as an RFC 822 atom, for X-Postfix-Queue-ID and Diagnostic-Code: X-Postfix. */
  readonly mailName: string;
  readonly original: OriginalCopy | null;
}

/** bounce_mail_alloc(): gathers the facts and reads the original. */
export async function bounceInfo(ctx: BounceContext, message: QueueMessage): Promise<BounceInfo> {
  const p = ctx.params;
  const env = message.envelope;
  return {
    message,
    sender: quote822Local(env.sender === '' ? `MAILER-DAEMON@${p.myhostname}` : env.sender),
    arrival: Math.max(0, Math.floor(env.arrival / 1e6)),
    envid: env.envid === null || env.envid === '' ? null : env.envid,
    smtputf8: env.smtputf8,
    // The queue knows 8bit (BODY=8BITMIME) but not 7bit from "unknown"; unknown gives no header, as in Postfix.
    mimeEncoding: p.smtputf8_enable || env.body8bit ? '8bit' : null,
    boundary: `${message.id}.${Math.floor(ctx.clock() / 1000)}/${p.myhostname}`,
    mailName: p.mail_name.replace(/[ \t\r\n()<>@,;:\\".[\]]/g, '-'),
    original: await readOriginal(ctx.store, message, p.bounce_size_limit),
  };
}
