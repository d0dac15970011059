/**
 * smtpd_check: when each restriction list runs, and what the client hears.
 * With smtpd_delay_reject = yes (the default) the client, HELO and sender
 * lists are evaluated again at every RCPT (and ETRN), so their refusals
 * come as `reject: RCPT from ...`. At RCPT the relay list runs before the
 * recipient list (smtpd_relay_before_recipient_restrictions); a bare
 * `postmaster` is always accepted; a pending defer_if_permit turns a final
 * permit into its 4xx; and smtpd_reject_unlisted_recipient adds the
 * recipient table check at the end. Each entry point returns the refusal
 * (already logged by smtpd_reject) or null.
 *
 * Parameters: smtpd_delay_reject, smtpd_relay_before_recipient_restrictions,
 *   smtpd_reject_unlisted_recipient, smtpd_reject_unlisted_sender, message_size_limit
 * See: postfix/src/smtpd/smtpd_check.c (smtpd_check_client, _helo, _mail, _rcpt, _etrn,
 *      _data, _eod, _size)
 */
import type { Refusal } from '../global/reply.ts';
import { CheckAbort, type CheckCtx, type Status } from './smtpd_check_ctx.ts';
import { checkRecipientRcptMaps, checkSenderRcptMaps } from './smtpd_check_rcpt_maps.ts';
import { REPLY_CLASS, type ReplyClass } from './smtpd_dsn_fix.ts';
import { genericChecks } from './smtpd_generic.ts';
import { type CheckState, newCheckState, reject } from './smtpd_reject.ts';
import type { SmtpdSession } from './smtpd_state.ts';

function checkCtx(
  s: SmtpdSession,
  cs: CheckState,
  replyName: string,
  replyClass: ReplyClass,
  defAcl: string | null,
): CheckCtx {
  return { s, cs, replyName, replyClass, defAcl, generic: genericChecks };
}

/** Runs `body`; a CheckAbort (table or configuration error) is a refusal. */
async function guarded(cs: CheckState, body: () => Promise<Status>): Promise<Status> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof CheckAbort)) throw err;
    cs.refusal = err.refusal;
    return 'reject';
  }
}

/** A pending defer_if_permit turns anything but a refusal into its 4xx. */
function applyDeferIfPermit(s: SmtpdSession, cs: CheckState, status: Status): Status {
  if (status === 'reject' || !s.deferIfPermit.active) return status;
  const d = s.deferIfPermit.d!;
  const r = reject(s, cs, d.errorClass, d.code, d.dsn, d.text);
  if (r === null) return 'dunno';
  cs.refusal = r;
  return 'reject';
}

function result(cs: CheckState, status: Status): Refusal | null {
  return status === 'reject' ? cs.refusal : null;
}

export async function smtpdCheckClient(s: SmtpdSession): Promise<Refusal | null> {
  const list = s.ctx.restrictions.client;
  s.deferIfPermit.active = false;
  const cs = newCheckState();
  const cc = checkCtx(s, cs, s.peer.namaddr, REPLY_CLASS.client, 'check_client_access');
  const status = list.length === 0 ? 'dunno' : await guarded(cs, () => genericChecks(cc, list));
  s.deferIfPermitAt.client = s.deferIfPermit.active;
  return result(cs, status);
}

export function smtpdCheckHelo(s: SmtpdSession, helo: string | null): Promise<Refusal | null> {
  if (helo === null) return Promise.resolve(null);
  return s.withPushed('helo', helo, async () => {
    const list = s.ctx.restrictions.helo;
    s.deferIfPermit.active = s.deferIfPermitAt.client;
    const cs = newCheckState();
    const cc = checkCtx(s, cs, helo, REPLY_CLASS.helo, 'check_helo_access');
    const status = list.length === 0 ? 'dunno' : await guarded(cs, () => genericChecks(cc, list));
    s.deferIfPermitAt.helo = s.deferIfPermit.active;
    return result(cs, status);
  });
}

export function smtpdCheckMail(s: SmtpdSession, sender: string | null): Promise<Refusal | null> {
  if (sender === null) return Promise.resolve(null);
  return s.withPushed('sender', sender, async () => {
    const p = s.ctx.params;
    const list = s.ctx.restrictions.sender;
    s.deferIfPermit.active = s.deferIfPermitAt.client || s.deferIfPermitAt.helo;
    s.mapChecked.sender = false;
    const cs = newCheckState();
    const cc = checkCtx(s, cs, sender, REPLY_CLASS.sender, 'check_sender_access');
    let status = list.length === 0 ? 'dunno' : await guarded(cs, () => genericChecks(cc, list));
    s.deferIfPermitAt.sender = s.deferIfPermit.active;
    if (
      p.smtpd_reject_unlisted_sender &&
      status !== 'reject' &&
      !s.mapChecked.sender &&
      s.saved.discard === null &&
      sender !== ''
    ) {
      status = await guarded(cs, async () => checkSenderRcptMaps(cc, sender));
    }
    return result(cs, status);
  });
}

