/**
 * smtp_addr: from a destination to the addresses to connect to, in order.
 * A domain's MX hosts by preference (equal ones shuffled by the resolver),
 * each host's A/AAAA records per inet_protocols; no MX: the domain's own
 * addresses; a null MX: bounced (5.1.0); a lookup that may work later:
 * deferred (4.4.3) with Postfix's "Host or domain name not found" text.
 * With loop detection (port 25), hosts at or after our own preference are
 * cut, and a list that then is empty means mail loops back to us.
 *
 * Parameters: inet_protocols, smtp_address_preference, smtp_randomize_addresses,
 *   smtp_defer_if_no_mx_address_found, ignore_mx_lookup_error
 * Diagnostics: warning `no MX host for DOMAIN has a valid address record`
 * See: postfix/src/smtp/smtp_addr.c
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DnsFamily } from '../dns/dns_resolver.ts';
import type { DnsMissing } from '../dns/dns_result.ts';
import { shuffleRrs } from '../dns/dns_rr.ts';
import type { SmtpContext } from './smtp_context.ts';
import { SMTP_REASON } from './smtp_reasons.ts';
import type { SmtpWhy } from './smtp_state.ts';
import { localWhy } from './smtp_trouble.ts';

/** One address to try. */
export interface SmtpAddr {
  /** The host name (MX exchange or the domain itself; the address for a literal). */
  readonly host: string;
  readonly address: string;
  readonly pref: number;
}

export interface SmtpAddrList {
  readonly addrs: readonly SmtpAddr[];
  /** Why the list is empty or shorter than hoped (the last lookup error). */
  readonly why: SmtpWhy | null;
  /** This host is one of the domain's MX hosts. */
  readonly iAmMx: boolean;
  /** The best MX preference of the domain (for the best-MX feature and loop texts). */
  readonly bestPref: number;
}

/** The address families inet_protocols enables. */
export function inetFamilies(inet_protocols: readonly string[]): DnsFamily[] {
  const words = inet_protocols.map((w) => w.toLowerCase());
  if (words.includes('all')) return ['ipv4', 'ipv6'];
  const out: DnsFamily[] = [];
  if (words.includes('ipv4')) out.push('ipv4');
  if (words.includes('ipv6')) out.push('ipv6');
  return out;
}

const soft = (why: SmtpWhy | null) => why !== null && why.dsn[0] === '4';

/** The status dsb_status() gives a failed address lookup (smtp_addr_one). */
function lookupWhy(result: DnsMissing, previous: SmtpWhy | null): SmtpWhy {
  const wasSoft = soft(previous);
  let dsn: string;
  switch (result.status) {
    case 'fail':
      dsn = wasSoft ? '4.4.3' : '5.4.3';
      break;
    case 'inval':
    case 'notfound':
    case 'nullmx':
      dsn = wasSoft ? '4.4.4' : '5.4.4';
      break;
    default:
      dsn = '4.4.3';
  }
  return { dsn, text: result.text, mta: null, reply: null };
}

/** smtp_addr_one(): the addresses of one host, appended with preference `pref`. */
async function addrOne(
  ctx: SmtpContext,
  host: string,
  pref: number,
  why: SmtpWhy | null,
): Promise<{ addrs: SmtpAddr[]; why: SmtpWhy | null }> {
  const families = inetFamilies(ctx.params.inet_protocols);
  const ipKind = isIP(host);
  if (ipKind !== 0) {
    const ok = families.includes(ipKind === 4 ? 'ipv4' : 'ipv6');
    return { addrs: ok ? [{ host, address: host, pref }] : [], why };
  }
  if (ctx.dns === null) return nativeAddr(host, pref, families, why);
  const result = await ctx.dns.hostAddresses(host, families);
  if (result.status === 'ok') return { addrs: result.records.map((rr) => ({ host, address: rr.address, pref })), why };
  return { addrs: [], why: lookupWhy(result, why) };
}

/** getaddrinfo() texts of the native lookup (smtp_dns_support_level = disabled). */
const GAI_TEXT: Readonly<Record<string, string>> = {
  ENOTFOUND: 'Name or service not known',
  ENODATA: 'No address associated with hostname',
  EAI_AGAIN: 'Temporary failure in name resolution',
};

