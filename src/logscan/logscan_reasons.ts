/**
 * logscan_reasons: the reason a line gives, folded so that equal causes
 * group in a "top reasons" table: recipient addresses become `<address>`,
 * bracketed IP addresses and ports go, `connect to mx[192.0.2.1]:25:
 * Connection refused` becomes `connect to server: Connection refused`, the
 * RBL blurb after `blocked using zone` is cut. The destination (recipient
 * domain, client) is shown beside the reason, not inside it.
 *
 * See: ../shared/reference/postfix-compat.md sections 4.2 (reject texts) and 4.6 (smtp client texts)
 */
import type { LogEvent, LogFrame } from './logscan_event.ts';
import { recipientDomain } from './logscan_pflogsumm.ts';

const MAX_REASON = 120;
const ADDRESS = /<[^<>\s]*@[^<>\s]*>/g;
const BRACKET_ADDR = /\s*\[[0-9A-Fa-f.:]+\](?::\d+)?/g;
const QUEUE_ID =
  /\b(?:[0-9A-F]{10,12}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]+)\b/g;

function trim(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 3)}...` : text;
}

function fold(text: string): string {
  return text.replace(ADDRESS, '<address>').replace(BRACKET_ADDR, '');
}

type Delivery = Extract<LogEvent, { kind: 'delivery' }>;

/** Why a recipient was deferred or bounced, folded. */
export function deliveryReason(e: Delivery): string {
  const r = e.remote;
  if (r !== null) {
    const code = r.reply === null ? '' : `${r.reply.code}${r.reply.dsn === null ? '' : ` ${r.reply.dsn}`} `;
    const cmd = r.inReplyTo === null ? '' : ` (in reply to ${r.inReplyTo})`;
    return trim(`${code}${fold(r.text)}${cmd}`);
  }
  const t = e.text;
  let m = /^connect to \S+: (.*)$/.exec(t);
  if (m !== null) return trim(`connect to server: ${m[1]}`);
  m = /^(conversation|lost connection) with \S+ (.*)$/.exec(t);
  if (m !== null) return trim(`${m[1]} with server ${m[2]}`);
  return trim(fold(t.replace(/name=\S+ type=/, 'name=... type=').replace(/^mail for \S+ /, 'mail for domain ')));
}

type SmtpdCheck = Extract<LogEvent, { kind: 'smtpd_check' }>;
type ContentCheck = Extract<LogEvent, { kind: 'content_check' }>;

const BLOCKED =
  /(?:^|; )(Client host|Sender address|Recipient address|Helo command|client|Client)(?: \[[^\]]*\])? blocked using ([^\s;,]+)/;

/** Why smtpd (or postscreen) refused: the reply without the address it quotes, the RBL zone kept. */
export function checkReason(e: SmtpdCheck): string {
  const code = e.reply === null ? '' : `${e.reply.code}${e.reply.dsn === null ? '' : ` ${e.reply.dsn}`} `;
  let text = e.text.replace(/^<[^>]*>: /, '');
  const blocked = BLOCKED.exec(text);
  if (blocked !== null) {
    text = `${blocked[1]} blocked using ${blocked[2]}`;
  } else {
    const semi = text.indexOf('; ');
    if (semi > 0) text = text.slice(0, semi);
    text = text.replace(/, \[[^\]]*\]$/, '');
  }
  return trim(`${code}${fold(text)}`);
}

/** Why cleanup acted on a header or body: `header: 5.7.1 forbidden subject`. */
export function contentReason(e: ContentCheck): string {
  const text = e.text ?? e.content;
  return trim(`${e.part}: ${fold(text)}`);
}

/** A warning, error, fatal or panic line, its queue ID folded: `cleanup: ID: queue file size limit exceeded`. */
export function diagnosticReason(frame: LogFrame): string {
  return trim(`${frame.program}: ${frame.text.replace(QUEUE_ID, 'ID')}`);
}

/** The reject table's key for a refusal: `RCPT Relay access denied`, or the start of a line not read. */
export function checkKey(event: LogEvent, text: string): string {
  if (event.kind === 'smtpd_check') return `${event.stage} ${checkReason(event)}`;
  return text.slice(0, 120);
}

/**
 * Where a refusal happened: the recipient's domain for a recipient refusal
 * (unknown user, relay denied), the sender's for a sender refusal, else the
 * client (its name, or its address when the name is `unknown`).
 */
export function checkWhere(event: LogEvent): string {
  if (event.kind !== 'smtpd_check') return '';
  const { from, to } = event.envelope;
  if (to !== null && /Recipient address|Relay access|User unknown/.test(event.text)) return recipientDomain(to);
  if (from !== null && event.text.includes('Sender address')) return from === '' ? '<>' : recipientDomain(from);
  const c = event.client;
  return c.name === '' || c.name === 'unknown' ? c.addr : c.name;
}
