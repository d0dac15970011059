/**
 * doctor_domains: whose domain is it? Which of this host's address classes
 * lists a domain (mydestination, virtual_alias_domains,
 * virtual_mailbox_domains, relay_domains, tables included, matched as
 * trivial-rewrite matches them), and whether the domain's MX records point
 * at this host (its myhostname or its sending addresses).
 *
 * Parameters: mydestination, virtual_alias_domains, virtual_mailbox_domains,
 *   relay_domains, parent_domain_matches_subdomains, myhostname
 * See: postfix/src/trivial-rewrite/resolve.c, src/rewrite/match_list.ts
 */
import type { Config } from '../config/config.ts';
import { sameAddress } from '../dns/dns_arpa.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import type { DictLog } from '../maps/dict.ts';
import { domainList, matchParentStyle, stringList } from '../rewrite/match_list.ts';
import { paramList, paramValue } from './doctor_config.ts';

export const ADDRESS_CLASSES = [
  'mydestination',
  'virtual_alias_domains',
  'virtual_mailbox_domains',
  'relay_domains',
] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

const QUIET: DictLog = { warn: () => {}, error: () => {} };

/** The first address class whose list has `domain`, or null (a table that fails counts as no). */
export async function domainAddressClass(config: Config, domain: string): Promise<AddressClass | null> {
  const parent = paramList(config, 'parent_domain_matches_subdomains');
  for (const name of ADDRESS_CLASSES) {
    const value = paramValue(config, name);
    if (value.trim() === '') continue;
    try {
      const list =
        name === 'relay_domains'
          ? await domainList(name, value, { log: QUIET, parent: matchParentStyle(parent, name) })
          : await stringList(name, value, { log: QUIET });
      if (await list.match(domain)) return name;
    } catch {
      // an unusable table: the doctor's log-health check reports its warnings
    }
  }
  return null;
}

export interface MxVerdict {
  /** true: an MX host is this host; false: none is; null: not known (no DNS, lookup failed). */
  readonly here: boolean | null;
  readonly hosts: readonly string[];
  readonly evidence: readonly string[];
}

/** Whether `domain`'s MX hosts (or, without MX, the domain itself) are this host. */
export async function mxPointsHere(
  dns: DnsResolver | null,
  domain: string,
  myhostname: string,
  ips: readonly string[],
): Promise<MxVerdict> {
  if (dns === null) return { here: null, hosts: [], evidence: [] };
  const mx = await dns.mx(domain);
  if (mx.status !== 'ok') return { here: mx.status === 'notfound' ? false : null, hosts: [], evidence: [mx.text] };
  const hosts = mx.records.map((r) => r.exchange.toLowerCase());
  const evidence = mx.records.map((r) => `${domain} MX ${r.preference} ${r.exchange}`);
  if (hosts.includes(myhostname.toLowerCase())) return { here: true, hosts, evidence };
  if (ips.length === 0) return { here: null, hosts, evidence };
  for (const h of hosts) {
    const a = await dns.hostAddresses(h);
    if (a.status !== 'ok') continue;
    for (const rr of a.records) {
      evidence.push(`${h} ${rr.type} ${rr.address}`);
      if (ips.some((ip) => sameAddress(ip, rr.address))) return { here: true, hosts, evidence };
    }
  }
  return { here: false, hosts, evidence };
}
