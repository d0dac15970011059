/**
 * cleanup_log: every line cleanup logs, in Postfix's words: the
 * `ID: message-id=<...>` line, the header/body check action lines
 * (`ID: reject: header Subject: ... from HOST[ADDR]; from=<s> to=<r>
 * proto=ESMTP helo=<h>: 5.7.1 text`), and the warnings for tables,
 * limits and write errors.
 *
 * See: postfix/src/cleanup/cleanup_message.c (cleanup_act_log), cleanup_map11.c,
 *   cleanup_map1n.c, cleanup_final.c, cleanup_api.c, postfix/src/smtpd/smtpd_check.c
 */

/** Who sent the message, for the action lines (cleanup_act_log's context). */
export interface ActContext {
  readonly queueId: string;
  /** `host[addr]` of the SMTP client, or `local`. */
  readonly origin: string;
  /** Envelope sender and the last recipient, in info_log_address_format. */
  readonly sender: string | null;
  readonly recipient: string | null;
  /** For SMTP clients only. */
  readonly proto: string | null;
  readonly helo: string | null;
}

export const CLEANUP_LOG = {
  messageId: (id: string, value: string) => `${id}: message-id=${value}`,
  resentMessageId: (id: string, value: string) => `${id}: resent-message-id=${value}`,
  /** Header check, body check and access actions: reject, warning, hold, discard, redirect ... */
  act: (c: ActContext, action: string, what: 'header' | 'body' | 'content', content: string, text: string) =>
    `${c.queueId}: ${action}: ${what} ${content.slice(0, 200)} from ${c.origin};` +
    (c.sender === null ? '' : ` from=<${c.sender}>`) +
    (c.recipient === null ? '' : ` to=<${c.recipient}>`) +
    (c.proto === null ? '' : ` proto=${c.proto}`) +
    (c.helo === null ? '' : ` helo=<${c.helo}>`) +
    (text === '' ? '' : `: ${text}`),
  sizeExceeded: (id: string) => `${id}: queue file size limit exceeded`,
  writeError: (id: string, reason: string) => `${id}: write queue file: ${reason}`,
  hopcountExceeded: (id: string) => `${id}: message rejected: hopcount exceeded`,
  removed: (id: string, why: 'canceled' | 'discarded') => `${id}: removed (${why})`,
  mapProblem: (id: string, title: string) =>
    `${id}: ${title} map lookup problem -- message not accepted, try again later`,
  mapProblemFor: (id: string, title: string, addr: string) =>
    `${id}: ${title} map lookup problem for ${addr} -- message not accepted, try again later`,
  multiValued: (id: string, title: string, addr: string) => `${id}: multi-valued ${title} entry for ${addr}`,
  nesting: (id: string, title: string, addr: string) =>
    `${id}: unreasonable ${title} map nesting for ${addr} -- message not accepted, try again later`,
  expansion: (id: string, title: string, addr: string) =>
    `${id}: unreasonable ${title} map expansion size for ${addr} -- message not accepted, try again later`,
  longResult: (id: string, title: string, result: string) =>
    `${id}: unreasonable ${title} result ${result.slice(0, 300)}... -- message not accepted, try again later`,
  nonAddress: (title: string, addr: string, result: string) =>
    `${title} lookup of ${addr} returns non-address result "${result}"`,
  badDsnAction: (text: string) => `bad DSN action in ${text} -- need 4.x.x or 5.x.x`,
  unknownCommand: (mapClass: string, value: string) => `unknown command in ${mapClass} map: ${value}`,
  missingFilter: (mapClass: string) => `missing FILTER command argument in ${mapClass} map`,
  badFilter: (text: string, mapClass: string) =>
    `bad FILTER command ${text} in ${mapClass} -- need transport:destination`,
  prependNoText: (mapClass: string) => `PREPEND action without text in ${mapClass} map`,
  badPrepend: (text: string, mapClass: string) =>
    `bad PREPEND header text "${text}" in ${mapClass} map -- need "headername: headervalue"`,
  replaceNoText: (mapClass: string) => `REPLACE action without text in ${mapClass} map`,
  badReplace: (text: string, mapClass: string) =>
    `bad REPLACE header text "${text}" in ${mapClass} map -- need "headername: headervalue"`,
  badRedirect: (text: string, mapClass: string) =>
    `bad REDIRECT target "${text}" in ${mapClass} map -- need user@domain`,
  badBcc: (text: string, mapClass: string) => `bad BCC address "${text}" in ${mapClass} map -- need user@domain`,
  notEnoughSpace: (free: number) => `not enough free space in mail queue: ${free} bytes < 1.5*message size limit`,
} as const;
