/**
 * dict_unix: `unix:passwd.byname` and `unix:group.byname`, the system user
 * and group databases, as Postfix's default `local_recipient_maps =
 * proxy:unix:passwd.byname $alias_maps` needs. Node.js has no getpwnam(), so
 * affix reads /etc/passwd and /etc/group (re-read when they change); users
 * known only through NSS modules (LDAP, sssd) are not seen.
 *
 * Diagnostics: DictOpenError `unknown table: unix:NAME`; a lookup when the
 *   file cannot be read warns `cannot access UNIX password database: reason`
 *   and fails with a temporary error
 * Security: reads only the two fixed files passed in by the caller
 * See: postfix/src/util/dict_unix.c
 */
import { readFile } from 'node:fs/promises';
import { type Dict, DictLookupError, DictOpenError, lowercaseAscii } from './dict.ts';
import { type DictOpenContext, requireReadOnly, strerror } from './dict_context.ts';
import { ReloadingFile } from './dict_reload.ts';

/** Name -> Postfix's result line, first entry wins as with getpwnam(). */
type Db = ReadonlyMap<string, string>;

function passwdEntries(text: string): Db {
  const db = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || f[0] === '' || db.has(f[0]!)) continue;
    const [name, pw, uid, gid, gecos, dir, shell] = f as [string, string, string, string, string, string, string];
    db.set(name, `${name}:${pw}:${Number(uid)}:${Number(gid)}:${gecos}:${dir}:${shell}`);
  }
  return db;
}

function groupEntries(text: string): Db {
  const db = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || f[0] === '' || db.has(f[0]!)) continue;
    const [name, pw, gid, members] = f as [string, string, string, string];
    db.set(name, `${name}:${pw}:${Number(gid)}:${members.split(',').filter(Boolean).join(',')}`);
  }
  return db;
}

const TABLES = {
  'passwd.byname': { file: 'passwdFile', parse: passwdEntries, what: 'password' },
  'group.byname': { file: 'groupFile', parse: groupEntries, what: 'group' },
} as const;

export async function dictUnixOpen(ctx: DictOpenContext): Promise<Dict> {
  requireReadOnly(ctx);
  if (!Object.hasOwn(TABLES, ctx.name)) throw new DictOpenError(`unknown table: ${ctx.type}:${ctx.name}`);
  const table = TABLES[ctx.name as keyof typeof TABLES];
  const path = ctx[table.file];
  const spec = `${ctx.type}:${ctx.name}`;
  const source = new ReloadingFile<Db | Error>(
    path,
    async () => {
      try {
        return table.parse(await readFile(path, 'utf8'));
      } catch (err) {
        return err as Error;
      }
    },
    ctx.now,
  );
  return {
    type: ctx.type,
    name: ctx.name,
    fixed: true,
    async lookup(key) {
      const db = await source.get();
      if (db instanceof Error) {
        ctx.log.warn(`cannot access UNIX ${table.what} database: ${strerror(db)}`);
        throw new DictLookupError(spec, 'retry', strerror(db));
      }
      return db.get(ctx.flags.fold_fix ? lowercaseAscii(key) : key) ?? null;
    },
  };
}
