/**
 * smtpd_check_host: the restrictions about names — the client's name
 * (reject_unknown_client_hostname, reject_unknown_reverse_client_hostname),
 * the HELO name's syntax and DNS (reject_invalid_helo_hostname,
 * reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname), an address's
 * domain (reject_non_fqdn_sender/_recipient, reject_unknown_sender_domain /
 * _recipient_domain), and reject_plaintext_session. A DNS failure that
 * may pass is remembered as defer_if_permit (per the *_tempfail_action
 * parameters), never turned into a permanent refusal.
 *
 * Parameters: unknown_client_reject_code, invalid_hostname_reject_code,
 *   non_fqdn_reject_code, unknown_hostname_reject_code, unknown_address_reject_code,
 *   unknown_helo_hostname_tempfail_action, unknown_address_tempfail_action, plaintext_reject_code
 * Security: names are client text; each passes valid_hostname() before any DNS query
 * Standards: RFC 7372 (4.7.25), RFC 7505 (null MX)
 * See: postfix/src/smtpd/smtpd_check.c (reject_unknown_client, reject_unknown_reverse_name,
 *      reject_invalid_hostname, reject_non_fqdn_hostname, reject_unknown_hostname,
 *      reject_unknown_mailhost, reject_non_fqdn_address, reject_unknown_address)
 */
import { isIPv4 } from 'node:net';
import { domainToASCII } from 'node:url';
import { validHostaddr, validHostname } from '../dns/dns_name.ts';
import type { DnsStatus } from '../dns/dns_result.ts';
import type { DnsType } from '../dns/dns_rr.ts';
import { type CheckCtx, deferIfPermit, dictRetry, refuse, type Status } from './smtpd_check_ctx.ts';
import { REPLY_CLASS } from './smtpd_dsn_fix.ts';

/** dns_lookup_rv()'s preference among failures (higher is more hopeful). */
const RANK: Readonly<Record<DnsStatus, number>> = { ok: 0, retry: -2, inval: -3, fail: -4, nullmx: -5, notfound: -7 };

/** Looks up `types` in turn as dns_lookup_l() does; the status that decides. */
async function lookupTypes(
  cc: CheckCtx,
  name: string,
  types: readonly DnsType[],
  stop: readonly DnsStatus[],
): Promise<DnsStatus> {
  let best: DnsStatus | null = null;
  let status: DnsStatus = 'notfound';
  for (let i = 0; i < types.length; i++) {
    status = (await cc.s.ctx.dns.lookup(name, types[i]!)).status;
    if (stop.includes(status)) return status;
    if (i === types.length - 1) break;
    if (best === null || RANK[status] >= RANK[best]) best = status;
  }
  return best !== null && RANK[status] < RANK[best] ? best : status;
}

/** dup_if_truncate(): one trailing dot removed (not from `x..`). */
function truncateDot(name: string): string {
  return name.length > 1 && name.endsWith('.') && !name.endsWith('..') ? name.slice(0, -1) : name;
}

/** valid_utf8_hostname(): non-ASCII names only with SMTPUTF8, checked in their A-label form. */
function validUtf8Hostname(smtputf8: boolean, name: string): boolean {
  if (/^[\x00-\x7f]*$/.test(name)) return validHostname(name);
  if (!smtputf8) return false;
  const ascii = domainToASCII(name);
  return ascii !== '' && validHostname(ascii);
}

/** valid_mailhost_addr(): an IPv4 address, or `IPv6:` and an IPv6 address. */
function validMailhostAddr(text: string): boolean {
  if (/^ipv6:/i.test(text)) return validHostaddr(text.slice(5)) && text.slice(5).includes(':');
  return isIPv4(text);
}

export function rejectUnknownReverseName(cc: CheckCtx): Status {
  const { peer, ctx } = cc.s;
  if (peer.reverseNameStatus === 'ok') return 'dunno';
  const code = peer.reverseNameStatus === 'perm' ? ctx.params.unknown_client_reject_code : 450;
  return refuse(cc, 'policy', code, '4.7.1', `Client host rejected: cannot find your reverse hostname, [${peer.addr}]`);
}

export function rejectUnknownClient(cc: CheckCtx): Status {
  const { peer, ctx } = cc.s;
  if (peer.nameStatus === 'ok') return 'dunno';
  const code = peer.nameStatus === 'temp' ? 450 : ctx.params.unknown_client_reject_code;
  return refuse(cc, 'policy', code, '4.7.25', `Client host rejected: cannot find your hostname, [${peer.addr}]`);
}

export function rejectPlaintextSession(cc: CheckCtx): Status {
  if (cc.s.tls !== null) return 'dunno';
  return refuse(cc, 'policy', cc.s.ctx.params.plaintext_reject_code, '4.7.1', 'Session encryption is required');
}

export function rejectInvalidHostaddr(cc: CheckCtx, addr: string): Status {
  const test = addr.startsWith('[') && addr.endsWith(']') && addr.length > 2 ? addr.slice(1, -1) : addr;
  if (validMailhostAddr(test)) return 'dunno';
  return refuse(
    cc,
    'policy',
    cc.s.ctx.params.invalid_hostname_reject_code,
    '5.5.2',
    `<${cc.replyName}>: ${cc.replyClass} rejected: invalid ip address`,
  );
}

