/**
 * queue_log_format: the defer, bounce and trace logs kept beside a queued
 * message, in Postfix's text form: one block per recipient, a
 * human-readable first line, then `name=value` lines, blocks separated by
 * a blank line. `postqueue -p` shows the reasons; bounce builds DSNs from them.
 *
 * Security: values are written on one line each; CR, LF and NUL never reach the file
 * See: postfix/src/global/bounce_log.c, the observed `defer/9/9F4411600A3` in postfix-compat.md §3.2
 */
import type { DeliveryLogEntry } from './queue_store.ts';

const oneLine = (text: string): string => text.replace(/[\r\n\0]/g, ' ');

/** One entry as a block of text, ending with the blank line that separates blocks. */
export function formatLogEntry(e: DeliveryLogEntry): string {
  const lines = [
    '',
    `<${oneLine(e.recipient)}>: ${oneLine(e.reason)}`,
    `recipient=${oneLine(e.recipient)}`,
    `orig_rcpt=${oneLine(e.original)}`,
    `offset=${e.offset}`,
    ...(e.orcpt === null ? [] : [`dsn_orig_rcpt=${oneLine(e.orcpt)}`]),
    `dsn_notify=${e.notify}`,
    `status=${oneLine(e.status)}`,
    `action=${oneLine(e.action)}`,
    `reason=${oneLine(e.reason)}`,
    ...(e.diagnostic === '' ? [] : [`diag_text=${oneLine(e.diagnostic)}`]),
    ...(e.remoteMta === '' ? [] : [`mta_name=${oneLine(e.remoteMta)}`]),
    `log_time=${e.time}`,
    '',
  ];
  return `${lines.join('\n')}`;
}

/** Parses a whole log back into entries; blocks it cannot read are skipped. */
export function parseLog(text: string): DeliveryLogEntry[] {
  const entries: DeliveryLogEntry[] = [];
  for (const block of text.split(/\n\n+/)) {
    const attrs = new Map<string, string>();
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith('<')) attrs.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const recipient = attrs.get('recipient');
    if (recipient === undefined) continue;
    entries.push({
      recipient,
      original: attrs.get('orig_rcpt') ?? recipient,
      orcpt: attrs.get('dsn_orig_rcpt') ?? null,
      notify: Number(attrs.get('dsn_notify') ?? 0),
      offset: Number(attrs.get('offset') ?? 0),
      status: attrs.get('status') ?? '',
      action: attrs.get('action') ?? '',
      reason: attrs.get('reason') ?? '',
      diagnostic: attrs.get('diag_text') ?? '',
      remoteMta: attrs.get('mta_name') ?? '',
      time: Number(attrs.get('log_time') ?? 0),
    });
  }
  return entries;
}
