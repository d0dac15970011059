/**
 * dict_db: `hash:`, `btree:` and `lmdb:` tables. The source is the text file
 * named; lookups use the `<file>.affixdb` index that `affix postmap` builds.
 * A rebuilt index is picked up without a restart (its identity is checked
 * at most once a second). Without an index, the source text is read directly
 * and a warning says to run `affix postmap`. Opened for update (postmap -i,
 * -d) or creation (a build), changes are kept in memory and written by close().
 *
 * Diagnostics: DictOpenError `open database FILE.affixdb: reason`; warnings
 *   `database FILE.affixdb is older than source file FILE` (as Postfix, only
 *   when the source changed more than 100 seconds ago) and for a missing index;
 *   `FILE.affixdb: duplicate entry: "key"` (`lmdb:FILE: ...` for lmdb, as Postfix)
 * See: postfix/src/util/dict_db.c, postfix/src/util/dict_lmdb.c
 */
import { readFile, stat } from 'node:fs/promises';
import { type Dict, DictLookupError, DictOpenError, foldFixedKey } from './dict.ts';
import { type DictOpenContext, isErrno, strerror, tablePath } from './dict_context.ts';
import { decodeIndex, encodeIndex, INDEX_SUFFIX, writeIndexFile } from './dict_db_file.ts';
import { DictHt } from './dict_ht.ts';
import { type FileIdentity, ReloadingFile } from './dict_reload.ts';
import { loadSource } from './dict_thash.ts';

/** Seconds a source file may be newer than its index before Postfix warns. */
const OLDER_GRACE_MS = 100_000;

type Loaded = { readonly table: ReadonlyMap<string, string> } | { readonly error: string };

/** The index name messages use (the source name as given, plus the suffix). */
export function indexName(name: string): string {
  return `${name}${INDEX_SUFFIX}`;
}

async function readSource(ctx: DictOpenContext, path: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { error: `open database ${indexName(ctx.name)}: ${strerror(err)}` };
    return { error: `open ${ctx.name}: ${strerror(err)}` };
  }
  const table = new DictHt(ctx.type, ctx.name, ctx.flags);
  loadSource({ ...ctx, flags: { ...ctx.flags, dup: 'warn' } }, table, text, false);
  return { table: new Map(await collect(table)) };
}

async function collect(dict: Dict): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const [k, v] of dict.entries!()) out.push([k, v]);
  return out;
}

async function readIndex(ctx: DictOpenContext, identity: FileIdentity, warnedMissing: { done: boolean }) {
  const path = tablePath(ctx, ctx.name);
  let data: Buffer;
  try {
    data = await readFile(`${path}${INDEX_SUFFIX}`);
  } catch (err) {
    return { error: `open database ${indexName(ctx.name)}: ${strerror(err)}` };
  }
  warnedMissing.done = false;
  try {
    const source = await stat(path);
    if (source.mtimeMs > identity.mtimeMs && source.mtimeMs < ctx.now() - OLDER_GRACE_MS)
      ctx.log.warn(`database ${indexName(ctx.name)} is older than source file ${ctx.name}`);
  } catch {
    // no source file: nothing to compare with
  }
  try {
    return { table: decodeIndex(data, indexName(ctx.name)) };
  } catch (err) {
    return { error: `open database ${(err as Error).message}` };
  }
}

/** Loads the index, or the source text when there is none. */
function loader(ctx: DictOpenContext): (identity: FileIdentity | null) => Promise<Loaded> {
  const warnedMissing = { done: false };
  return async (identity) => {
    if (identity !== null) return readIndex(ctx, identity, warnedMissing);
    const loaded = await readSource(ctx, tablePath(ctx, ctx.name));
    if ('table' in loaded && !warnedMissing.done) {
      warnedMissing.done = true;
      ctx.log.warn(
        `database ${indexName(ctx.name)} does not exist: using source file ${ctx.name} as is;` +
          ` run "affix postmap ${ctx.type}:${ctx.name}"`,
      );
    }
    return loaded;
  };
}

async function openReader(ctx: DictOpenContext): Promise<Dict> {
  const spec = `${ctx.type}:${ctx.name}`;
  const index = new ReloadingFile(`${tablePath(ctx, ctx.name)}${INDEX_SUFFIX}`, loader(ctx), ctx.now);
  const first = await index.get();
  if ('error' in first) throw new DictOpenError(first.error);
  const current = async () => {
    const loaded = await index.get();
    if ('error' in loaded) {
      ctx.log.warn(`${spec}: ${loaded.error}`);
      throw new DictLookupError(spec, 'retry', loaded.error);
    }
    return loaded.table;
  };
  return {
    type: ctx.type,
    name: ctx.name,
    fixed: true,
    lookup: async (key) => (await current()).get(foldFixedKey(key, ctx.flags)) ?? null,
    entries: async function* () {
      yield* (await current()).entries();
    },
  };
}

/** A table open for update or creation: changes in memory, written to the index by close(). */
async function openWriter(ctx: DictOpenContext): Promise<Dict> {
  const path = `${tablePath(ctx, ctx.name)}${INDEX_SUFFIX}`;
  let table = new Map<string, string>();
  let mode = ctx.createMode;
  if (ctx.mode !== 'create') {
    try {
      const [data, st] = await Promise.all([readFile(path), stat(path)]);
      table = decodeIndex(data, indexName(ctx.name));
      mode = st.mode & 0o7777;
    } catch (err) {
      // Like LMDB's open, an lmdb: table opened for update is created when missing.
      const create = (ctx.mode === 'append' || ctx.type === 'lmdb') && isErrno(err, 'ENOENT');
      if (!create) throw new DictOpenError(`open database ${indexName(ctx.name)}: ${errorText(err)}`);
    }
  }
  const dupName = ctx.type === 'lmdb' ? `${ctx.type}:${ctx.name}` : indexName(ctx.name);
  return {
    type: ctx.type,
    name: ctx.name,
    fixed: true,
    lookup: async (key) => table.get(foldFixedKey(key, ctx.flags)) ?? null,
    entries: async function* () {
      yield* table.entries();
    },
    async update(key, value) {
      const k = foldFixedKey(key, ctx.flags);
      if (table.has(k) && ctx.flags.dup !== 'replace') {
        const dup = `${dupName}: duplicate entry: "${k}"`;
        if (ctx.flags.dup === 'warn') ctx.log.warn(dup);
        if (ctx.flags.dup === 'fatal') throw new DictLookupError(`${ctx.type}:${ctx.name}`, 'config', dup);
        return;
      }
      table.set(k, value);
    },
    delete: async (key) => table.delete(foldFixedKey(key, ctx.flags)),
    close: () => writeIndexFile(path, encodeIndex(table), mode),
  };
}

function errorText(err: unknown): string {
  return err instanceof Error && !('code' in err) ? err.message : strerror(err);
}

export async function dictDbOpen(ctx: DictOpenContext): Promise<Dict> {
  return ctx.mode === 'read' ? openReader(ctx) : openWriter(ctx);
}
