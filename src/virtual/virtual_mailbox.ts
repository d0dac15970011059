/**
 * virtual_mailbox: delivery of one recipient of a virtual mailbox domain —
 * its mailbox from virtual_mailbox_maps (relative to virtual_mailbox_base;
 * a trailing `/` means Maildir), its uid and gid from virtual_uid_maps and
 * virtual_gid_maps (uid at least virtual_minimum_uid), affix's per-mailbox
 * quota, and the write itself as that uid/gid.
 *
 * Parameters: virtual_mailbox_maps, virtual_mailbox_base, virtual_uid_maps,
 *   virtual_gid_maps, virtual_minimum_uid, virtual_mailbox_limit,
 *   virtual_mailbox_lock, virtual_mailbox_quota_maps (affix), recipient_delimiter,
 *   strict_mailbox_ownership, deliver_lock_attempts, deliver_lock_delay, stale_lock_time
 * Diagnostics: `warning: recipient ADDR: bad uid X in virtual_uid_maps`,
 *   `warning: recipient ADDR: not found in virtual_gid_maps`,
 *   `warning: recipient ADDR: bad mailbox path X in virtual_mailbox_maps`,
 *   `warning: table virtual_mailbox_maps: lookup ADDR: ...` (each defers with 4.3.5)
 * Security: writes only below virtual_mailbox_base, never as a uid below
 *   virtual_minimum_uid or as gid 0; `/../` in a table result is refused
 * See: postfix/src/virtual/mailbox.c, postfix/src/virtual/maildir.c
 */

import { MAIL_COPY, MAIL_COPY_MBOX } from '../global/mail_copy.ts';
import { deliverAsUser } from '../mailbox/deliver_as_user.ts';
import { mailboxUsage, parseQuota } from '../mailbox/mailbox_usage.ts';
import type { JobCopy } from '../mailbox/mailbox_write.ts';
import { DictLookupError } from '../maps/dict.ts';
import { mailAddrFind } from '../maps/mail_addr_find.ts';
import type { Maps } from '../maps/maps.ts';
import type { DeliveryRecipient, DeliveryRequest } from '../queue/deliver_request.ts';
import type { VirtualContext } from './virtual_context.ts';
import { VIRTUAL_REASON, type VirtualReason } from './virtual_reasons.ts';

export type VirtualVerdict = { readonly kind: 'sent' | 'deferred' | 'bounced'; readonly reason: VirtualReason };

const sent = (reason: VirtualReason): VirtualVerdict => ({ kind: 'sent', reason });
const fail = (reason: VirtualReason): VirtualVerdict => ({
  kind: reason.dsn.startsWith('4') ? 'deferred' : 'bounced',
  reason,
});

/** mail_addr_find() in a table: the value, null when absent; throws DictLookupError. */
async function find(ctx: VirtualContext, maps: Maps | null, address: string): Promise<string | null> {
  if (maps === null) return null;
  const r = await mailAddrFind(maps, address, {
    recipient_delimiter: ctx.params.recipient_delimiter,
    strategy: ['full', 'noext', 'at_domain'],
  });
  return r?.value ?? null;
}

/** The mbox or Maildir copy attributes for this recipient. */
function copyAttrs(ctx: VirtualContext, request: DeliveryRequest, rcpt: DeliveryRecipient, flags: number): JobCopy {
  return {
    flags,
    sender: request.message.envelope.sender,
    origRcpt: rcpt.original,
    delivered: rcpt.address,
    enable_original_recipient: ctx.params.enable_original_recipient,
    now: ctx.now(),
  };
}

