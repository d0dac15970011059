/**
 * local_file: delivery to a file named in an alias, .forward or :include:
 * file (`/path`, or `/path/` for a Maildir): appended mbox-style with the
 * rights of whoever named it (default_privs instead of root); refused when
 * allow_mail_to_files does not allow it, or when the file is executable.
 *
 * Parameters: allow_mail_to_files, default_privs, prepend_delivered_header,
 *   deliver_lock_attempts, deliver_lock_delay, stale_lock_time
 * Security: written as the owner of the alias or forward file, never as root
 * See: postfix/src/local/file.c
 */
import { stat } from 'node:fs/promises';
import { MAIL_COPY, MAIL_COPY_MBOX } from '../global/mail_copy.ts';
import { deliverAsUser } from '../mailbox/deliver_as_user.ts';
import { deliverMaildirAs, jobCopy, prependDelivered } from './local_maildir.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/** allow_mail_to_files / allow_mail_to_commands: `alias`, `forward`, `include` (expansion types). */
export function allowed(list: readonly string[], attr: LocalAttr): boolean {
  return attr.expType !== null && list.map((w) => w.toLowerCase()).includes(attr.expType);
}

/** deliver_file(): appends the message to `path` for the current address. */
export async function deliverFile(state: LocalState, attr: LocalAttr, path: string): Promise<void> {
  const ctx = state.ctx;
  const p = ctx.params;
  if (state.beenHere(`file ${attr.user}:${attr.usr.uid} ${path}`)) return;
  if (!allowed(p.allow_mail_to_files, attr)) return state.fail(attr, LOCAL_REASON.fileRestricted());
  if (state.request.verifyOnly) return state.sent(attr, LOCAL_REASON.verifyFile(path));
  const uid = attr.usr.uid === 0 ? ctx.defaultPrivs.uid : attr.usr.uid;
  const gid = attr.usr.gid === 0 ? ctx.defaultPrivs.gid : attr.usr.gid;
  const as: LocalAttr = { ...attr, usr: { ...attr.usr, uid, gid } };
  if (path.endsWith('/')) return deliverMaildirAs(state, as, path);
  try {
    const st = await stat(path);
    if (st.isFile() && (st.mode & 0o111) !== 0) return state.fail(attr, LOCAL_REASON.fileExecutable());
  } catch {
    // Not there yet: it is created below.
  }
  let flags = MAIL_COPY_MBOX;
  if (!prependDelivered(state, 'file')) flags &= ~MAIL_COPY.DELIVERED;
  const r = await deliverAsUser(
    {
      kind: 'mbox',
      path,
      copy: jobCopy(state, as, flags),
      dotlock: true,
      lock: {
        deliver_lock_attempts: p.deliver_lock_attempts,
        deliver_lock_delay: p.deliver_lock_delay,
        stale_lock_time: p.stale_lock_time,
      },
      sizeLimit: p.mailbox_size_limit,
      ownerUid: null,
      chown: null,
      defDsn: '5.2.0',
    },
    { uid, gid },
    state.request.content,
    (t) => ctx.log.warn(t),
  );
  if (r.ok) return state.sent(attr, LOCAL_REASON.file(path));
  state.fail(attr, { dsn: r.dsn, text: `${LOCAL_REASON.filePrefix(path)}${r.text}` });
}
