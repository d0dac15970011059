/**
 * local_expand: the per-recipient `$name` expansion of forward_path,
 * luser_relay and command_execution_directory (not mailbox_command, which
 * Postfix leaves to the shell) — $user,
 * $home, $shell, $recipient, $extension, $domain, $local,
 * $recipient_delimiter (and the `${name?text}`, `${name:text}` forms) —
 * and the environment a command runs with. Values put into commands pass
 * command_expansion_filter: other characters become `_`.
 *
 * Parameters: recipient_delimiter, command_expansion_filter
 * Security: recipient-controlled text (the extension) reaches a command
 *   only through the filter
 * See: postfix/src/local/local_expand.c, postfix/src/local/command.c (environment)
 */
import { macExpand } from '../config/mac_expand.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/** Replaces characters outside `filter` with `_`. */
export function applyFilter(value: string, filter: string): string {
  let out = '';
  for (const ch of value) out += filter.includes(ch) ? ch : '_';
  return out;
}

/** The values $name stands for, for this address. */
function attributes(state: LocalState, attr: LocalAttr): Record<string, string | undefined> {
  return {
    user: attr.user,
    home: attr.usr.home ?? undefined,
    shell: attr.usr.shell ?? undefined,
    recipient: attr.address,
    extension: attr.extension ?? undefined,
    domain: attr.domain || undefined,
    local: attr.local,
    // The delimiter this address used, else the first configured one.
    recipient_delimiter: attr.local[attr.user.length] || state.ctx.params.recipient_delimiter[0] || undefined,
    mailbox: attr.local,
  };
}

/** local_expand(): `pattern` with this recipient's attributes; null on a syntax error. */
export function localExpand(
  state: LocalState,
  attr: LocalAttr,
  pattern: string,
  filter: string | null = null,
): string | null {
  const attrs = attributes(state, attr);
  const r = macExpand(
    pattern,
    (name) => {
      const v = attrs[name];
      if (v === undefined) return undefined;
      return filter === null ? v : applyFilter(v, filter);
    },
    { recurse: false },
  );
  return r.errors.length > 0 ? null : r.value;
}

/** The environment of a delivered-to command (HOME, LOGNAME, USER, SENDER, RECIPIENT ...). */
export function commandEnvironment(state: LocalState, attr: LocalAttr): Record<string, string> {
  const env: Record<string, string> = {};
  const add = (k: string, v: string | null | undefined) => {
    if (v !== null && v !== undefined && v !== '') env[k] = v;
  };
  add('HOME', attr.usr.home);
  env['LOGNAME'] = attr.user;
  env['USER'] = attr.user;
  env['SENDER'] = attr.sender;
  env['RECIPIENT'] = attr.address;
  env['LOCAL'] = attr.local;
  add('SHELL', attr.usr.shell);
  add('DOMAIN', attr.domain);
  add('EXTENSION', attr.extension);
  add('ORIGINAL_RECIPIENT', attr.original);
  const env0 = state.request.message.envelope;
  add('ENVID', env0.envid);
  const client = env0.client;
  if (client !== null) {
    add('CLIENT_HOSTNAME', client.name);
    add('CLIENT_ADDRESS', client.address);
    add('CLIENT_HELO', client.helo);
    add('CLIENT_PROTOCOL', client.protocol);
    add('SASL_METHOD', client.saslMethod);
    add('SASL_SENDER', client.saslSender);
    add('SASL_USERNAME', client.saslUsername);
  }
  const filter = state.ctx.params.command_expansion_filter;
  for (const k of Object.keys(env)) env[k] = applyFilter(env[k]!, filter);
  // export_environment: the few variables of the daemon's own environment that may pass.
  for (const name of state.ctx.params.export_environment.split(/[\s,]+/)) {
    const [k, v] = name.split('=');
    if (k === undefined || k === '') continue;
    const value = v ?? process.env[k];
    if (value !== undefined && env[k] === undefined) env[k] = value;
  }
  env['PATH'] ??= '/usr/bin:/bin';
  return env;
}
