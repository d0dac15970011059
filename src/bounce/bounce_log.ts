/**
 * bounce_log: every line the bounce service logs, in Postfix's words: the
 * notification it queued (`ID: sender non-delivery notification: NEWID`),
 * the ones it did not send and why, and the template problems. The first
 * ID is the original message, the second the notification.
 *
 * See: postfix/src/bounce/bounce_notify_service.c, bounce_warn_service.c,
 *   bounce_trace_service.c, bounce_template.c, bounce_templates.c
 */

export const BOUNCE_LOG = {
  senderNonDelivery: (id: string, newId: string) => `${id}: sender non-delivery notification: ${newId}`,
  postmasterNonDelivery: (id: string, newId: string) => `${id}: postmaster non-delivery notification: ${newId}`,
  senderDelay: (id: string, newId: string) => `${id}: sender delay notification: ${newId}`,
  postmasterDelay: (id: string, newId: string) => `${id}: postmaster delay notification: ${newId}`,
  senderDsn: (id: string, newId: string) => `${id}: sender delivery status notification: ${newId}`,

  /** warning: a double bounce (to double-bounce@$myhostname) failed; never a triple bounce. */
  discarded: (id: string) => `${id}: undeliverable postmaster notification discarded`,
  traceDoubleBounce: (id: string) => `${id}: not sending trace/success notification for double-bounce message`,
  traceSingleBounce: (id: string) => `${id}: not sending trace/success notification for single-bounce message`,

  /** warnings: cleanup refused the notification (`why` is cleanup_strerror()'s text). */
  senderFailed: (id: string, rcpt: string, why: string) => `${id}: sender notification failed to ${rcpt}: ${why}`,
  postmasterFailed: (id: string, why: string) => `${id}: postmaster notification failed: ${why}`,
  postmasterBouncing: (id: string, rcpt: string) => `${id}: postmaster notice failed while bouncing to ${rcpt}`,
  postmasterWarning: (id: string, rcpt: string) => `${id}: postmaster notice failed while warning ${rcpt}`,

  // bounce_template.c and bounce_templates.c (`origin` is the file, or `[built-in]`)
  unknownTemplate: (path: string, line: number, name: string) =>
    `${path}, line ${line}: unknown template name: ${name} -- ignoring this template`,
  missingEndMarker: (path: string, line: number, marker: string) =>
    `${path}, line ${line}: missing "${marker}" end marker`,
  emptyHeader: (origin: string, label: string, cls: string) =>
    `${origin}: empty "${label}" header value in ${cls} template -- ignoring this template`,
  nonAsciiHeader: (origin: string, label: string, cls: string) =>
    `${origin}: non-ASCII "${label}" header value in ${cls} template -- ignoring this template`,
  inapplicableHeader: (origin: string, label: string, cls: string) =>
    `${origin}: inapplicable "${label}" header label in ${cls} template -- ignoring this template`,
  unknownHeader: (origin: string, label: string, cls: string) =>
    `${origin}: unknown "${label}" header label in ${cls} template -- ignoring this template`,
  missingText: (origin: string, cls: string) =>
    `${origin}: missing message text in ${cls} template -- ignoring this template`,
  eightBitText: (origin: string, cls: string) => [
    `${origin}: 8-bit message text in ${cls} template`,
    'please specify a charset value other than us-ascii',
    '-- ignoring this template for now',
  ],
  excessiveResult: (origin: string, result: number, cls: string, key: string, suffix: string) => [
    `${origin}: excessive result "${result}" in ${cls} template conversion of parameter "${key}"`,
    `please increase time unit "${suffix}" of "${key}" in ${cls} template`,
    'for instructions see the bounce(5) manual',
  ],
  zeroResult: (origin: string, cls: string, key: string, suffix: string) => [
    `${origin}: zero result in ${cls} template conversion of parameter "${key}"`,
    `please reduce time unit "${suffix}" of "${key}" in ${cls} template`,
    'for instructions see the bounce(5) manual',
  ],
  // fatal
  badSuffix: (origin: string, suffix: string, key: string) =>
    `${origin}: unrecognized suffix "${suffix}" in parameter "${key}"`,
  badSyntax: (origin: string, cls: string, line: string) => `${origin}: bad $name syntax in ${cls} template: ${line}`,
  undefinedName: (origin: string, cls: string, line: string) =>
    `${origin}: undefined $name in ${cls} template: ${line}`,
  malformed: (path: string, line: number, err: string, text: string) => `${path}, line ${line}: ${err}: "${text}"`,
  missingMarker: (path: string, line: number) => `${path}, line ${line}: missing end marker after <<`,
  malformedMarker: (path: string, line: number) => `${path}, line ${line}: malformed end marker after <<`,
  openFailed: (path: string, why: string) => `open ${path}: ${why}`,
} as const;
