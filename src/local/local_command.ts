/**
 * local_command: delivery to a command (`|cmd` in an alias, .forward or
 * :include: file, or mailbox_command): it runs with the recipient's rights
 * (default_privs instead of root), in command_execution_directory or the
 * home directory, with the local(8) environment; the message goes to its
 * stdin with From_, Return-Path, X-Original-To and Delivered-To lines.
 *
 * Parameters: command_time_limit, local_command_shell, command_execution_directory,
 *   execution_directory_expansion_filter, command_expansion_filter, default_privs,
 *   prepend_delivered_header, export_environment
 * Security: never runs a command as root; expanded values pass the filters
 * See: postfix/src/local/command.c, postfix/src/global/pipe_command.c
 */
import { Readable } from 'node:stream';
import { CopyBody, copyHeader, MAIL_COPY } from '../global/mail_copy.ts';
import { pipeCommand } from '../mailbox/pipe_command.ts';
import { commandEnvironment, localExpand } from './local_expand.ts';
import { jobCopy, prependDelivered } from './local_maildir.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/** The message as the command reads it (From_ line and delivery headers first). */
async function* commandInput(state: LocalState, attr: LocalAttr, flags: number): AsyncGenerator<Buffer> {
  const copy = jobCopy(state, attr, flags);
  yield Buffer.from(copyHeader({ ...copy, now: new Date(copy.now) }));
  const body = new CopyBody(flags);
  for await (const chunk of state.request.content()) yield body.push(chunk as Buffer);
  yield body.end();
}

/** deliver_command(): runs `command` for the current address. */
export async function deliverCommand(state: LocalState, attr: LocalAttr, command: string): Promise<void> {
  const ctx = state.ctx;
  const p = ctx.params;
  if (state.beenHere(`command ${attr.user}:${attr.usr.uid} ${command}`)) return;
  if (state.request.verifyOnly) return state.sent(attr, LOCAL_REASON.verifyCommand(command));
  const cmd = command;
  const uid = attr.usr.uid === 0 ? ctx.defaultPrivs.uid : attr.usr.uid;
  const gid = attr.usr.gid === 0 ? ctx.defaultPrivs.gid : attr.usr.gid;
  const dir = localExpand(state, attr, ctx.raw.command_execution_directory, p.execution_directory_expansion_filter);
  if (dir === null) {
    ctx.log.warn(`bad parameter value syntax for command_execution_directory: ${ctx.raw.command_execution_directory}`);
    return state.fail(attr, { dsn: '4.3.5', text: 'mail system configuration error' });
  }
  let flags = MAIL_COPY.FROM | MAIL_COPY.RETURN_PATH | MAIL_COPY.ORIG_RCPT;
  if (prependDelivered(state, 'command')) flags |= MAIL_COPY.DELIVERED;
  const r = await pipeCommand(
    {
      command: cmd,
      uid,
      gid,
      env: commandEnvironment(state, { ...attr, usr: { ...attr.usr, uid, gid } }),
      cwd: dir || attr.usr.home || '/',
      timeLimit: p.command_time_limit,
      shell: p.local_command_shell,
    },
    Readable.from(commandInput(state, attr, flags)),
  );
  if (r.ok) return state.sent(attr, LOCAL_REASON.command(cmd));
  state.report(attr, r.kind === 'defer' ? 'deferred' : 'bounced', { dsn: r.dsn, text: r.text });
}
