/**
 * mailbox_usage: how many bytes a mailbox takes now — an mbox file's size,
 * or the files in a Maildir's new/ and cur/ — for per-mailbox quotas
 * (virtual_mailbox_quota_maps, affix's own parameter). Shared so that
 * virtual (at delivery) and smtpd (at RCPT) measure alike.
 *
 * Security: reads directory entries and sizes only, never file contents;
 *   does not follow symlinks
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes in the mailbox at `path` (a trailing `/` means Maildir); 0 when it does not exist yet. */
export async function mailboxUsage(path: string): Promise<number> {
  if (!path.endsWith('/')) {
    try {
      const st = await lstat(path);
      return st.isFile() ? st.size : 0;
    } catch {
      return 0;
    }
  }
  let total = 0;
  for (const sub of ['new', 'cur']) {
    let names: string[];
    try {
      names = await readdir(join(path, sub));
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        const st = await lstat(join(path, sub, name));
        if (st.isFile()) total += st.size;
      } catch {
        // gone since readdir: a reader moved or removed it
      }
    }
  }
  return total;
}

/** A quota value: bytes, with an optional k/m/g (1024-based) suffix; null when malformed. */
export function parseQuota(value: string): number | null {
  const m = /^\s*(\d+)\s*([kKmMgG]?)[bB]?\s*$/.exec(value);
  if (m === null) return null;
  const factor = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!;
  return Number(m[1]) * factor;
}
