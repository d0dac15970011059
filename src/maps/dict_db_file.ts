/**
 * dict_db_file: the on-disk index `affix postmap` builds for `hash:`,
 * `btree:` and `lmdb:` tables, `<file>.affixdb` beside the source (never
 * Postfix's `<file>.db` or `<file>.lmdb`, which may sit beside it on a host
 * that also runs Postfix). The format is a header line, then each key and
 * value ended by a NUL byte, keys in byte order; it is written to a
 * temporary file and renamed, so a reader sees the old or the new index,
 * never half of one.
 *
 * Diagnostics: IndexFormatError for a file that is not an affix index
 * Security: writes only `<file>.affixdb` and its temporary sibling, with the
 *   permissions the caller asks for
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, rename, unlink } from 'node:fs/promises';

/** Suffix of the index file, after the source file's name. */
export const INDEX_SUFFIX = '.affixdb';

const MAGIC = 'affixdb 1\n';

export class IndexFormatError extends Error {
  constructor(path: string) {
    super(`${path}: not an affix table index (bad header)`);
    this.name = 'IndexFormatError';
  }
}

/** The entries of an index file's contents, in file order. */
export function decodeIndex(data: Buffer, path: string): Map<string, string> {
  if (data.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new IndexFormatError(path);
  const table = new Map<string, string>();
  let at = MAGIC.length;
  while (at < data.length) {
    const keyEnd = data.indexOf(0, at);
    const valueEnd = keyEnd < 0 ? -1 : data.indexOf(0, keyEnd + 1);
    if (valueEnd < 0) throw new IndexFormatError(path);
    table.set(data.toString('utf8', at, keyEnd), data.toString('utf8', keyEnd + 1, valueEnd));
    at = valueEnd + 1;
  }
  return table;
}

/** The file contents for `table`, keys sorted by their bytes (as btree and lmdb list them). */
export function encodeIndex(table: ReadonlyMap<string, string>): Buffer {
  const keys = [...table.keys()].map((k) => Buffer.from(k, 'utf8')).sort(Buffer.compare);
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1')];
  const nul = Buffer.alloc(1);
  for (const k of keys) parts.push(k, nul, Buffer.from(table.get(k.toString('utf8')) ?? '', 'utf8'), nul);
  return Buffer.concat(parts);
}

/** Writes `data` to `path` atomically (temporary file, fsync, rename), with permissions `mode`. */
export async function writeIndexFile(path: string, data: Buffer, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
