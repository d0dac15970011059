/**
 * smtp_tls_dane: the `dane` and `dane-only` levels for one server, as
 * Postfix's dane_init(): the DNSSEC status of the MX RRset and of the
 * server's address, then its TLSA records (`_PORT._tcp.HOST`, asked with
 * the DNSSEC bits of the configured resolver). Usable DANE-TA/DANE-EE
 * records make TLS mandatory with those records as the only trust; else
 * Postfix's downgrades: no validated records → `may` (dane) or a deferral
 * (dane-only); only unusable records → `encrypt`; a lookup failure defers.
 *
 * Parameters: smtp_dns_support_level (must be `dnssec`), smtp_tls_dane_insecure_mx_policy,
 *   smtp_tls_force_insecure_host_tlsa_lookup, ignore_mx_lookup_error, affix_dns_timeout,
 *   affix_dns_tries (lmtp_* for lmtp)
 * Diagnostics: warnings `DEST: dane configured with dnssec lookups disabled`,
 *   `DEST: the "dane" security level is invalid for delivery via unix-domain sockets`,
 *   `DANE TLSA lookup problem: ...`; the reasons (4.7.5) `TLSA lookup error for HOST:PORT`,
 *   `non DNSSEC destination`, `no TLSA records found`, `TLSA records unusable`
 * Security: trusts the AD bit, so the resolver must validate and be reached
 *   over a trusted path (loopback), as with Postfix
 * See: postfix/src/smtp/smtp_tls_policy.c (dane_init, dane_incompat), postfix/src/tls/tls_dane.c
 */
import { isIP } from 'node:net';
import { tlsaLookup, usableTlsa } from '../auth/auth_tlsa.ts';
import { dnsExchange } from '../dns/dns_transport.ts';
import type { SmtpContext } from './smtp_context.ts';
import { SMTP_REASON, type SmtpReason } from './smtp_reasons.ts';
import { TLS_LEVEL_RANK, type TlsPolicy } from './smtp_tls_level.ts';

/** A server's policy, or why the server must be skipped (TLS_LEV_INVALID with a reason). */
export type HostTlsPolicy =
  | { readonly ok: true; readonly policy: TlsPolicy }
  | { readonly ok: false; readonly why: SmtpReason };

/** The server a DANE policy is resolved for. */
export interface DaneTarget {
  /** The nexthop as written, for warnings. */
  readonly dest: string;
  readonly host: string;
  readonly address: string;
  /** 0 for a UNIX-domain socket. */
  readonly port: number;
  /** DNSSEC status of the MX RRset the host came from; null when there was no MX lookup. */
  readonly mxSecure: boolean | null;
}

/** NONDANE_CONFIG, NONDANE_DEST, DANE_CANTAUTH */
type Incompat = 'config' | 'dest' | 'cantauth';

function dnsOptions(ctx: SmtpContext) {
  return {
    servers: ctx.dns?.servers ?? [],
    timeout: ctx.params.affix_dns_timeout * 1000,
    tries: ctx.params.affix_dns_tries,
    dnssec: true,
  };
}

/** Whether the domain's MX RRset is DNSSEC-validated; null when it has no MX records (or DNS fails). */
export async function mxSecure(ctx: SmtpContext, domain: string): Promise<boolean | null> {
  if (ctx.dns === null) return null;
  const ex = await dnsExchange(domain, 'MX', dnsOptions(ctx));
  if (ex.kind !== 'answer' || !(ex.packet.answers ?? []).some((rr) => rr.type === 'MX')) return null;
  return ex.ad === true;
}

/** Whether the host's address records are DNSSEC-validated (an address literal never is). */
async function hostSecure(ctx: SmtpContext, host: string, address: string): Promise<boolean> {
  if (isIP(host) !== 0 || ctx.dns === null) return false;
  const ex = await dnsExchange(host, isIP(address) === 6 ? 'AAAA' : 'A', dnsOptions(ctx));
  return ex.kind === 'answer' && ex.ad === true;
}

/** dane_incompat(): `dane` falls back to a weaker level, `dane-only` fails the server. */
function incompat(ctx: SmtpContext, policy: TlsPolicy, kind: Incompat, text: string): HostTlsPolicy {
  if (policy.level === 'dane') {
    if (kind === 'config') ctx.log.warn(text);
    const level = kind === 'cantauth' ? 'encrypt' : 'may';
    return { ok: true, policy: { ...policy, level, match: [] } };
  }
  if (kind === 'config') {
    ctx.log.warn(text);
    return { ok: false, why: SMTP_REASON.tlsPolicyInvalid() };
  }
  return { ok: false, why: { dsn: '4.7.5', text } };
}

/** dane_init(): the policy of a `dane`/`dane-only` destination for one server. */
export async function daneHostPolicy(ctx: SmtpContext, policy: TlsPolicy, t: DaneTarget): Promise<HostTlsPolicy> {
  const level = policy.level;
  if (t.port === 0) {
    ctx.log.warn(`${t.dest}: the "dane" security level is invalid for delivery via unix-domain sockets`);
    return { ok: false, why: SMTP_REASON.tlsPolicyInvalid() };
  }
  const support = ctx.settings.smtp_dns_support_level;
  if (ctx.dns === null || support !== 'dnssec') {
    return incompat(ctx, policy, 'config', `${t.dest}: ${level} configured with dnssec lookups disabled`);
  }
  if (ctx.settings.mode === 'smtp' && ctx.params.ignore_mx_lookup_error) {
    return incompat(ctx, policy, 'config', `${t.dest}: ${level} configured with MX lookup errors ignored`);
  }
  const insecureMx = ctx.settings.mode === 'smtp' ? ctx.params.smtp_tls_dane_insecure_mx_policy : 'may';
  if (t.mxSecure === false && (level === 'dane-only' || TLS_LEVEL_RANK[insecureMx] <= TLS_LEVEL_RANK.may)) {
    return incompat(ctx, policy, 'dest', 'non DNSSEC destination');
  }
  // tls_dane_resolve(): no TLSA lookups for hosts in unsigned zones (unless forced).
  const secure = ctx.settings.smtp_tls_force_insecure_host_tlsa_lookup || (await hostSecure(ctx, t.host, t.address));
  if (!secure) return incompat(ctx, policy, 'dest', 'no TLSA records found');
  const { servers, timeout, tries } = dnsOptions(ctx);
  const found = await tlsaLookup(t.host, t.port, { servers, timeout, tries });
  if (found.status === 'error') {
    ctx.log.warn(`DANE TLSA lookup problem: ${found.detail}`);
    return { ok: false, why: SMTP_REASON.tlsaLookup(t.host, t.port) };
  }
  if (found.status !== 'secure') return incompat(ctx, policy, 'dest', 'no TLSA records found');
  const usable = usableTlsa(found.records);
  if (usable.length === 0) return incompat(ctx, policy, 'cantauth', 'TLSA records unusable');
  let outcome: TlsPolicy['level'] = 'dane';
  if (t.mxSecure === false) {
    if (insecureMx === 'encrypt') {
      return incompat(ctx, policy, 'cantauth', 'Verification not possible, MX RRset is insecure');
    }
    outcome = 'half-dane';
  }
  // With DANE, the names a DANE-TA chain must carry are not configurable: the TLSA base domain (the host).
  return { ok: true, policy: { ...policy, level: outcome, match: [t.host], tlsa: usable } };
}
