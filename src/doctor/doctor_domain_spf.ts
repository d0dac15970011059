/**
 * doctor_domain_spf: the SPF findings of one sending domain: no record,
 * two records, a syntax error, more than 10 DNS lookups or 2 void lookups
 * (each a permerror: receivers then treat the mail as unauthenticated),
 * +all or no all at all, the deprecated ptr mechanism, and the result for
 * each sending IP (pass, or the fail/softfail/neutral a receiver computes),
 * with the record to publish.
 *
 * Standards: RFC 7208 sections 4.6.4 (limits), 5.5 (ptr), 3.2 (one record)
 */
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { type Finding, findingMaker } from './doctor_finding.ts';
import { checkHost, LOOKUP_LIMIT, spfRecords, VOID_LIMIT } from './doctor_spf.ts';
import { parseSpf } from './doctor_spf_record.ts';

const spf = findingMaker('domain', 'spf');

/** A record that allows the sending IPs (or the MX hosts when none is known). */
export function suggestedSpf(ips: readonly string[], existing: string | null): string {
  const mechs = ips.map((ip) => (ip.includes(':') ? `ip6:${ip}` : `ip4:${ip}`));
  if (existing !== null) {
    const terms = existing.split(/ +/).slice(1);
    const all = terms.findIndex((t) => /^[-~?+]?all$/i.test(t));
    const keep = terms.filter((t, i) => i !== all && !mechs.includes(t));
    return ['v=spf1', ...keep, ...mechs, all >= 0 ? terms[all]!.replace(/^[+?]/, '~') : '~all'].join(' ');
  }
  return ['v=spf1', 'mx', ...mechs, '~all'].join(' ');
}

