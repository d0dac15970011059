/**
 * dns_config: a DnsResolver from a configuration. The resolver itself takes
 * plain values (so tests need no Config); this file maps the affix_dns_*
 * parameters onto them, and decides, as the Postfix SMTP client does, whether
 * DNS is used at all.
 *
 * Parameters: affix_dns_servers, affix_dns_timeout, affix_dns_tries,
 *   affix_dns_cache_size, affix_dns_cache_max_ttl, affix_dns_ncache_max_ttl,
 *   disable_dns_lookups, smtp_dns_support_level
 * Diagnostics: ConfigError for a bad parameter value or server entry
 * See: postfix/src/smtp/smtp.c (pre_init: smtp_dns_support)
 */
import type { Config } from '../config/config.ts';
import type { Params } from '../config/params.ts';
import { DnsResolver, type DnsResolverOptions } from './dns_resolver.ts';

export type DnsParams = Pick<
  Params,
  | 'affix_dns_servers'
  | 'affix_dns_timeout'
  | 'affix_dns_tries'
  | 'affix_dns_cache_size'
  | 'affix_dns_cache_max_ttl'
  | 'affix_dns_ncache_max_ttl'
>;

/** Resolver options from parameter values (timeouts in seconds become milliseconds). */
export function dnsResolverOptions(params: DnsParams): DnsResolverOptions {
  return {
    servers: params.affix_dns_servers,
    timeout: params.affix_dns_timeout * 1000,
    tries: params.affix_dns_tries,
    cacheSize: params.affix_dns_cache_size,
    cacheMaxTtl: params.affix_dns_cache_max_ttl,
    ncacheMaxTtl: params.affix_dns_ncache_max_ttl,
  };
}

/** What tests and daemons may add: a clock, a random source, where warnings go. */
export type DnsResolverExtras = Pick<DnsResolverOptions, 'clock' | 'random' | 'warn' | 'retryTtl'>;

/** The resolver a service uses, built from its configuration. Throws ConfigError. */
export function createDnsResolver(config: Config, extras: DnsResolverExtras = {}): DnsResolver {
  return new DnsResolver({ ...dnsResolverOptions(config.params), ...extras });
}

/** `dnssec`: enabled, and DANE may rely on the resolver's AD bit. */
export type SmtpDnsSupport = 'disabled' | 'enabled' | 'dnssec';

/**
 * Whether the SMTP client uses the DNS: smtp_dns_support_level when set,
 * else the legacy disable_dns_lookups (Postfix's backwards-compatible rule).
 */
export function smtpDnsSupport(params: Pick<Params, 'disable_dns_lookups' | 'smtp_dns_support_level'>): SmtpDnsSupport {
  if (params.smtp_dns_support_level === '') return params.disable_dns_lookups ? 'disabled' : 'enabled';
  return params.smtp_dns_support_level;
}
