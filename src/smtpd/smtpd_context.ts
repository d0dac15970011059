/**
 * smtpd_context: what every session of one smtpd service shares, built
 * once from the configuration (main.cf plus the service's -o overrides)
 * and replaced on reload: typed parameters, the log, the cleanup service
 * mail goes to, the DNS resolver, the address resolver, the client lists,
 * the restriction lists, TLS and SASL set-ups, and the anvil counters
 * (which survive a reload). Sessions take the context current at connect.
 *
 * Parameters: myhostname, mynetworks, parent_domain_matches_subdomains,
 *   smtpd_forbidden_commands, smtpd_noop_commands, smtpd_forbid_bare_newline_exclusions,
 *   smtpd_client_event_limit_exceptions, smtpd_discard_ehlo_keyword_address_maps,
 *   relay_domains, smtpd_log_access_permit_actions, and those of the address resolver
 * Diagnostics: ConfigError / FatalError for what the daemon cannot run with
 * See: postfix/src/smtpd/smtpd.c (pre_jail_init, post_jail_init)
 */
import type { CleanupService } from '../cleanup/cleanup_service.ts';
import type { Config } from '../config/config.ts';
import type { Params } from '../config/params.ts';
import { createDnsResolver } from '../dns/dns_config.ts';
import { type HostsTable, readHosts } from '../dns/dns_hosts.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import type { Log } from '../log/log.ts';
import type { Maps } from '../maps/maps.ts';
import { openRewriteContext } from '../rewrite/rewrite_init.ts';
import type { AnvilService } from './smtpd_anvil.ts';
import { type MatchKind, MatchList } from './smtpd_match_list.ts';
import { rewriteResolver, type SmtpdResolver } from './smtpd_resolve.ts';
import { createRestrictions, type SmtpdRestrictions } from './smtpd_restrictions.ts';
import type { SaslBackend } from './smtpd_sasl_backend.ts';
import { BuiltinSasl } from './smtpd_sasl_builtin.ts';
import { DovecotSasl } from './smtpd_sasl_dovecot.ts';
import { createSmtpdTables, type SmtpdTables } from './smtpd_tables.ts';
import { createSmtpdTls, type SmtpdTls } from './smtpd_tls.ts';

/** The lists smtpd matches clients and commands against. */
export interface SmtpdLists {
  readonly mynetworks: MatchList;
  readonly bareLfExclusions: MatchList;
  readonly eventExceptions: MatchList;
  readonly forbiddenCommands: MatchList;
  readonly noopCommands: MatchList;
  readonly relayDomains: MatchList;
  readonly ehloDiscardMaps: Maps | null;
}

export interface SmtpdContext {
  readonly config: Config;
  readonly params: Params;
  readonly log: Log;
  /** The master.cf service name (anvil keys, policy attributes, warnings). */
  readonly serviceName: string;
  readonly myhostname: string;
  /** Where accepted mail goes; null: no queue, mail is refused with 451. */
  readonly cleanup: CleanupService | null;
  readonly dns: DnsResolver;
  readonly hosts: HostsTable | null;
  readonly resolver: SmtpdResolver;
  readonly tables: SmtpdTables;
  readonly lists: SmtpdLists;
  readonly restrictions: SmtpdRestrictions;
  readonly anvil: AnvilService;
  /** The SASL back end (smtpd_sasl_type), when smtpd_sasl_auth_enable is on. */
  readonly sasl: SaslBackend | null;
  /** TLS as configured (STARTTLS is offered when not null). */
  readonly tls: SmtpdTls | null;
  /** smtpd_tls_security_level = encrypt (or smtpd_enforce_tls): commands need TLS first. */
  readonly tlsRequired: boolean;
}

export interface SmtpdContextDeps {
  readonly cleanup: CleanupService | null;
  readonly anvil: AnvilService;
  /** Defaults: a resolver from affix_dns_* (tests pass one at a test DNS server). */
  readonly dns?: DnsResolver;
  /** Default: /etc/hosts, read once. */
  readonly hosts?: HostsTable | null;
  readonly tables?: SmtpdTables;
  /** Default: the built-in resolver over this configuration. */
  readonly resolver?: SmtpdResolver;
}

/** Builds a context; throws ConfigError or FatalError (logged) when the service cannot run. */
export async function createSmtpdContext(
  config: Config,
  log: Log,
  serviceName: string,
  deps: SmtpdContextDeps,
): Promise<SmtpdContext> {
  const p = config.params;
  const tables = deps.tables ?? createSmtpdTables(log, config.configDir);
  const parent = new Set(p.parent_domain_matches_subdomains.map((n) => n.toLowerCase()));
  const list = (title: string, kind: MatchKind, words: readonly string[]) =>
    MatchList.create(title, kind, words, (spec) => tables.open(spec), parent.has(title));
  const hosts = deps.hosts !== undefined ? deps.hosts : await readHosts().catch(() => null);
  const dns = deps.dns ?? createDnsResolver(config, { warn: (t) => log.warn(t) });
  const myhostname = p.myhostname;
  const relayDomains = await list('relay_domains', 'domain', p.relay_domains);
  const resolver =
    deps.resolver ?? rewriteResolver(await openRewriteContext(config, log, { dict: { cwd: config.configDir } }));
  const lists: SmtpdLists = {
    mynetworks: await list('mynetworks', 'namadr', p.mynetworks),
    bareLfExclusions: await list(
      'smtpd_forbid_bare_newline_exclusions',
      'namadr',
      p.smtpd_forbid_bare_newline_exclusions,
    ),
    eventExceptions: await list('smtpd_client_event_limit_exceptions', 'namadr', p.smtpd_client_event_limit_exceptions),
    forbiddenCommands: await list('smtpd_forbidden_commands', 'string', p.smtpd_forbidden_commands),
    noopCommands: await list('smtpd_noop_commands', 'string', p.smtpd_noop_commands),
    relayDomains,
    ehloDiscardMaps: await tables.maps(
      'smtpd_discard_ehlo_keyword_address_maps',
      p.smtpd_discard_ehlo_keyword_address_maps.join(' '),
    ),
  };
  const restrictions = await createRestrictions(
    config,
    log,
    tables,
    await list('smtpd_log_access_permit_actions', 'string', p.smtpd_log_access_permit_actions),
  );
  let sasl: SaslBackend | null = null;
  if (p.smtpd_sasl_auth_enable) {
    const type = p.smtpd_sasl_type.toLowerCase();
    if (type === 'dovecot') sasl = new DovecotSasl(p.smtpd_sasl_path, p.queue_directory, p.smtpd_sasl_service, log);
    else if (type === 'cyrus' || type === 'affix')
      sasl = new BuiltinSasl(await tables.maps('affix_sasl_password_maps', p.affix_sasl_password_maps.join(', ')));
    else log.fatal(`unsupported SASL server implementation: ${p.smtpd_sasl_type}`);
  }
  const level = p.smtpd_tls_security_level;
  return {
    config,
    params: p,
    log,
    serviceName,
    myhostname,
    cleanup: deps.cleanup,
    dns,
    hosts,
    resolver,
    tables,
    lists,
    restrictions,
    anvil: deps.anvil,
    sasl,
    tls: createSmtpdTls(p, log),
    tlsRequired: p.smtpd_tls_wrappermode || level === 'encrypt' || (level === '' && p.smtpd_enforce_tls),
  };
}