/** The native name service (/etc/hosts, then whatever nsswitch says), as smtp_host_lookup = native. */
async function nativeAddr(
  host: string,
  pref: number,
  families: readonly DnsFamily[],
  why: SmtpWhy | null,
): Promise<{ addrs: SmtpAddr[]; why: SmtpWhy | null }> {
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    const addrs = found
      .filter((a) => families.includes(a.family === 4 ? 'ipv4' : 'ipv6'))
      .map((a) => ({ host, address: a.address, pref }));
    if (addrs.length > 0) return { addrs, why };
    return {
      addrs,
      why: { dsn: soft(why) ? '4.4.4' : '5.4.4', text: `${host}: host not found`, mta: null, reply: null },
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const retry = code === 'EAI_AGAIN';
    const nohost = retry || code === 'ENOTFOUND' || code === 'ENODATA';
    const dsn = soft(why) || retry ? (nohost ? '4.4.4' : '4.3.0') : nohost ? '5.4.4' : '5.3.0';
    const text = `unable to look up host ${host}: ${GAI_TEXT[code] ?? (err as Error).message}`;
    return { addrs: [], why: { dsn, text, mta: null, reply: null } };
  }
}

/** Sorts by preference, then by smtp_address_preference, after an optional shuffle. */
function sortAddrs(ctx: SmtpContext, addrs: SmtpAddr[]): SmtpAddr[] {
  const shuffled = ctx.settings.smtp_randomize_addresses ? shuffleRrs(addrs, ctx.random) : addrs;
  const want = ctx.settings.smtp_address_preference;
  const rank = (a: SmtpAddr) => (want === 'any' ? 0 : (isIP(a.address) === 4) === (want === 'ipv4') ? 0 : 1);
  return shuffled.sort((a, b) => a.pref - b.pref || rank(a) - rank(b));
}

/** smtp_host_addr(): a host's own addresses (no MX lookup). */
export async function hostAddr(ctx: SmtpContext, host: string, loopDetect: boolean): Promise<SmtpAddrList> {
  const one = await addrOne(ctx, host, 0, null);
  let addrs = one.addrs;
  if (addrs.length > 0 && loopDetect && addrs.some((a) => ctx.isMyAddress(a.address))) {
    return { addrs: [], why: localWhy(SMTP_REASON.loopsBack('5.4.6', host)), iAmMx: false, bestPref: 0 };
  }
  if (addrs.length > 1) addrs = sortAddrs(ctx, [...addrs]);
  return { addrs, why: addrs.length === 0 ? one.why : null, iAmMx: false, bestPref: 0 };
}

/** smtp_domain_addr(): MX hosts of `domain`, or its own addresses when it has no MX. */
export async function domainAddr(ctx: SmtpContext, domain: string, loopDetect: boolean): Promise<SmtpAddrList> {
  const dns = ctx.dns;
  if (dns === null) return hostAddr(ctx, domain, loopDetect);
  const mx = await dns.mx(domain);
  const fallback = async (why: SmtpWhy): Promise<SmtpAddrList> => {
    if (!ctx.params.ignore_mx_lookup_error) return { addrs: [], why, iAmMx: false, bestPref: 0 };
    return hostAddr(ctx, domain, loopDetect);
  };
  switch (mx.status) {
    case 'notfound':
      return hostAddr(ctx, domain, loopDetect);
    case 'nullmx':
      return { addrs: [], why: { dsn: '5.1.0', text: mx.text, mta: null, reply: null }, iAmMx: false, bestPref: 0 };
    case 'inval':
      return fallback({ dsn: '5.4.4', text: mx.text, mta: null, reply: null });
    case 'fail':
      return fallback({ dsn: '5.4.3', text: mx.text, mta: null, reply: null });
    case 'retry':
      return fallback({ dsn: '4.4.3', text: mx.text, mta: null, reply: null });
    case 'ok':
      break;
  }
  const bestPref = mx.records[0]?.preference ?? 0;
  let addrs: SmtpAddr[] = [];
  let why: SmtpWhy | null = null;
  for (const rr of mx.records) {
    const one = await addrOne(ctx, rr.exchange, rr.preference, why);
    addrs.push(...one.addrs);
    why = one.why;
  }
  if (addrs.length === 0) {
    if (ctx.settings.smtp_defer_if_no_mx_address_found && why !== null && why.dsn[0] === '5') {
      why = { ...why, dsn: `4${why.dsn.slice(1)}` };
    }
    ctx.log.warn(`no MX host for ${domain} has a valid address record`);
    return { addrs: [], why, iAmMx: false, bestPref };
  }
  const bestFound = addrs[0]!.pref;
  let iAmMx = false;
  if (loopDetect) {
    const self = addrs.find((a) => ctx.isMyAddress(a.address));
    if (self !== undefined) {
      iAmMx = true;
      addrs = addrs.filter((a) => a.pref < self.pref);
      if (addrs.length === 0) {
        const reason =
          bestPref !== bestFound ? SMTP_REASON.noPrimaryRelay(domain) : SMTP_REASON.loopsBack('5.4.6', domain);
        return { addrs: [], why: localWhy(reason), iAmMx, bestPref };
      }
    }
  }
  return { addrs: addrs.length > 1 ? sortAddrs(ctx, addrs) : addrs, why: null, iAmMx, bestPref };
}
