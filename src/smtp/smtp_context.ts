/**
 * smtp_context: what one smtp or lmtp agent works with — its settings, the
 * tables and TLS material it opened at start, the resolver, the connection
 * cache, and the log — built once by the factory and passed to every
 * delivery (no module state).
 *
 * See: postfix/src/smtp/smtp.c (pre_init, post_init)
 */
import type { MtaStsClient } from '../auth/auth_mta_sts.ts';
import type { Params } from '../config/params.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import type { Log } from '../log/log.ts';
import type { Maps } from '../maps/maps.ts';
import type { SmtpConnCache } from './smtp_reuse.ts';
import type { SmtpSettings } from './smtp_settings.ts';
import type { SmtpTlsMaterial } from './smtp_tls.ts';
import type { SmtpTlsRpt } from './smtp_tls_rpt.ts';

export interface SmtpContext {
  readonly settings: SmtpSettings;
  /** The whole configuration, for the global parameters (myhostname, soft_bounce, inet_protocols ...). */
  readonly params: Params;
  /** Tagged postfix/smtp or postfix/lmtp (or the master.cf service's syslog_name). */
  readonly log: Log;
  /** null when smtp_dns_support_level (or disable_dns_lookups) turns DNS off. */
  readonly dns: DnsResolver | null;
  readonly tlsPolicyMaps: Maps | null;
  readonly saslPasswordMaps: Maps | null;
  readonly tls: SmtpTlsMaterial;
  /** MTA-STS policies (affix_mta_sts_enable, smtp with DNS only), cached for the agent's life. */
  readonly mtaSts: MtaStsClient | null;
  /** TLS-RPT counts and report writing (affix_tlsrpt_report_directory). */
  readonly tlsRpt: SmtpTlsRpt | null;
  readonly cache: SmtpConnCache;
  /** minimal_backoff_time in seconds (when plaintext may follow a failed TLS handshake). */
  readonly minimal_backoff_time: number;
  /** True for an address of this host (inet_interfaces, proxy_interfaces), for loop detection. */
  readonly isMyAddress: (address: string) => boolean;
  /** Milliseconds since the epoch (a fake clock in tests). */
  readonly now: () => number;
  /** Microseconds since the epoch, for delays=. */
  readonly micros: () => number;
  /** Equal-preference address shuffling (smtp_randomize_addresses). */
  readonly random: () => number;
}
