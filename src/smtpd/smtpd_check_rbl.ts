/**
 * smtpd_check_rbl: DNS allow and deny lists. reject_rbl_client looks the
 * client address up under a zone, the reject_rhsbl_* restrictions a domain
 * (client name, reverse name, HELO, sender or recipient domain); a zone
 * may carry a `=127.0.0.x` filter. A listing refuses with the reply of
 * rbl_reply_maps or default_rbl_reply, expanded with $rbl_code,
 * $rbl_class, $rbl_what, $rbl_domain and $rbl_reason (the TXT record). A
 * list that cannot be asked is skipped (the lookup logs a warning);
 * permit_dnswl_client and permit_rhswl_client permit a listed client, but
 * never for a recipient this system would not accept anyway, and a failed
 * allow-list lookup turns a later 5xx into a 4xx.
 *
 * Parameters: maps_rbl_reject_code, default_rbl_reply, rbl_reply_maps
 * Diagnostics: `warning: Q: RBL lookup error: ...`, `warning: rbl response code
 *   configuration error: ...`, `warning: rbl_reject_reply: bad rbl reply template ...`
 * Security: the TXT text is the list operator's: unprintable characters are
 *   replaced before it enters a reply
 * See: postfix/src/smtpd/smtpd_check.c (rbl_reject_reply, reject_rbl_addr, permit_dnswl_addr,
 *      reject_rbl_domain, permit_dnswl_domain)
 */
import { macExpand } from '../config/mac_expand.ts';
import { type DnsxlResult, dnsblLookup, parseDnsxlSite, rhsblLookup } from '../dns/dns_rbl.ts';
import { DictLookupError } from '../maps/dict.ts';
import { type CheckCtx, deferIfReject, refuse, type Status, serverError } from './smtpd_check_ctx.ts';
import { permitAuthDestination } from './smtpd_check_relay.ts';
import { dsnSplit, smtpdDsnFix } from './smtpd_dsn_fix.ts';

/** smtpd_expansion_filter's default: printable ASCII and TAB; anything else becomes `_`. */
function filterText(text: string): string {
  return text.replace(/[^\t\x20-\x7e]/g, '_');
}

async function lookup(cc: CheckCtx, spec: string, what: string, byAddress: boolean): Promise<DnsxlResult | null> {
  const site = parseDnsxlSite(spec);
  if (!site.ok) {
    cc.s.ctx.log.warn(site.error);
    serverError(cc);
  }
  const dns = cc.s.ctx.dns;
  const r = byAddress ? await dnsblLookup(dns, site.value, what) : await rhsblLookup(dns, site.value, what);
  if (r.status === 'error') cc.s.ctx.log.warn(r.warning);
  return r;
}

/** The variables the reply template may use, then the session's (smtpd_expand). */
function expandLookup(cc: CheckCtx, zone: string, what: string, txt: string): (name: string) => string | undefined {
  const s = cc.s;
  const vars: Record<string, string> = {
    rbl_code: String(s.ctx.params.maps_rbl_reject_code),
    rbl_domain: zone,
    rbl_reason: txt,
    rbl_txt: txt,
    rbl_what: what,
    rbl_class: cc.replyClass,
    client_address: s.peer.addr,
    client_name: s.peer.name,
    client_port: s.peer.port,
    reverse_client_name: s.peer.reverseName,
    helo_name: s.helo ?? '',
    sender: s.sender ?? '',
    recipient: s.logged.recipient ?? '',
  };
  return (name) => vars[name];
}

/** rbl_reject_reply(): the refusal for a listing. */
async function rblReject(cc: CheckCtx, spec: string, what: string, txt: string | null): Promise<Status> {
  const s = cc.s;
  const zone = spec.split('=')[0]!;
  let template: string | null = null;
  const maps = s.ctx.restrictions.rblReplyMaps;
  if (maps !== null) {
    try {
      template = (await maps.find(spec)) ?? (zone !== spec ? await maps.find(zone) : null);
    } catch (err) {
      if (err instanceof DictLookupError) serverError(cc);
      throw err;
    }
  }
  const lookupFn = expandLookup(cc, zone, what, filterText(txt ?? ''));
  let why = '';
  for (;;) {
    const t = template ?? s.ctx.config.raw('default_rbl_reply') ?? '';
    const r = macExpand(t, lookupFn, { recurse: false });
    if (r.errors.length === 0) {
      why = r.value;
      break;
    }
    if (template === null) s.ctx.log.fatal(`rbl_reject_reply: bad default rbl reply template: ${t}`);
    s.ctx.log.warn(`rbl_reject_reply: bad rbl reply template for domain ${spec}: ${template}`);
    template = null;
  }
  if (!/^[45]\d\d /.test(why)) {
    s.ctx.log.warn(`rbl response code configuration error: ${why}`);
    return refuse(cc, 'policy', 450, '4.7.1', 'Service unavailable');
  }
  const dp = dsnSplit('4.7.1', why.slice(4));
  const dsn = smtpdDsnFix(dp.dsn, cc.replyClass, (t) => s.ctx.log.info(t));
  return refuse(cc, 'policy', Number(why.slice(0, 3)), dsn, dp.text || 'Service unavailable');
}

/** reject_rbl_client zone: the client address is listed. */
export async function rejectRblAddr(cc: CheckCtx, spec: string, addr: string): Promise<Status> {
  const r = await lookup(cc, spec, addr, true);
  if (r === null || r.status !== 'listed') return 'dunno';
  return rblReject(cc, spec, addr, r.txt);
}

/** reject_rhsbl_* zone: a domain (or an address's domain) is listed. */
export async function rejectRblDomain(cc: CheckCtx, spec: string, what: string): Promise<Status> {
  const r = await lookup(cc, spec, what, false);
  if (r === null || r.status !== 'listed') return 'dunno';
  return rblReject(cc, spec, what, r.txt);
}

/** Allow lists never permit a recipient that relay control would refuse. */
async function unauthorizedRecipient(cc: CheckCtx): Promise<boolean> {
  const rcpt = cc.s.logged.recipient;
  return cc.s.where === 'RCPT' && rcpt !== null && (await permitAuthDestination(cc, rcpt)) !== 'ok';
}

/** permit_dnswl_client zone / permit_rhswl_client zone. */
export async function permitDnswl(cc: CheckCtx, spec: string, what: string, byAddress: boolean): Promise<Status> {
  if (await unauthorizedRecipient(cc)) return 'dunno';
  const r = await lookup(cc, spec, what, byAddress);
  if (r === null || r.status === 'unlisted') return 'dunno';
  if (r.status === 'error') {
    deferIfReject(cc, 450, '4.7.1', `<${what}>: ${cc.replyClass} rejected: Service unavailable`);
    return 'dunno';
  }
  return 'ok';
}
