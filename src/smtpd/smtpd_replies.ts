/**
 * smtpd_replies: every fixed reply of the SMTP server, byte for byte as
 * Postfix 3.7 sends it, in one table. Replies that carry a value (a host
 * name, a queue ID, a byte count) are functions of it; replies whose code
 * comes from main.cf are built by smtpd_reject.ts. A golden test compares
 * this table with postfix-samples/postfix-3.7.11-probe-transcript.txt.
 *
 * Standards: RFC 5321 section 4.2, RFC 2034, RFC 3463
 * See: postfix/src/smtpd/smtpd.c, postfix/src/smtpd/smtpd_sasl_glue.c,
 *      postfix/src/smtpd/smtpd_sasl_proto.c, postfix/src/global/cleanup_strerror.c
 */
import type { Reply, Status } from '../global/reply.ts';

/**
 * Replies Postfix still sends in RFC 821 form, without an enhanced status
 * code (HELO/EHLO syntax, ETRN per RFC 1985), and BDAT's 551.
 */
export type LegacyReply =
  | { readonly code: 458 | 459 | 500 | 501 | 503; readonly dsn: null; readonly text: string }
  | { readonly code: 551; readonly dsn: Status<'5'>; readonly text: string };

/** Anything the server sends. */
export type SmtpdReply = Reply | LegacyReply;

