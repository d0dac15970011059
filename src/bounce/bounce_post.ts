/**
 * bounce_post: post_mail() for notifications — takes a queue ID from
 * cleanup, logs the notification under it (`ID: sender non-delivery
 * notification: NEWID`, as Postfix logs before writing), writes the
 * `Received: by $myhostname ($mail_name)` and `Date:` lines that post_mail
 * writes, and queues the message through cleanup as local mail with
 * origin `bounce`: the null sender for a notice to the sender,
 * double-bounce@$myhostname for one to the postmaster.
 *
 * Parameters: myhostname, mail_name
 * Diagnostics: the caller logs a refused notification (`sender
 *   notification failed to ...`) with the text returned here
 * See: postfix/src/global/post_mail.c (post_mail_init), postfix/src/global/cleanup_strerror.c
 */
import { MailError } from '../global/reply.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { BounceContext } from './bounce_context.ts';
import { bounceMailDate } from './bounce_date.ts';
import { headerField } from './bounce_header.ts';

/** The outcome of one submission: the new queue ID, or why cleanup refused it. */
export type PostResult = { readonly ok: true; readonly id: QueueId } | { readonly ok: false; readonly why: string };

export interface PostRequest {
  /** '' or double-bounce@$myhostname. */
  readonly sender: string;
  readonly recipient: string;
  /** The original requested SMTPUTF8: so does the notification. */
  readonly smtputf8: boolean;
  /** The notification says Content-Transfer-Encoding: 8bit. */
  readonly body8bit: boolean;
  /** Logs the notification line once the new queue ID is known. */
  readonly announce: (newId: QueueId) => void;
  /** The notification's text after the Received: and Date: lines. */
  readonly body: Buffer;
}

/** Queues one notification; resolves with its queue ID, or the reason cleanup gave for refusing it. */
export async function postMail(ctx: BounceContext, request: PostRequest): Promise<PostResult> {
  const p = ctx.params;
  const newId = ctx.cleanup.newQueueId();
  const now = ctx.clock();
  const date = bounceMailDate(now);
  request.announce(newId);
  const head =
    `${headerField('Received', [`by ${p.myhostname} (${p.mail_name})`, `id ${newId}; ${date}`])}\n` +
    `${headerField('Date', date)}\n`;
  const content = Buffer.concat([Buffer.from(head, 'utf8'), request.body]);
  try {
    const r = await ctx.cleanup.submit(
      {
        queueId: newId,
        sender: request.sender,
        recipients: [{ address: request.recipient, orcpt: null, notify: 0 }],
        client: null,
        origin: 'bounce',
        envid: null,
        ret: null,
        smtputf8: request.smtputf8,
        body8bit: request.body8bit,
        fullName: '',
        actions: {},
        logContext: 'local',
        arrival: now * 1000,
      },
      (async function* () {
        yield content;
      })(),
    );
    return { ok: true, id: r.queueId };
  } catch (err) {
    if (err instanceof MailError) return { ok: false, why: err.reply.text.replace(/^Error: /, '') };
    return { ok: false, why: (err as Error).message };
  }
}