/** deliver_mailbox(): null when the address has no mailbox here (unknown user). */
export async function deliverVirtualMailbox(
  ctx: VirtualContext,
  request: DeliveryRequest,
  rcpt: DeliveryRecipient,
): Promise<VirtualVerdict | null> {
  const p = ctx.params;
  const log = ctx.log;
  const address = rcpt.address.toLowerCase();
  if (!p.virtual_mailbox_base.startsWith('/')) {
    log.error(`do not specify relative pathname: virtual_mailbox_base = ${p.virtual_mailbox_base}`);
    return fail(VIRTUAL_REASON.configError());
  }
  const lookup = async (maps: Maps | null): Promise<string | null | Error> => {
    try {
      return await find(ctx, maps, address);
    } catch (err) {
      if (err instanceof DictLookupError) return err;
      throw err;
    }
  };
  const mailbox = await lookup(ctx.mailboxMaps);
  if (mailbox instanceof Error) {
    log.warn(`table virtual_mailbox_maps: lookup ${address}: ${mailbox.message}`);
    return fail(VIRTUAL_REASON.configError());
  }
  if (mailbox === null) return null;
  const path = `${p.virtual_mailbox_base}/${mailbox}`;
  if (path.slice(p.virtual_mailbox_base.length).includes('/../')) {
    log.warn(`recipient ${address}: bad mailbox path ${mailbox} in virtual_mailbox_maps`);
    return fail(VIRTUAL_REASON.configError());
  }
  const ids: number[] = [];
  for (const [title, maps] of [
    ['virtual_uid_maps', ctx.uidMaps],
    ['virtual_gid_maps', ctx.gidMaps],
  ] as const) {
    const v = await lookup(maps);
    if (v === null || v instanceof Error) {
      log.warn(`recipient ${address}: not found in ${title}`);
      return fail(VIRTUAL_REASON.configError());
    }
    const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    const bad = title === 'virtual_uid_maps' ? !(n >= p.virtual_minimum_uid) : !(n > 0);
    if (Number.isNaN(n) || bad || n >= 2 ** 32 - 1) {
      log.warn(`recipient ${address}: bad ${title === 'virtual_uid_maps' ? 'uid' : 'gid'} ${v} in ${title}`);
      return fail(VIRTUAL_REASON.configError());
    }
    ids.push(n);
  }
  const who = { uid: ids[0]!, gid: ids[1]! };
  const maildir = path.endsWith('/');
  if (request.verifyOnly) return sent(maildir ? VIRTUAL_REASON.verifyMaildir() : VIRTUAL_REASON.verifyMailbox());

  const quotaValue = await lookup(ctx.quotaMaps);
  if (quotaValue instanceof Error) {
    log.warn(`table virtual_mailbox_quota_maps: lookup ${address}: ${quotaValue.message}`);
    return fail(VIRTUAL_REASON.configError());
  }
  if (quotaValue !== null) {
    const quota = parseQuota(quotaValue);
    if (quota === null) {
      log.warn(`recipient ${address}: bad quota ${quotaValue} in virtual_mailbox_quota_maps`);
      return fail(VIRTUAL_REASON.configError());
    }
    const used = await mailboxUsage(path);
    if (quota > 0 && used + request.message.size > quota) {
      return fail(VIRTUAL_REASON.overQuota(path, quota, used, request.message.size));
    }
  }

  const warn = (t: string) => log.warn(t);
  if (maildir) {
    const flags = MAIL_COPY.TOFILE | MAIL_COPY.RETURN_PATH | MAIL_COPY.ORIG_RCPT | MAIL_COPY.DELIVERED;
    const r = await deliverAsUser(
      { kind: 'maildir', path, copy: copyAttrs(ctx, request, rcpt, flags) },
      who,
      request.content,
      warn,
    );
    if (r.ok) return sent(VIRTUAL_REASON.maildir());
    if (r.code === 'EACCES') {
      log.warn(`maildir access problem for UID/GID=${who.uid}/${who.gid}: ${r.text}`);
      log.warn('perhaps you need to create the maildirs in advance');
    }
    const dsn = r.dsn === '5.2.0' ? '4.2.0' : r.dsn;
    return fail({ dsn, text: `${VIRTUAL_REASON.maildirPrefix}${r.text}` });
  }
  const r = await deliverAsUser(
    {
      kind: 'mbox',
      path,
      copy: copyAttrs(ctx, request, rcpt, MAIL_COPY_MBOX),
      // Node cannot take fcntl()/flock() locks: the dot lock is always taken.
      dotlock: true,
      lock: {
        deliver_lock_attempts: p.deliver_lock_attempts,
        deliver_lock_delay: p.deliver_lock_delay,
        stale_lock_time: p.stale_lock_time,
      },
      sizeLimit: p.virtual_mailbox_limit,
      ownerUid: p.strict_mailbox_ownership ? who.uid : null,
      chown: null,
      defDsn: '4.2.0',
    },
    who,
    request.content,
    warn,
  );
  if (r.ok) return sent(VIRTUAL_REASON.mailbox());
  if (r.text.includes('not owned by recipient')) {
    log.warn('specify "strict_mailbox_ownership = no" to ignore mailbox ownership mismatch');
  }
  if (r.text.includes('is not a regular file')) {
    log.warn(`recipient ${rcpt.address}: destination ${path} is not a regular file`);
    return fail({ dsn: '5.3.5', text: `${VIRTUAL_REASON.mailboxPrefix(path)}mail system configuration error` });
  }
  return fail({ dsn: r.dsn, text: `${VIRTUAL_REASON.mailboxPrefix(path)}${r.text}` });
}