export const SMTPD_REPLY = {
  // Session
  greeting: (banner: string): Reply => ({ code: 220, dsn: null, text: banner }),
  bye: { code: 221, dsn: '2.0.0', text: 'Bye' },
  ok: { code: 250, dsn: '2.0.0', text: 'Ok' },
  local_error: (myhostname: string): Reply => ({ code: 421, dsn: '4.3.0', text: `${myhostname} Server local error` }),
  local_data_error: (myhostname: string): Reply => ({
    code: 421,
    dsn: '4.3.0',
    text: `${myhostname} Server local data error`,
  }),
  timeout: (myhostname: string): Reply => ({ code: 421, dsn: '4.4.2', text: `${myhostname} Error: timeout exceeded` }),
  too_many_errors: (myhostname: string): Reply => ({
    code: 421,
    dsn: '4.7.0',
    text: `${myhostname} Error: too many errors`,
  }),
  too_many_connections: (myhostname: string, addr: string): Reply => ({
    code: 421,
    dsn: '4.7.0',
    text: `${myhostname} Error: too many connections from ${addr}`,
  }),
  too_many_tls_sessions: (myhostname: string, namaddr: string): Reply => ({
    code: 421,
    dsn: '4.7.0',
    text: `${myhostname} Error: too many new TLS sessions from ${namaddr}`,
  }),
  shutting_down: (myhostname: string): Reply => ({
    code: 421,
    dsn: '4.3.2',
    text: `${myhostname} Service shutting down, closing transmission channel`,
  }),
  sync_error: { code: 554, dsn: '5.5.0', text: 'Error: SMTP protocol synchronization' },
  break_rules: { code: 221, dsn: '2.7.0', text: 'Error: I can break rules, too. Goodbye.' },
  not_recognized: { code: 500, dsn: '5.5.2', text: 'Error: command not recognized' },
  bad_syntax: { code: 500, dsn: '5.5.2', text: 'Error: bad syntax' },
  bad_utf8: { code: 500, dsn: '5.5.2', text: 'Error: bad UTF-8 syntax' },
  not_implemented: { code: 502, dsn: '5.5.1', text: 'Error: command not implemented' },
  bare_lf: (code: number, myhostname: string): Reply =>
    ({ code, dsn: `5.5.2`, text: `${myhostname} Error: bare <LF> received` }) as Reply,
  access_denied_for: (namaddr: string): Reply => ({
    code: 503,
    dsn: '5.7.0',
    text: `Error: access denied for ${namaddr}`,
  }),
  must_starttls: { code: 530, dsn: '5.7.0', text: 'Must issue a STARTTLS command first' },
  help: (commands: string): Reply => ({ code: 214, dsn: '2.0.0', text: `Commands: ${commands}` }),

  // HELO / EHLO
  helo_syntax: { code: 501, dsn: null, text: 'Syntax: HELO hostname' },
  ehlo_syntax: { code: 501, dsn: null, text: 'Syntax: EHLO hostname' },
  helo_ok: (myhostname: string): Reply => ({ code: 250, dsn: null, text: myhostname }),
  ehlo: (lines: readonly string[]): Reply => ({ code: 250, dsn: null, text: lines.join('\n') }),

  // MAIL
  need_helo: { code: 503, dsn: '5.5.1', text: 'Error: send HELO/EHLO first' },
  nested_mail: { code: 503, dsn: '5.5.1', text: 'Error: nested MAIL command' },
  mail_after_bdat: { code: 503, dsn: '5.5.1', text: 'Error: MAIL after BDAT' },
  mail_syntax: { code: 501, dsn: '5.5.4', text: 'Syntax: MAIL FROM:<address>' },
  bad_sender: { code: 501, dsn: '5.1.7', text: 'Bad sender address syntax' },
  bad_size_syntax: { code: 501, dsn: '5.5.4', text: 'Bad message size syntax' },
  size_overflow: { code: 552, dsn: '5.3.4', text: 'Message size exceeds file system imposed limit' },
  dsn_disabled: { code: 501, dsn: '5.7.1', text: 'DSN support is disabled' },
  bad_ret: { code: 501, dsn: '5.5.4', text: 'Bad RET parameter syntax' },
  bad_envid: { code: 501, dsn: '5.5.4', text: 'Bad ENVID parameter syntax' },
  unsupported_option: (arg: string): Reply => ({ code: 555, dsn: '5.5.4', text: `Unsupported option: ${arg}` }),
  must_declare_smtputf8: { code: 553, dsn: '5.6.7', text: 'Must declare SMTPUTF8 to send unicode address' },
  too_much_mail: (addr: string): Reply => ({ code: 450, dsn: '4.7.1', text: `Error: too much mail from ${addr}` }),
  mail_ok: { code: 250, dsn: '2.1.0', text: 'Ok' },

  // RCPT
  need_mail: { code: 503, dsn: '5.5.1', text: 'Error: need MAIL command' },
  rcpt_after_bdat: { code: 503, dsn: '5.5.1', text: 'Error: RCPT after BDAT' },
  rcpt_syntax: { code: 501, dsn: '5.5.4', text: 'Syntax: RCPT TO:<address>' },
  bad_recipient: { code: 501, dsn: '5.1.3', text: 'Bad recipient address syntax' },
  bad_notify: { code: 501, dsn: '5.5.4', text: 'Error: Bad NOTIFY parameter syntax' },
  bad_orcpt: { code: 501, dsn: '5.5.4', text: 'Error: Bad ORCPT parameter syntax' },
  too_many_recipients: { code: 452, dsn: '4.5.3', text: 'Error: too many recipients' },
  too_many_recipients_from: (addr: string): Reply => ({
    code: 450,
    dsn: '4.7.1',
    text: `Error: too many recipients from ${addr}`,
  }),
  rcpt_ok: { code: 250, dsn: '2.1.5', text: 'Ok' },

  // DATA / BDAT
  data_after_bdat: { code: 503, dsn: '5.5.1', text: 'Error: DATA after BDAT' },
  need_rcpt: { code: 503, dsn: '5.5.1', text: 'Error: need RCPT command' },
  no_valid_recipients: { code: 554, dsn: '5.5.1', text: 'Error: no valid recipients' },
  data_syntax: { code: 501, dsn: '5.5.4', text: 'Syntax: DATA' },
  start_data: { code: 354, dsn: null, text: 'End data with <CR><LF>.<CR><LF>' },
  queued: (id: string): Reply => ({ code: 250, dsn: '2.0.0', text: `Ok: queued as ${id}` }),
  bdat_queued: (bytes: number, id: string): Reply => ({
    code: 250,
    dsn: '2.0.0',
    text: `Ok: ${bytes} bytes queued as ${id}`,
  }),
  bdat_ok: (bytes: number): Reply => ({ code: 250, dsn: '2.0.0', text: `Ok: ${bytes} bytes` }),
  bdat_disabled: { code: 521, dsn: '5.5.1', text: 'Error: command not implemented' },
  bdat_syntax: { code: 521, dsn: '5.5.4', text: 'Syntax: BDAT count [LAST]' },
  bdat_null: { code: 551, dsn: '5.7.1', text: 'Null BDAT request' },
  bdat_discarded: (bytes: number): LegacyReply => ({
    code: 551,
    dsn: '5.0.0',
    text: `Discarded ${bytes} bytes after earlier error`,
  }),
  bdat_too_big: { code: 552, dsn: '5.3.4', text: 'Chunk exceeds message size limit' },
  message_too_big: { code: 552, dsn: '5.3.4', text: 'Error: message file too big' },
  write_error: { code: 451, dsn: '4.3.0', text: 'Error: queue file write error' },
  too_many_hops: { code: 554, dsn: '5.4.0', text: 'Error: too many hops' },
  content_rejected: { code: 550, dsn: '5.7.1', text: 'Error: message content rejected' },
  internal_error: (err: number): Reply => ({ code: 451, dsn: '4.3.0', text: `Error: internal error ${err}` }),
  insufficient_storage: { code: 452, dsn: '4.3.1', text: 'Insufficient system storage' },

  // RSET, NOOP, VRFY, ETRN
  rset_syntax: { code: 501, dsn: '5.5.4', text: 'Syntax: RSET' },
  vrfy_disabled: { code: 502, dsn: '5.5.1', text: 'VRFY command is disabled' },
  vrfy_syntax: (smtputf8: boolean): Reply => ({
    code: 501,
    dsn: '5.5.4',
    text: `Syntax: VRFY address${smtputf8 ? ' [SMTPUTF8]' : ''}`,
  }),
  vrfy_ok: (arg: string): Reply => ({ code: 252, dsn: '2.0.0', text: arg }),
  etrn_need_helo: { code: 503, dsn: null, text: 'Error: send HELO/EHLO first' },
  etrn_in_transaction: { code: 503, dsn: null, text: 'Error: MAIL transaction in progress' },
  etrn_syntax: { code: 500, dsn: null, text: 'Syntax: ETRN domain' },
  etrn_bad_domain: { code: 501, dsn: null, text: 'Error: invalid parameter syntax' },
  etrn_started: { code: 250, dsn: null, text: 'Queuing started' },
  etrn_unavailable: { code: 458, dsn: null, text: 'Unable to queue messages' },
  etrn_denied: (domain: string): LegacyReply => ({ code: 459, dsn: null, text: `<${domain}>: service unavailable` }),

  // XCLIENT, XFORWARD
  x_in_transaction: { code: 503, dsn: '5.5.1', text: 'Error: MAIL transaction in progress' },
  x_syntax: (name: string): Reply => ({ code: 501, dsn: '5.5.4', text: `Syntax: ${name} attribute=value...` }),
  x_unauthorized: { code: 550, dsn: '5.7.0', text: 'Error: insufficient authorization' },

  // STARTTLS
  starttls_syntax: { code: 501, dsn: '5.5.4', text: 'Syntax: STARTTLS' },
  tls_already_active: { code: 554, dsn: '5.5.1', text: 'Error: TLS already active' },
  tls_unavailable: { code: 454, dsn: '4.7.0', text: 'TLS not available due to local problem' },
  tls_ready: { code: 220, dsn: '2.0.0', text: 'Ready to start TLS' },
  tls_too_many: (namaddr: string): Reply => ({
    code: 454,
    dsn: '4.7.0',
    text: `Error: too many new TLS sessions from ${namaddr}`,
  }),

  // AUTH
  auth_not_enabled: { code: 503, dsn: '5.5.1', text: 'Error: authentication not enabled' },
  auth_need_ehlo: { code: 503, dsn: '5.5.1', text: 'Error: send HELO/EHLO first' },
  auth_already: { code: 503, dsn: '5.5.1', text: 'Error: already authenticated' },
  auth_in_transaction: { code: 503, dsn: '5.5.1', text: 'Error: MAIL transaction in progress' },
  auth_syntax: { code: 501, dsn: '5.5.4', text: 'Syntax: AUTH mechanism' },
  auth_need_tls: { code: 504, dsn: '5.5.4', text: 'Encryption required for requested authentication mechanism' },
  auth_ok: { code: 235, dsn: '2.7.0', text: 'Authentication successful' },
  auth_challenge: (data: string): Reply => ({ code: 334, dsn: null, text: data }),
  auth_failed: (reason: string): Reply => ({
    code: 535,
    dsn: '5.7.8',
    text: `Error: authentication failed: ${reason}`,
  }),
  auth_temp_failure: (reason: string): Reply => ({
    code: 454,
    dsn: '4.7.0',
    text: `Temporary authentication failure: ${reason}`,
  }),
  auth_aborted: { code: 501, dsn: '5.7.0', text: 'Authentication aborted' },
  auth_response_too_long: { code: 500, dsn: '5.5.6', text: 'SASL response limit exceeded' },
  auth_too_many: (addr: string): Reply => ({
    code: 450,
    dsn: '4.7.1',
    text: `Error: too many AUTH commands from ${addr}`,
  }),
} as const satisfies Record<string, SmtpdReply | ((...args: never[]) => SmtpdReply)>;
