/**
 * bounce_notify: the text of one notification in Postfix's structure: a
 * multipart/report (report-type=delivery-status) with the human-readable
 * part (template text, then one wrapped paragraph per recipient), the
 * message/delivery-status part (Reporting-MTA, Original-Envelope-Id,
 * X-Postfix-Queue-ID, X-Postfix-Sender, Arrival-Date, then per recipient
 * Final-Recipient, Original-Recipient, Action, Status, Remote-MTA,
 * Diagnostic-Code, Will-Retry-Until), and the original as message/rfc822
 * or its headers as text/rfc822-headers (message/global-* for SMTPUTF8).
 * Every header field goes through headerField(), every recipient
 * paragraph through textParagraph(), so untrusted values cannot add lines.
 *
 * Parameters: myhostname, smtputf8_enable, header_from_format,
 *   maximal_queue_lifetime (Will-Retry-Until), enable_threaded_bounces
 * See: postfix/src/bounce/bounce_notify_util.c (bounce_header, bounce_boilerplate,
 *   bounce_recipient_log, bounce_header_dsn, bounce_recipient_dsn, bounce_original)
 */
import { quote822Local } from '../global/quote_822_local.ts';
import type { DeliveryLogEntry } from '../queue/queue_store.ts';
import type { BounceContext } from './bounce_context.ts';
import { bounceMailDate } from './bounce_date.ts';
import { headerField, textParagraph } from './bounce_header.ts';
import type { BounceInfo } from './bounce_info.ts';
import type { BounceTemplate, TemplateEnv } from './bounce_template.ts';

/** One notification to write. */
export interface NoticeSpec {
  readonly template: BounceTemplate;
  /** Who gets it (the To: header). */
  readonly dest: string;
  /** A postmaster copy: Postmaster-Subject, Auto-Submitted: auto-generated, no boiler-plate. */
  readonly postmasterCopy: boolean;
  /** The recipients to report, already filtered by NOTIFY; null when the log could not be read. */
  readonly entries: readonly DeliveryLogEntry[] | null;
  /** What to return of the original. */
  readonly ret: 'FULL' | 'HDRS';
}

const nonAscii = (s: string) => /[^\x00-\x7f]/.test(s);

/** `type;text` as the queue logs keep Remote-MTA and Diagnostic-Code, split; null when either part is empty. */
function typed(value: string): { readonly type: string; readonly text: string } | null {
  const semi = value.indexOf(';');
  if (semi < 0) return null;
  const type = value.slice(0, semi).trim();
  const text = value.slice(semi + 1).replace(/^\s+/, '');
  return type === '' || text === '' ? null : { type, text };
}