export function rejectInvalidHostname(cc: CheckCtx, name: string): Status {
  const test = truncateDot(name);
  if (validHostname(test) || validHostaddr(test)) return 'dunno';
  return refuse(
    cc,
    'policy',
    cc.s.ctx.params.invalid_hostname_reject_code,
    '5.5.2',
    `<${cc.replyName}>: ${cc.replyClass} rejected: Invalid name`,
  );
}

export function rejectNonFqdnHostname(cc: CheckCtx, name: string): Status {
  const test = truncateDot(name);
  const smtputf8 = cc.s.txn.stage === 'mail' && cc.s.txn.mail.smtputf8;
  if (validUtf8Hostname(smtputf8, test) && test.includes('.')) return 'dunno';
  return refuse(
    cc,
    'policy',
    cc.s.ctx.params.non_fqdn_reject_code,
    '5.5.2',
    `<${cc.replyName}>: ${cc.replyClass} rejected: need fully-qualified hostname`,
  );
}

/** reject_unknown_hostname(): a name with no A, AAAA or MX record. */
export async function rejectUnknownHostname(cc: CheckCtx, name: string): Promise<Status> {
  const status = await lookupTypes(cc, name, ['A', 'AAAA', 'MX'], ['ok']);
  if (status === 'ok' || status === 'nullmx') return 'dunno';
  const { params, restrictions } = cc.s.ctx;
  if (status !== 'retry') {
    return refuse(
      cc,
      'policy',
      params.unknown_hostname_reject_code,
      '4.7.1',
      `<${cc.replyName}>: ${cc.replyClass} rejected: ${status === 'inval' ? 'Malformed DNS server reply' : 'Host not found'}`,
    );
  }
  return deferIfPermit(
    cc,
    restrictions.unknownHeloDeferIfPermit,
    450,
    '4.7.1',
    `<${cc.replyName}>: ${cc.replyClass} rejected: Host not found`,
  );
}

/** reject_unknown_mailhost(): a mail domain with no MX, A or AAAA record, or a null MX. */
async function rejectUnknownMailhost(cc: CheckCtx, domain: string): Promise<Status> {
  const name = /^[\x00-\x7f]*$/.test(domain) ? domain : domainToASCII(domain) || domain;
  const status = await lookupTypes(cc, name, ['MX', 'A', 'AAAA'], ['ok', 'inval', 'nullmx']);
  if (status === 'ok') return 'dunno';
  const sender = cc.replyClass === REPLY_CLASS.sender;
  const { params, restrictions } = cc.s.ctx;
  if (status === 'nullmx') {
    return refuse(
      cc,
      'policy',
      sender ? 550 : 556,
      sender ? '4.7.27' : '4.1.10',
      `<${cc.replyName}>: ${cc.replyClass} rejected: Domain ${name} does not accept mail (nullMX)`,
    );
  }
  if (status !== 'retry') {
    return refuse(
      cc,
      'policy',
      params.unknown_address_reject_code,
      sender ? '4.1.8' : '4.1.2',
      `<${cc.replyName}>: ${cc.replyClass} rejected: ${status === 'inval' ? 'Malformed DNS server reply' : 'Domain not found'}`,
    );
  }
  return deferIfPermit(
    cc,
    restrictions.unknownAddressDeferIfPermit,
    450,
    sender ? '4.1.8' : '4.1.2',
    `<${cc.replyName}>: ${cc.replyClass} rejected: Domain not found`,
  );
}

export function rejectNonFqdnAddress(cc: CheckCtx, addr: string): Status {
  const at = addr.lastIndexOf('@');
  const domain = at < 0 ? '' : addr.slice(at + 1);
  if (domain.startsWith('[') && domain.endsWith(']')) return 'dunno';
  const test = truncateDot(domain);
  const smtputf8 = cc.s.txn.stage === 'mail' && cc.s.txn.mail.smtputf8;
  if (test !== '' && validUtf8Hostname(smtputf8, test) && test.includes('.')) return 'dunno';
  return refuse(
    cc,
    'policy',
    cc.s.ctx.params.non_fqdn_reject_code,
    '4.5.2',
    `<${cc.replyName}>: ${cc.replyClass} rejected: need fully-qualified address`,
  );
}

/** reject_unknown_address(): the domain of a non-local address must exist in the DNS. */
export async function rejectUnknownAddress(cc: CheckCtx, addr: string): Promise<Status> {
  const s = cc.s;
  const other = cc.replyClass === REPLY_CLASS.sender ? (s.logged.recipient ?? '') : (s.sender ?? '');
  const reply = await s.ctx.resolver.resolve(other, addr);
  if (reply.fail) dictRetry(cc, addr);
  const at = reply.recipient.lastIndexOf('@');
  if (at < 0) return 'dunno';
  const domain = reply.recipient.slice(at + 1);
  if (reply.class === 'local' || reply.class === 'alias' || reply.class === 'virtual') return 'dunno';
  if (domain.startsWith('[') && domain.endsWith(']')) return 'dunno';
  return rejectUnknownMailhost(cc, domain);
}
