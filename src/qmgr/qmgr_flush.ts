/**
 * qmgr_flush: what the flush service does for `postqueue -i ID` and
 * `postqueue -s SITE` before it triggers qmgr: the message's time stamps are
 * reset to now and it moves from deferred to incoming; for a site, every
 * deferred message with a recipient there. affix has no fast-flush logs: it
 * reads the deferred queue instead (one message at a time).
 *
 * Parameters: fast_flush_domains
 * Diagnostics: Error `Flush service is not configured for destination "SITE"`
 *   (what postqueue prints after `fatal: `)
 * See: postfix/src/flush/flush.c (flush_one_file, flush_send_path)
 */
import type { QueueId } from '../queue/queue_id.ts';
import type { QmgrContext } from './qmgr_context.ts';

/** flush_one_file(): due now; false when the message is neither deferred nor incoming. */
export async function flushOne(ctx: QmgrContext, id: QueueId): Promise<boolean> {
  try {
    await ctx.store.move(id, 'deferred', 'incoming', ctx.clock.now());
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for await (const e of ctx.store.list('incoming')) if (e.id === id) return true;
  return false;
}

/** The deferred messages with a pending recipient in `site`; throws when the site may not be flushed. */
export async function deferredForSite(ctx: QmgrContext, site: string): Promise<QueueId[]> {
  const domain = site.toLowerCase();
  const allowed = ctx.params.fast_flush_domains.some((d) => {
    const name = d.toLowerCase().replace(/^\./, '');
    return name === domain || domain.endsWith(`.${name}`);
  });
  if (!allowed) throw new Error(`Flush service is not configured for destination "${site}"`);
  const ids: QueueId[] = [];
  for await (const e of ctx.store.list('deferred')) {
    const m = await ctx.store.read('deferred', e.id).catch(() => null);
    if (m?.recipients.some((r) => !r.done && r.recipient.address.toLowerCase().endsWith(`@${domain}`))) ids.push(e.id);
  }
  return ids;
}