export async function spfFindings(
  dns: DnsResolver,
  domain: string,
  ips: readonly string[],
  helo: string,
): Promise<Finding[]> {
  const recs = await spfRecords(dns, domain);
  if (recs.status === 'temperror') {
    return [
      spf(
        'warning',
        'domain.spf_temperror',
        `SPF of ${domain} could not be fetched`,
        [recs.text],
        'the DNS did not answer: receivers get a temperror and may defer',
        "retry; check the domain's DNS servers",
      ),
    ];
  }
  if (recs.status === 'none') {
    return [
      spf(
        'error',
        'domain.spf_missing',
        `${domain} has no SPF record`,
        [recs.text],
        'receivers cannot tell which servers may send for the domain: mail is scored as unauthenticated (Gmail and Yahoo require SPF or DKIM, and DMARC needs one of them aligned)',
        `publish: ${domain}. IN TXT "${suggestedSpf(ips, null)}"`,
        2,
      ),
    ];
  }
  if (recs.status === 'multiple') {
    const merged = suggestedSpf(
      ips,
      `v=spf1 ${recs.records
        .flatMap((r) =>
          r
            .split(/ +/)
            .slice(1)
            .filter((t) => !/^[-~?+]?all$/i.test(t)),
        )
        .join(' ')} ~all`,
    );
    return [
      spf(
        'error',
        'domain.spf_multiple',
        `${domain} has ${recs.records.length} SPF records`,
        recs.records.map((r) => `${domain} TXT "${r}"`),
        'RFC 7208 allows one SPF record per name: with two, every receiver returns permerror and the mail counts as unauthenticated',
        `replace them with one record: ${domain}. IN TXT "${merged}"`,
        2,
      ),
    ];
  }
  const record = recs.records[0]!;
  const out: Finding[] = [];
  const parsed = parseSpf(record);
  const evidence = [`${domain} TXT "${record}"`];
  if (parsed.errors.length > 0) {
    out.push(
      spf(
        'error',
        'domain.spf_syntax',
        `the SPF record of ${domain} has a syntax error`,
        [...evidence, ...parsed.errors],
        'receivers return permerror for the whole record: the mail counts as unauthenticated',
        `fix the record: ${parsed.errors.join('; ')}`,
        2,
      ),
    );
    return out;
  }
  const mechanisms = parsed.terms.filter((t) => t.type === 'mechanism');
  const all = mechanisms.find((t) => t.name === 'all');
  const redirect = parsed.terms.find((t) => t.type === 'modifier' && t.name === 'redirect');
  if (all !== undefined && (all.qualifier === '+' || all.qualifier === '?')) {
    out.push(
      spf(
        'error',
        'domain.spf_all',
        `the SPF record of ${domain} ends with ${all.raw}: it allows ${all.qualifier === '+' ? 'every server on the Internet' : 'anyone (neutral)'}`,
        evidence,
        "the record authorizes nothing specific; forged mail in the domain's name passes or is neutral",
        `end the record with ~all (or -all): ${domain}. IN TXT "${suggestedSpf(ips, record)}"`,
        1.5,
      ),
    );
  } else if (all === undefined && redirect === undefined) {
    out.push(
      spf(
        'warning',
        'domain.spf_no_all',
        `the SPF record of ${domain} has no "all" term`,
        evidence,
        'servers not listed get "neutral", so forged mail is not marked',
        `end the record with ~all or -all: ${domain}. IN TXT "${suggestedSpf(ips, record)}"`,
        0.5,
      ),
    );
  }
  if (mechanisms.some((t) => t.name === 'ptr')) {
    out.push(
      spf(
        'warning',
        'domain.spf_ptr',
        `the SPF record of ${domain} uses the ptr mechanism`,
        evidence,
        'ptr is deprecated (RFC 7208 5.5): slow, unreliable, and some receivers ignore it',
        'replace ptr with ip4:/ip6: or a mechanisms of the sending hosts',
      ),
    );
  }
  const probeIp = ips[0] ?? '192.0.2.1';
  const full = await checkHost(dns, probeIp, domain, { helo, full: true });
  if (full.lookups > LOOKUP_LIMIT) {
    const lookups = full.trace.filter((l) => /^\s*lookup \d+:/.test(l)).map((l) => l.trim());
    const shown = lookups.length > 11 ? [...lookups.slice(0, 5), '...', ...lookups.slice(-5)] : lookups;
    out.push(
      spf(
        'error',
        'domain.spf_too_many_lookups',
        `the SPF record of ${domain} needs ${full.lookups} DNS lookups (the limit is ${LOOKUP_LIMIT})`,
        [evidence[0]!, ...shown],
        `receivers stop at the ${LOOKUP_LIMIT + 1}th include/a/mx/ptr/exists/redirect and return permerror: mail from any server not matched before it fails SPF`,
        'flatten the record: replace includes by the ip4:/ip6: ranges they list, drop includes of services no longer used, avoid mx and ptr; keep the total at 10 or below',
        2,
      ),
    );
  }
  if (full.voids > VOID_LIMIT) {
    out.push(
      spf(
        'error',
        'domain.spf_void_lookups',
        `the SPF record of ${domain} has ${full.voids} lookups that find nothing (the limit is ${VOID_LIMIT})`,
        full.trace,
        'names in the record that do not exist or have no records count as void lookups; after the second receivers return permerror',
        'remove the a:, mx:, include: and exists: terms that name domains without records',
        1.5,
      ),
    );
  }
  for (const ip of ips) {
    const r = await checkHost(dns, ip, domain, { helo });
    const ev = [
      ...evidence,
      `check_host(${ip}, ${domain}) = ${r.result}: ${r.reason}`,
      `${r.lookups} DNS-querying terms, ${r.voids} void lookups`,
    ];
    if (r.result === 'pass') {
      out.push(spf('ok', 'domain.spf_pass', `SPF of ${domain} passes for ${ip}`, ev, 'the record lists this host', ''));
      continue;
    }
    const severity = r.result === 'fail' || r.result === 'permerror' ? 'error' : 'warning';
    const points = r.result === 'fail' || r.result === 'permerror' ? 2 : r.result === 'temperror' ? 0 : 1;
    out.push(
      spf(
        severity,
        `domain.spf_${r.result}`,
        `SPF of ${domain} gives ${r.result} for ${ip}`,
        ev,
        r.result === 'permerror' || r.result === 'temperror'
          ? `receivers cannot evaluate the record (${r.reason})`
          : `the record does not list ${ip}, this host's sending address: receivers ${r.result === 'fail' ? 'reject or junk' : 'score down'} its mail`,
        `add this host: ${domain}. IN TXT "${suggestedSpf([ip], record)}"`,
        points,
      ),
    );
  }
  if (ips.length === 0 && out.length === 0) {
    out.push(
      spf(
        'info',
        'domain.spf_present',
        `${domain} has a valid SPF record (${full.lookups} DNS lookups); this host's IP is unknown, so its coverage was not checked`,
        evidence,
        'give --public-ip to check that the record lists this host',
        '',
      ),
    );
  }
  return out;
}
