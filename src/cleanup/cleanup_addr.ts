/**
 * cleanup_addr: the envelope addresses of a message. The sender and each
 * recipient are put in canonical form (local context), then mapped with
 * the canonical tables and masqueraded as the *_classes parameters say;
 * mailer-daemon@$myorigin becomes the null sender; each recipient is
 * expanded through virtual_alias_maps, and duplicates are dropped.
 *
 * Parameters: canonical_classes, sender_canonical_classes,
 *   recipient_canonical_classes, masquerade_classes,
 *   propagate_unmatched_extensions, enable_original_recipient,
 *   duplicate_filter_limit, empty_address_recipient, myorigin
 * Security: addresses come from SMTP clients and local users; they reach
 *   tables as lookup keys only
 * See: postfix/src/cleanup/cleanup_addr.c, cleanup_out_recipient.c
 */
import type { QueueRecipient } from '../queue/queue_envelope.ts';
import type { CleanupContext } from './cleanup_context.ts';
import { cleanupMap1n } from './cleanup_map1n.ts';
import { cleanupMap11 } from './cleanup_map11.ts';
import { cleanupMasquerade } from './cleanup_masquerade.ts';
import { cleanupRewrite } from './cleanup_rewrite.ts';
import type { CleanupRecipient } from './cleanup_service.ts';
import type { CleanupState } from './cleanup_state.ts';

/** Which address class a rewrite applies to (the *_classes parameters' words). */
export type AddressClass = 'envelope_sender' | 'envelope_recipient' | 'header_sender' | 'header_recipient';

/** Canonical mapping and masquerading of one address of `cls`, in Postfix's order. */
export async function mapAddress(
  ctx: CleanupContext,
  state: CleanupState,
  address: string,
  cls: AddressClass,
): Promise<string> {
  if (!state.init.mapOk) return address;
  const p = ctx.params;
  const t = ctx.tables;
  const propagate = p.propagate_unmatched_extensions.includes('canonical');
  let addr = address;
  const sender = cls === 'envelope_sender' || cls === 'header_sender';
  const own = sender ? t.sender_canonical_maps : t.recipient_canonical_maps;
  const ownClasses = sender ? p.sender_canonical_classes : p.recipient_canonical_classes;
  if (own !== null && ownClasses.includes(cls)) addr = await cleanupMap11(ctx, state, addr, own, propagate);
  if (t.canonical_maps !== null && p.canonical_classes.includes(cls)) {
    addr = await cleanupMap11(ctx, state, addr, t.canonical_maps, propagate);
  }
  if (p.masquerade_domains.length > 0 && p.masquerade_classes.includes(cls)) {
    addr = await cleanupMasquerade(ctx, state, addr);
  }
  return addr;
}

/** cleanup_addr_sender(): the envelope sender as queued. */
export async function cleanupSender(ctx: CleanupContext, state: CleanupState, sender: string): Promise<string> {
  let clean = await cleanupRewrite(ctx.rewriter, 'local', sender);
  // mailer-daemon@$myorigin is the null sender, so bounces of bounces stay null.
  const daemon = await cleanupRewrite(ctx.rewriter, 'local', 'MAILER-DAEMON');
  if (clean.toLowerCase() === daemon.toLowerCase()) clean = '';
  clean = await mapAddress(ctx, state, clean, 'envelope_sender');
  state.sender = clean;
  return clean;
}

/** cleanup_addr_recipient() and cleanup_out_recipient() for every recipient, duplicates dropped. */
export async function cleanupRecipients(
  ctx: CleanupContext,
  state: CleanupState,
  recipients: readonly CleanupRecipient[],
): Promise<QueueRecipient[]> {
  const p = ctx.params;
  const out: QueueRecipient[] = [];
  const seen = new Set<string>();
  const add = (r: QueueRecipient) => {
    const key = p.enable_original_recipient
      ? `${r.orcpt ?? ''}\n${r.notify}\n${r.original}\n${r.address}`
      : r.address.toLowerCase();
    if (seen.has(key)) return;
    if (p.duplicate_filter_limit === 0 || seen.size < p.duplicate_filter_limit) seen.add(key);
    out.push(r);
  };
  const virtual = state.init.mapOk ? ctx.tables.virtual_alias_maps : null;
  const propagate = p.propagate_unmatched_extensions.includes('virtual');
  for (const r of recipients) {
    let clean = await cleanupRewrite(ctx.rewriter, 'local', r.address === '' ? p.empty_address_recipient : r.address);
    clean = await mapAddress(ctx, state, clean, 'envelope_recipient');
    state.recipient = clean;
    const orcpt = r.orcpt ?? (clean === '' ? null : `rfc822;${clean}`);
    const expanded = virtual === null ? [clean] : await cleanupMap1n(ctx, state, clean, virtual, propagate);
    for (const address of expanded) add({ address, original: r.address, orcpt, notify: r.notify });
  }
  return out;
}
