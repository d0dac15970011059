/**
 * local_mailbox: delivery to a user's mailbox, in Postfix's order —
 * mailbox_transport_maps / mailbox_transport (handed to another agent),
 * mailbox_command_maps / mailbox_command, home_mailbox (`Maildir/` style
 * when it ends in `/`), else the mbox file in mail_spool_directory — always
 * with the user's rights: the write runs as the user (deliver_as_user),
 * with the spool directory's group when the spool is group-writable.
 *
 * Parameters: mailbox_transport, mailbox_transport_maps, mailbox_command,
 *   mailbox_command_maps, home_mailbox, mail_spool_directory,
 *   mailbox_delivery_lock, mailbox_size_limit, strict_mailbox_ownership,
 *   deliver_lock_attempts, deliver_lock_delay, stale_lock_time,
 *   prepend_delivered_header, enable_original_recipient
 * Diagnostics: `warning: specify "strict_mailbox_ownership = no" to ignore mailbox ownership mismatch`,
 *   `warning: maildir access problem for UID/GID=U/G: ...`
 * Security: see mailbox/mailbox_write.ts and mailbox/deliver_as_user.ts
 * See: postfix/src/local/mailbox.c, postfix/src/local/maildir.c
 */
import { stat } from 'node:fs/promises';
import { MAIL_COPY, MAIL_COPY_MBOX } from '../global/mail_copy.ts';
import { deliverAsUser } from '../mailbox/deliver_as_user.ts';
import { DictLookupError } from '../maps/dict.ts';
import { deliverCommand } from './local_command.ts';
import { deliverMaildirAs, jobCopy, prependDelivered } from './local_maildir.ts';
import { passToTransport } from './local_pass.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/** deliver_mailbox_file(): appends to the user's mbox, in the spool or at home_mailbox. */
async function deliverMailboxFile(state: LocalState, attr: LocalAttr): Promise<void> {
  if (state.request.verifyOnly) return state.sent(attr, LOCAL_REASON.verifyMailbox());
  const p = state.ctx.params;
  const home = p.home_mailbox !== '';
  const path = home ? `${attr.usr.home}/${p.home_mailbox}` : `${p.mail_spool_directory}/${attr.user}`;
  let spool = { uid: attr.usr.uid, gid: attr.usr.gid };
  if (!home) {
    try {
      const st = await stat(p.mail_spool_directory);
      if ((st.mode & 0o002) === 0)
        spool = (st.mode & 0o020) !== 0 ? { uid: attr.usr.uid, gid: st.gid } : { uid: 0, gid: 0 };
    } catch {
      // A missing spool directory: the open below says why.
    }
  }
  let flags = MAIL_COPY_MBOX;
  if (!prependDelivered(state, 'file')) flags &= ~MAIL_COPY.DELIVERED;
  const r = await deliverAsUser(
    {
      kind: 'mbox',
      path,
      copy: jobCopy(state, attr, flags),
      // Node cannot take fcntl()/flock() locks: the dot lock is always taken (see mailbox/dot_lockfile.ts).
      dotlock: true,
      lock: {
        deliver_lock_attempts: p.deliver_lock_attempts,
        deliver_lock_delay: p.deliver_lock_delay,
        stale_lock_time: p.stale_lock_time,
      },
      sizeLimit: p.mailbox_size_limit,
      ownerUid: p.strict_mailbox_ownership ? attr.usr.uid : null,
      chown: spool.uid !== attr.usr.uid ? { uid: attr.usr.uid, gid: attr.usr.gid } : null,
      defDsn: '5.2.0',
    },
    spool,
    state.request.content,
    (t) => state.ctx.log.warn(t),
  );
  if (r.ok) return state.sent(attr, LOCAL_REASON.mailbox());
  if (r.code === 'EPERM' && r.text.includes('not owned by recipient')) {
    state.ctx.log.warn('specify "strict_mailbox_ownership = no" to ignore mailbox ownership mismatch');
  }
  state.fail(attr, { dsn: r.dsn, text: `${LOCAL_REASON.mailboxPrefix(path, attr.user)}${r.text}` });
}

/** A table lookup by user name; undefined on a lookup error. */
async function lookupUser(state: LocalState, attr: LocalAttr, which: 'mailboxTransportMaps' | 'mailboxCommandMaps') {
  const maps = state.ctx[which];
  if (maps === null) return null;
  try {
    return await maps.find(attr.user);
  } catch (err) {
    if (err instanceof DictLookupError) return undefined;
    throw err;
  }
}

/**
 * deliver_mailbox(): true when the user has a mailbox here (delivered,
 * deferred or bounced); false when there is no such user (unknown).
 */
export async function deliverMailbox(state: LocalState, attr: LocalAttr): Promise<boolean> {
  if (state.beenHere(`mailbox ${attr.local}`)) return true;
  const p = state.ctx.params;
  const transport = await lookupUser(state, attr, 'mailboxTransportMaps');
  if (transport === undefined) {
    state.fail(attr, LOCAL_REASON.tableFailure());
    return true;
  }
  if (transport !== null || p.mailbox_transport !== '') {
    await passToTransport(state, attr, transport ?? p.mailbox_transport);
    return true;
  }
  let pwd: Awaited<ReturnType<typeof state.ctx.passwd.byName>>;
  try {
    pwd = await state.ctx.passwd.byName(attr.user);
  } catch (err) {
    state.ctx.log.warn(`error looking up passwd info for ${attr.user}: ${(err as Error).message}`);
    state.fail(attr, LOCAL_REASON.userLookup());
    return true;
  }
  if (pwd === null) return false;
  const user: LocalAttr = {
    ...attr,
    usr: { uid: pwd.uid, gid: pwd.gid, home: pwd.home, logname: pwd.name, shell: pwd.shell },
  };
  const command = await lookupUser(state, attr, 'mailboxCommandMaps');
  if (command === undefined) {
    state.fail(attr, LOCAL_REASON.tableFailure());
  } else if (command !== null) {
    await deliverCommand(state, user, command);
  } else if (state.ctx.raw.mailbox_command !== '') {
    // mailbox_command is not $name-expanded (the shell sees $HOME etc.), as in Postfix.
    await deliverCommand(state, user, state.ctx.raw.mailbox_command);
  } else if (p.home_mailbox.endsWith('/')) {
    await deliverMaildirAs(state, user, `${pwd.home}/${p.home_mailbox}`);
  } else if (p.mail_spool_directory.endsWith('/')) {
    await deliverMaildirAs(state, user, `${p.mail_spool_directory}${attr.user}/`);
  } else {
    await deliverMailboxFile(state, user);
  }
  return true;
}
