/**
 * local_include: `:include:/path` lists and users' `.forward` files. An
 * include file must be an absolute path to a regular file that is not
 * world-writable; its entries are delivered with its owner's rights
 * (default_privs for root). A .forward file is looked for along
 * forward_path (after $user, $home, $extension expansion) and must belong
 * to the user or root.
 *
 * Parameters: forward_path, forward_expansion_filter, default_privs
 * Diagnostics: warnings `:include:PATH uses a relative path`, `:include: file PATH
 *   is not a regular file`, `... is world writable`, `cannot open include file PATH: ERR`,
 *   `file PATH has bad owner uid N`, `cannot open file PATH: ERR`
 * Security: include and forward files are read as root, but only when the
 *   permission bits let the user (the alias or forward owner) read them, and
 *   trusted only when owned by that user or root and not world-writable
 * See: postfix/src/local/include.c, postfix/src/local/dotforward.c
 */
import { open } from 'node:fs/promises';
import { strerror } from '../global/strerror.ts';
import { localExpand } from './local_expand.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/**
 * Postfix opens these files with the reader's rights; affix reads them as
 * root, so it checks the permission bits the reader would have had.
 */
function mayRead(st: { uid: number; gid: number; mode: number }, who: { uid: number; gid: number }): boolean {
  if (who.uid === 0) return true;
  if (st.uid === who.uid) return (st.mode & 0o400) !== 0;
  if (st.gid === who.gid) return (st.mode & 0o040) !== 0;
  return (st.mode & 0o004) !== 0;
}

/** Reads a list file as `who` would; the text and the file's status, or an error (EACCES). */
async function readList(path: string, who: { uid: number; gid: number }) {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    if (!mayRead(st, who)) {
      const err: NodeJS.ErrnoException = new Error('Permission denied');
      err.code = 'EACCES';
      throw err;
    }
    const text = st.isFile() ? await fh.readFile('utf8') : '';
    return { st, text };
  } finally {
    await fh.close();
  }
}

/** The text of an :include: file or .forward file without its comment lines. */
function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
}

/** deliver_include(): the entries of an :include: file. */
export async function deliverInclude(state: LocalState, attr: LocalAttr, path: string): Promise<void> {
  const log = state.ctx.log;
  if (state.beenHere(`include ${path}`)) return;
  if (attr.level > 100) {
    log.warn(`:include: nesting limit exceeded for ${path}`);
    return state.fail(attr, LOCAL_REASON.includeNesting());
  }
  if (!path.startsWith('/')) {
    log.warn(`:include:${path} uses a relative path`);
    return state.fail(attr, LOCAL_REASON.includeConfig());
  }
  let list: Awaited<ReturnType<typeof readList>>;
  try {
    list = await readList(path, attr.usr);
  } catch (err) {
    log.warn(`cannot open include file ${path}: ${strerror(err)}`);
    return state.fail(attr, LOCAL_REASON.includeConfig());
  }
  if (!list.st.isFile()) {
    log.warn(`:include: file ${path} is not a regular file`);
    return state.fail(attr, LOCAL_REASON.includeConfig());
  }
  if ((list.st.mode & 0o002) !== 0) {
    log.warn(`:include: file ${path} is world writable`);
    return state.fail(attr, LOCAL_REASON.includeConfig());
  }
  let usr = attr.usr;
  if (list.st.uid !== 0) {
    const owner = await state.ctx.passwd.byUid(list.st.uid).catch(() => null);
    if (owner === null) {
      log.warn(`${path}: cannot find :include: file owner username`);
      return state.fail(attr, LOCAL_REASON.includeOwner());
    }
    usr = { uid: owner.uid, gid: owner.gid, home: owner.home, logname: owner.name, shell: owner.shell };
  } else {
    const d = state.ctx.defaultPrivs;
    usr = { uid: d.uid, gid: d.gid, home: null, logname: null, shell: null };
  }
  const next: LocalAttr = { ...attr, level: attr.level + 1, expType: 'include', expFrom: path, usr };
  await state.ops.tokens(state, next, withoutComments(list.text));
}

/**
 * deliver_dotforward(): true when a .forward file was found and its
 * entries delivered; false to go on with the mailbox.
 */
export async function deliverDotforward(state: LocalState, attr: LocalAttr): Promise<boolean> {
  const ctx = state.ctx;
  if (attr.expType === 'forward' && attr.expFrom === attr.user) return false;
  if (ctx.raw.forward_path === '') return false;
  let pwd: Awaited<ReturnType<typeof ctx.passwd.byName>>;
  try {
    pwd = await ctx.passwd.byName(attr.user);
  } catch (err) {
    ctx.log.warn(`error looking up passwd info for ${attr.user}: ${(err as Error).message}`);
    state.fail(attr, LOCAL_REASON.userLookup());
    return true;
  }
  if (pwd === null) return false;
  const user: LocalAttr = {
    ...attr,
    usr: { uid: pwd.uid, gid: pwd.gid, home: pwd.home, logname: pwd.name, shell: pwd.shell },
  };
  const expanded = localExpand(state, user, ctx.raw.forward_path, ctx.params.forward_expansion_filter);
  if (expanded === null) {
    ctx.log.warn(`bad parameter value syntax for forward_path: ${ctx.raw.forward_path}`);
    return false;
  }
  for (const path of expanded.split(/[\s,]+/).filter((p) => p !== '')) {
    if (state.beenHere(`forward ${path}`)) continue;
    let list: Awaited<ReturnType<typeof readList>>;
    try {
      list = await readList(path, pwd);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') ctx.log.warn(`cannot open file ${path}: ${strerror(err)}`);
      continue;
    }
    if (!list.st.isFile()) {
      ctx.log.warn(`file ${path} is not a regular file`);
      continue;
    }
    if (list.st.uid !== 0 && list.st.uid !== pwd.uid) {
      ctx.log.warn(`file ${path} has bad owner uid ${list.st.uid}`);
      continue;
    }
    if ((list.st.mode & 0o002) !== 0) {
      ctx.log.warn(`file ${path} is world writable`);
      continue;
    }
    const next: LocalAttr = {
      ...user,
      level: attr.level + 1,
      expType: 'forward',
      expFrom: attr.user,
      delivered: ctx.params.frozen_delivered_to ? attr.delivered : attr.address,
    };
    const count = await state.ops.tokens(state, next, withoutComments(list.text));
    if (count > 0) return true;
  }
  return false;
}
