/**
 * local_alias: aliases(5) for a local recipient — the name looked up in
 * alias_maps (with its extension first, then without), its list delivered
 * entry by entry with the rights of the alias database's owner (root:
 * files and commands then run as default_privs), and the `owner-NAME`
 * rule: when that alias exists, errors go to it (the sender becomes
 * owner-NAME) and DSN requests are not passed on.
 *
 * Parameters: alias_maps, owner_request_special, expand_owner_alias, frozen_delivered_to
 * Diagnostics: `warning: TYPE:NAME: lookup of 'KEY' failed`,
 *   `warning: no recipient in alias lookup result for NAME`, `warning: alias database loop for NAME`
 * See: postfix/src/local/alias.c
 */
import { stat } from 'node:fs/promises';
import { DictLookupError } from '../maps/dict.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState, UserAttr } from './local_state.ts';

/** The owner of a table's file; root (trusted) when it cannot be told. */
async function tableOwner(state: LocalState, name: string): Promise<UserAttr> {
  const root: UserAttr = { uid: 0, gid: 0, home: null, logname: null, shell: null };
  for (const path of [`${name}.db`, name]) {
    try {
      const st = await stat(path);
      if (st.uid === 0) return root;
      const pwd = await state.ctx.passwd.byUid(st.uid);
      if (pwd !== null) return { uid: pwd.uid, gid: pwd.gid, home: pwd.home, logname: pwd.name, shell: pwd.shell };
      return { uid: st.uid, gid: st.gid, home: null, logname: null, shell: null };
    } catch {
      // try the next form of the name
    }
  }
  return root;
}

/** deliver_alias(): true when `name` is an alias (delivered, deferred or bounced here). */
export async function deliverAlias(state: LocalState, attr: LocalAttr, name: string): Promise<boolean> {
  const ctx = state.ctx;
  const maps = ctx.aliasMaps;
  if (maps === null) return false;
  if (attr.expFrom !== null && attr.expFrom.toLowerCase() === name.toLowerCase()) return false;
  if (attr.level > 100) {
    ctx.log.warn(`alias database loop for ${name}`);
    state.fail(attr, LOCAL_REASON.aliasLoop(name));
    return true;
  }
  for (const dict of maps.dicts) {
    let value: string | null;
    try {
      value = await dict.lookup(name);
    } catch (err) {
      if (!(err instanceof DictLookupError)) throw err;
      ctx.log.warn(`${dict.type}:${dict.name}: lookup of '${name}' failed`);
      state.fail(attr, LOCAL_REASON.aliasUnavailable());
      return true;
    }
    if (value === null) continue;
    const usr = await tableOwner(state, dict.name);
    let owner: string | null = null;
    let sender = attr.sender;
    if (ctx.params.owner_request_special) {
      let ownerRhs: string | null = null;
      try {
        ownerRhs = await maps.find(`owner-${name}`);
      } catch (err) {
        if (!(err instanceof DictLookupError)) throw err;
        state.fail(attr, LOCAL_REASON.aliasUnavailable());
        return true;
      }
      if (ownerRhs !== null) {
        const o = ctx.params.expand_owner_alias ? ownerRhs : `owner-${name}`;
        owner = o.includes('@') ? o : `${o}@${ctx.params.myorigin}`;
        sender = owner;
      }
    }
    const next: LocalAttr = {
      ...attr,
      level: attr.level + 1,
      expType: 'alias',
      expFrom: name,
      usr,
      owner,
      sender,
      // An owner- alias takes over error reports: the original recipient is not passed on.
      original: owner !== null ? '' : attr.original,
      delivered: ctx.params.frozen_delivered_to ? attr.delivered : attr.address,
    };
    const count = await state.ops.tokens(state, next, value);
    if (count < 1) {
      ctx.log.warn(`no recipient in alias lookup result for ${name}`);
      state.fail(attr, LOCAL_REASON.aliasUnavailable());
    }
    return true;
  }
  return false;
}