export async function smtpdCheckRcpt(s: SmtpdSession, recipient: string): Promise<Refusal | null> {
  if (recipient.toLowerCase() === 'postmaster') return null;
  return s.withPushed('recipient', recipient, async () => {
    const p = s.ctx.params;
    const r = s.ctx.restrictions;
    s.mapChecked.recipient = false;
    if (p.smtpd_delay_reject) {
      const err =
        (await smtpdCheckClient(s)) ?? (await smtpdCheckHelo(s, s.helo)) ?? (await smtpdCheckMail(s, s.sender));
      if (err !== null) return err;
    }
    s.deferIfPermit.active = s.deferIfPermitAt.sender;
    const cs = newCheckState();
    const cc = checkCtx(s, cs, recipient, REPLY_CLASS.recipient, 'check_recipient_access');
    const lists = p.smtpd_relay_before_recipient_restrictions ? [r.relay, r.recipient] : [r.recipient, r.relay];
    let status: Status = 'dunno';
    for (const list of lists) {
      status = list.length === 0 ? 'dunno' : await guarded(cs, () => genericChecks(cc, list));
      if (status === 'reject') break;
    }
    status = applyDeferIfPermit(s, cs, status);
    if (
      p.smtpd_reject_unlisted_recipient &&
      status !== 'reject' &&
      !s.mapChecked.recipient &&
      s.saved.discard === null
    ) {
      status = await guarded(cs, async () => checkRecipientRcptMaps(cc, recipient));
    }
    return result(cs, status);
  });
}

export function smtpdCheckEtrn(s: SmtpdSession, domain: string): Promise<Refusal | null> {
  s.etrnDomain = domain;
  const run = async (): Promise<Refusal | null> => {
    if (s.ctx.params.smtpd_delay_reject) {
      const err = (await smtpdCheckClient(s)) ?? (await smtpdCheckHelo(s, s.helo));
      if (err !== null) return err;
    }
    const list = s.ctx.restrictions.etrn;
    s.deferIfPermit.active = s.deferIfPermitAt.client || s.deferIfPermitAt.helo;
    const cs = newCheckState();
    const cc = checkCtx(s, cs, domain, REPLY_CLASS.etrn, 'check_etrn_access');
    let status = list.length === 0 ? 'dunno' : await guarded(cs, () => genericChecks(cc, list));
    status = applyDeferIfPermit(s, cs, status);
    return result(cs, status);
  };
  return run().finally(() => {
    s.etrnDomain = null;
  });
}

/** DATA and end-of-data: one recipient is named in log lines only when it is the only one. */
function checkMessage(
  s: SmtpdSession,
  list: readonly string[],
  name: string,
  cls: ReplyClass,
): Promise<Refusal | null> {
  const body = async (): Promise<Refusal | null> => {
    s.deferIfPermit.active = false;
    const cs = newCheckState();
    const cc = checkCtx(s, cs, name, cls, null);
    let status = list.length === 0 ? 'dunno' : await guarded(cs, () => genericChecks(cc, list));
    status = applyDeferIfPermit(s, cs, status);
    return result(cs, status);
  };
  return s.rcptCount > 1 ? s.withPushed('recipient', null, body) : body();
}

export function smtpdCheckData(s: SmtpdSession): Promise<Refusal | null> {
  return checkMessage(s, s.ctx.restrictions.data, 'DATA', REPLY_CLASS.data);
}

export function smtpdCheckEod(s: SmtpdSession): Promise<Refusal | null> {
  return checkMessage(s, s.ctx.restrictions.eod, 'END-OF-MESSAGE', REPLY_CLASS.eod);
}

/** smtpd_check_size(): the declared SIZE against message_size_limit (logged with the sender). */
export function smtpdCheckSize(s: SmtpdSession, sender: string, size: number): Refusal | null {
  const limit = s.ctx.params.message_size_limit;
  if (limit <= 0 || size <= limit) return null;
  return s.withSender(sender, () => reject(s, null, 'policy', 552, '5.3.4', 'Message size exceeds fixed limit'));
}
