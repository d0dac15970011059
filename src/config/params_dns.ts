/**
 * params_dns: the parameters of affix's DNS resolver (src/dns). Postfix
 * leaves servers, timeouts and caching to the system's resolver library and
 * a local caching server; affix asks the servers itself, so it has its own
 * `affix_dns_*` parameters (not in Postfix; `postconf -d` there does not know
 * them). Defaults follow glibc's resolver: 5s per try, 2 tries.
 *
 * Parameters: the keys below
 *   affix_dns_servers          name servers, `addr`, `addr:port`, `[v6]:port`;
 *                              empty: those of /etc/resolv.conf
 *   affix_dns_timeout          time to wait for one server on one try
 *   affix_dns_tries            rounds over all servers
 *   affix_dns_cache_size       lookup results kept per process; 0: no cache
 *   affix_dns_cache_max_ttl    longest time a result is kept (its TTL otherwise)
 *   affix_dns_ncache_max_ttl   longest time an NXDOMAIN/NODATA answer is kept
 *   disable_dns_lookups, smtp_dns_support_level: as in Postfix, combined by
 *                              smtpDnsSupport() (src/dns/dns_config.ts)
 * See: postfix/src/smtp/smtp.c (smtp_dns_support), resolv.conf(5)
 */
import { bool, choice, int, list, time } from './param_types.ts';

export const PARAMS_DNS = {
  affix_dns_servers: list(''),
  affix_dns_timeout: time('5s', 's', 1),
  affix_dns_tries: int('2', 1),
  affix_dns_cache_size: int('1000'),
  affix_dns_cache_max_ttl: time('1h', 's'),
  affix_dns_ncache_max_ttl: time('5m', 's'),
  disable_dns_lookups: bool('no'),
  // `dnssec` (for DANE): like Postfix, affix trusts the AD bit of the configured (validating) resolver.
  smtp_dns_support_level: choice('', ['', 'disabled', 'enabled', 'dnssec']),
} as const;