/** The text of the notification (LF line ends), after post_mail's Received:/Date: lines. */
export function composeNotice(ctx: BounceContext, info: BounceInfo, spec: NoticeSpec, env: TemplateEnv): Buffer {
  const p = ctx.params;
  const out: Buffer[] = [];
  const line = (text: string) => out.push(Buffer.from(`${text}\n`, 'utf8'));
  const field = (name: string, value: string | readonly string[], wrap = false) => line(headerField(name, value, wrap));
  const t = spec.template.fields(env.warn);
  const failure = t.cls === 'failure';
  const delay = t.cls === 'delay';
  const enc = info.mimeEncoding;
  const not7bit = enc !== null && enc !== '7bit';
  const utf8Type = (addr: string) => (info.smtputf8 || p.smtputf8_enable) && nonAscii(addr);

  // bounce_header(): the template's From:/Subject:, To:, then the MIME headers.
  field('From', p.header_from_format === 'standard' ? t.stdFrom : t.obsFrom);
  field('Subject', spec.postmasterCopy && t.postmasterSubject !== null ? t.postmasterSubject : t.subject);
  field('To', quote822Local(spec.dest));
  const msgid = p.enable_threaded_bounces ? (info.original?.messageId ?? null) : null;
  if (msgid !== null) {
    field('References', msgid);
    field('In-Reply-To', msgid);
  }
  field('Auto-Submitted', spec.postmasterCopy ? 'auto-generated' : 'auto-replied');
  field('MIME-Version', '1.0');
  field('Content-Type', ['multipart/report; report-type=delivery-status;', `boundary="${info.boundary}"`]);
  if (enc !== null) field('Content-Transfer-Encoding', enc === '7bit' ? t.encoding : enc);
  line('');
  line('This is a MIME-encapsulated message.');
  line('');
  line(`--${info.boundary}`);
  field('Content-Description', 'Notification');
  const charset = t.charset.toLowerCase() !== 'us-ascii' ? t.charset : not7bit ? 'utf-8' : 'us-ascii';
  field('Content-Type', `text/plain; charset=${charset}`);
  if (not7bit) field('Content-Transfer-Encoding', enc);
  line('');

  // bounce_boilerplate() and bounce_diagnostic_log().
  if (!spec.postmasterCopy) for (const text of spec.template.expand(env)) line(textParagraph(text));
  if (spec.entries === null) {
    if (failure) {
      line('');
      line('\t--- Delivery report unavailable ---');
    }
  } else {
    for (const e of spec.entries) {
      const rcpt = quote822Local(e.recipient);
      const orig = e.original === '' ? '' : quote822Local(e.original);
      line('');
      line(
        textParagraph(
          orig !== '' && orig.toLowerCase() !== rcpt.toLowerCase()
            ? `<${rcpt}> (expanded from <${orig}>): ${e.reason}`
            : `<${rcpt}>: ${e.reason}`,
        ),
      );
    }
  }

  // bounce_header_dsn().
  line('');
  line(`--${info.boundary}`);
  field('Content-Description', 'Delivery report');
  field('Content-Type', `message/${info.smtputf8 ? 'global-' : ''}delivery-status`);
  if (not7bit && info.smtputf8) field('Content-Transfer-Encoding', enc);
  line('');
  field('Reporting-MTA', `dns; ${p.myhostname}`);
  if (info.envid !== null) field('Original-Envelope-Id', info.envid);
  field(`X-${info.mailName}-Queue-ID`, info.message.id);
  field(`X-${info.mailName}-Sender`, `${utf8Type(info.sender) ? 'utf-8' : 'rfc822'}; ${info.sender}`);
  if (info.arrival > 0) field('Arrival-Date', bounceMailDate(info.arrival * 1000));

  // bounce_recipient_dsn(), per recipient.
  for (const e of spec.entries ?? []) {
    const rcpt = quote822Local(e.recipient);
    const orig = e.original === '' ? '' : quote822Local(e.original);
    line('');
    field('Final-Recipient', `${utf8Type(rcpt) ? 'utf-8' : 'rfc822'}; ${rcpt}`);
    if (e.orcpt !== null && e.orcpt !== '') field('Original-Recipient', e.orcpt);
    else if (orig !== '' && orig.toLowerCase() !== rcpt.toLowerCase()) {
      field('Original-Recipient', `${utf8Type(orig) ? 'utf-8' : 'rfc822'}; ${orig}`);
    }
    field('Action', failure ? 'failed' : e.action);
    field('Status', e.status || (failure ? '5.0.0' : delay ? '4.0.0' : '2.0.0'));
    const mta = typed(e.remoteMta);
    if (mta !== null) field('Remote-MTA', `${mta.type}; ${mta.text}`, true);
    const diag = typed(e.diagnostic);
    field('Diagnostic-Code', diag !== null ? `${diag.type}; ${diag.text}` : `X-${info.mailName}; ${e.reason}`, true);
    if (delay) field('Will-Retry-Until', bounceMailDate((info.arrival + p.maximal_queue_lifetime) * 1000));
  }

  // bounce_original().
  const original = info.original;
  const headersOnly = spec.ret === 'HDRS' || original === null || !original.complete;
  line('');
  line(`--${info.boundary}`);
  const undelivered = failure || delay ? 'Undelivered ' : '';
  field('Content-Description', `${undelivered}${headersOnly ? 'Message Headers' : 'Message'}`);
  field(
    'Content-Type',
    info.smtputf8
      ? `message/${headersOnly ? 'global-headers' : 'global'}`
      : headersOnly
        ? 'text/rfc822-headers'
        : 'message/rfc822',
  );
  if (not7bit) field('Content-Transfer-Encoding', enc);
  line('');
  if (original === null) {
    line('\t--- Undelivered message unavailable ---');
  } else {
    field('Return-Path', `<${info.sender}>`);
    const n = headersOnly ? original.headerLines : original.lines.length;
    for (let i = 0; i < n; i++) out.push(original.lines[i]!, Buffer.from('\n'));
  }
  line('');
  line(`--${info.boundary}--`);
  return Buffer.concat(out);
}
