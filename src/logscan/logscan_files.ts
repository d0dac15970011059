/**
 * logscan_files: the rotated generations of a log file, oldest first, so a
 * scan reads them in time order: logrotate's numbered `mail.log.1`,
 * `mail.log.2.gz` (higher is older) and dated `mail.log-20261129[.gz]`,
 * and `postfix logrotate`'s `mail.log.20261129-090517[.gz]`
 * (maillog_file_rotate_suffix = %Y%m%d-%H%M%S). Generations are ordered by
 * modification time (gzip keeps it), ties by their names.
 *
 * Parameters: maillog_file, maillog_file_rotate_suffix (default form only)
 * See: postfix/conf/postfix-script (logrotate), logrotate(8)
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Generation {
  readonly path: string;
  readonly mtime: number;
  /** Larger is older for numbered generations; dated ones sort by their date. */
  readonly rank: number;
  readonly name: string;
}

/**
 * The rotated generations of `path` that exist, oldest first (not `path`
 * itself). Compressions other than gzip (`.bz2`, `.xz`, `.zst`) are left out:
 * node cannot read them.
 */
export async function rotatedGenerations(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = escapeRegExp(basename(path));
  const numbered = new RegExp(`^${base}\\.(\\d{1,4})(?:\\.gz)?$`);
  const dated = new RegExp(`^${base}[.-](\\d{8}(?:-\\d{6})?)(?:\\.gz)?$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: Generation[] = [];
  for (const name of names) {
    const n = numbered.exec(name);
    const d = n === null ? dated.exec(name) : null;
    if (n === null && d === null) continue;
    const full = join(dir, name);
    try {
      const st = await stat(full);
      if (!st.isFile()) continue;
      const rank = n !== null ? -Number(n[1]) : Number(d![1]!.replace('-', ''));
      found.push({ path: full, mtime: st.mtimeMs, rank, name });
    } catch {
      // vanished while listing: rotation in progress
    }
  }
  found.sort((a, b) => a.mtime - b.mtime || a.rank - b.rank || (a.name < b.name ? -1 : 1));
  return found.map((g) => g.path);
}
