/**
 * doctor_warning_classes: what Postfix's (and affix's) warning, error,
 * fatal and panic lines mean, as a table: a pattern, a class
 * (configuration, table, permission, resource, service, crash, client
 * noise ...), the cause and the fix, the fix often naming what the line
 * names (`database /etc/postfix/virtual.db is older than source file
 * /etc/postfix/virtual` -> `postmap /etc/postfix/virtual`). Lines that
 * another check explains (TLS, SASL failures, hostname warnings) are
 * marked `elsewhere`. The first matching rule wins.
 *
 * See: ../shared/reference/postfix-compat.md section 4, postfix/src/util/dict_db.c,
 *      postfix/src/master/master_spawn.c, postfix/src/local/local.c
 */

export type WarningClass =
  | 'table'
  | 'config'
  | 'permission'
  | 'resource'
  | 'service'
  | 'crash'
  | 'milter'
  | 'clients'
  | 'operations'
  | 'elsewhere';

export interface WarningRule {
  readonly id: string;
  readonly re: RegExp;
  readonly cls: WarningClass;
  /** The finding's severity for a warning line (fatal and panic lines are always errors). */
  readonly severity: 'error' | 'warning' | 'info';
  readonly cause: string;
  /** The fix for one line ('' when the line names nothing specific). */
  readonly fix: (m: RegExpExecArray) => string;
  /** Said once after the fixes of all the lines. */
  readonly advice?: string;
}

export const WARNING_RULES: readonly WarningRule[] = [
  {
    id: 'log.table_outdated',
    re: /database (\S+?) is older than source file (\S+)/,
    cls: 'table',
    severity: 'warning',
    cause: "the table's source file was edited but its database was not rebuilt: Postfix still uses the old contents",
    fix: (m) => (/aliases/.test(m[2]!) ? `\`newaliases\` (or \`postalias ${m[2]}\`)` : `\`postmap ${m[2]}\``),
  },
  {
    id: 'log.table_missing',
    re: /open database (\S+?)(?:\.db|\.lmdb|\.affixdb)?: No such file or directory/,
    cls: 'table',
    severity: 'error',
    cause:
      'a table named in main.cf or master.cf was never built: lookups fail and mail is deferred (451 4.3.5 Server configuration error)',
    fix: (m) => (/aliases/.test(m[1]!) ? '`newaliases`' : `\`postmap ${m[1]}\``),
  },
  {
    id: 'log.table_unavailable',
    re: /^(\S+:.*?) is unavailable\.|^(\S+:.*?) lookup error for |map lookup problem|table lookup problem/,
    cls: 'table',
    severity: 'error',
    cause:
      'a lookup table cannot be used (wrong type, syntax, unreachable server): the mail that needs it is deferred with "451 4.3.5 Server configuration error" or "try again later"',
    fix: (m) => ((m[1] ?? m[2]) === undefined ? '' : `\`postmap -q test ${m[1] ?? m[2]}\``),
    advice:
      'test each table the lines name; the "error:" line before them names the mistake; fix it, then `postfix reload`',
  },
  {
    id: 'log.table_syntax',
    re: /missing '=' after attribute name|need "inline:\{name=value|unknown table type|unsupported dictionary type|(?:regexp|pcre|cidr) map \S+, line \d+:/,
    cls: 'table',
    severity: 'error',
    cause:
      'a lookup table is written wrongly (an inline: table needs {key=value, ...}; a regexp or cidr line does not parse): every lookup in it fails and the mail that needs it is deferred',
    fix: () =>
      'correct the table the line quotes (inline:{ {key=value}, {key2=value2} }), test it with `postmap -q KEY TYPE:NAME`, then `postfix reload`',
  },
  {
    id: 'log.nis',
    re: /dict_nis_init: NIS domain name not set/,
    cls: 'config',
    severity: 'warning',
    cause: 'alias_maps still lists nis:mail.aliases (an old default) on a host without NIS',
    fix: () => 'alias_maps = hash:/etc/aliases, then `postfix reload`',
  },
  {
    id: 'log.mailbox_size_limit',
    re: /(mailbox_size_limit|virtual_mailbox_limit) is smaller than message_size_limit/,
    cls: 'config',
    severity: 'error',
    cause:
      'a mailbox may not be smaller than the largest message: the delivery agent refuses to run and local mail stays queued',
    fix: (m) => `${m[1]} = 0 (no limit) or at least message_size_limit, then \`postfix reload\``,
  },
  {
    id: 'log.unused_parameter',
    re: /unused parameter: (\S+?)=/,
    cls: 'config',
    severity: 'warning',
    cause:
      'main.cf or master.cf sets a parameter no program uses: usually a typo, so the intended setting is not in effect',
    fix: (m) =>
      `check the spelling of ${m[1]} (\`postconf -n\`; \`postconf -d | grep\` for the right name) and correct or remove it`,
  },
  {
    id: 'log.overriding',
    re: /overriding earlier entry: (\S+?)=/,
    cls: 'config',
    severity: 'warning',
    cause: 'the same parameter is set twice in main.cf: only the last one counts',
    fix: (m) => `keep one ${m[1]} line in main.cf (\`postconf -n ${m[1]}\` shows the one in effect)`,
  },
  {
    id: 'log.bad_parameter',
    re: /bad (?:numerical|boolean|time) configuration|invalid \S+ parameter value|configuration error|specify at least one working instance|unknown \S+ restriction|unsupported dictionary type|bad string length|illegal \S+ in/,
    cls: 'config',
    severity: 'error',
    cause: 'a parameter has a value Postfix cannot use: the program that reads it exits (fatal) or ignores the setting',
    fix: () => 'correct the value the line quotes, check with `postfix check`, then `postfix reload`',
  },
  {
    id: 'log.config_notice',
    re: /bounce_queue_lifetime is larger than maximal_queue_lifetime|zero result in delay template|please reduce time unit|for instructions see the bounce/,
    cls: 'config',
    severity: 'info',
    cause: 'a setting Postfix adjusts or ignores on its own (queue lifetimes, bounce templates)',
    fix: () => 'align the settings the line names (e.g. bounce_queue_lifetime <= maximal_queue_lifetime) to silence it',
  },
  {
    id: 'log.permission',
    re: /Permission denied|not owned by|bad permissions|insecure permissions|group or other writable|is group-writable|has 0 link count|not a regular file|Operation not permitted/,
    cls: 'permission',
    severity: 'warning',
    cause: 'a Postfix program could not open or trust a file or directory because of its owner or mode',
    fix: () =>
      "`postfix set-permissions`, then `postfix check` (it names what is still wrong); for mailboxes, check the owner of the user's mail file",
  },
  {
    id: 'log.resource',
    re: /No space left on device|insufficient (?:disk|system) space|Too many open files|Cannot allocate memory|out of memory|queue file write error/,
    cls: 'resource',
    severity: 'error',
    cause:
      'the system ran out of a resource (disk space, memory, file descriptors): mail is deferred or refused (452 4.3.1 Insufficient system storage)',
    fix: () =>
      'free disk space on the queue and mail file systems (`df -h /var/spool/postfix /var/mail`), then `postqueue -f`; raise limits (ulimit -n) for descriptor errors',
  },
  {
    id: 'log.service_missing',
    re: /connect (?:#\d+ )?to (?:subsystem |transport )?((?:private|public)\/\S+): No such file or directory/,
    cls: 'service',
    severity: 'error',
    cause: 'a program tried to reach an internal service that master.cf does not define (or that is not running)',
    fix: (m) =>
      `add the ${m[1]!.split('/')[1]} service to master.cf (see \`postconf -Mf\` of a stock Postfix), then \`postfix reload\``,
  },
  {
    id: 'log.tlsmgr_missing',
    re: /no entropy for TLS key generation: disabling TLS support/,
    cls: 'service',
    severity: 'error',
    cause:
      'the tlsmgr service is missing from master.cf: TLS is disabled and STARTTLS fails with "454 4.7.0 TLS not available due to local problem"',
    fix: () => 'add to master.cf: `tlsmgr unix - - y 1000? 1 tlsmgr`, then `postfix reload`',
  },
  {
    id: 'log.crash',
    re: /process \S+ pid \d+ (?:exit status \d+|killed by signal \d+)|bad command startup -- throttling/,
    cls: 'crash',
    severity: 'error',
    cause: 'a Postfix daemon died; master throttles restarts of that service, so its mail waits',
    fix: () => 'the fatal or panic line just before names the cause; `postfix check` finds most configuration causes',
  },
  {
    id: 'log.milter',
    re: /milter \S+: (?:can't read|connect|read|write|unexpected)|connect to Milter service|milter.*(?:Connection refused|timed out)/i,
    cls: 'milter',
    severity: 'error',
    cause:
      'a milter (OpenDKIM, a spam or virus filter) is unreachable: mail passes without it (milter_default_action = accept: unsigned) or is deferred (tempfail)',
    fix: () =>
      'start the milter (`systemctl status opendkim`) and check the address in smtpd_milters / non_smtpd_milters',
  },
  {
    id: 'log.rbl_error',
    re: /RBL lookup error/,
    cls: 'config',
    severity: 'warning',
    cause: 'a DNSBL query failed (the list or the resolver did not answer); Postfix skips that list for the client',
    fix: () => 'check the resolver (`dig 2.0.0.127.<zone>`); see the blacklist findings (`affix doctor dnsbl`)',
  },
  {
    id: 'log.tls',
    re: /TLS library problem|SSL_accept|SSL_connect|certificate|TLS/,
    cls: 'elsewhere',
    severity: 'info',
    cause: '',
    fix: () => '',
  },
  {
    id: 'log.sasl',
    re: /SASL \S+ authentication (?:failed|aborted)/,
    cls: 'elsewhere',
    severity: 'info',
    cause: '',
    fix: () => '',
  },
  {
    id: 'log.hostname',
    re: /hostname \S+ does not resolve to address/,
    cls: 'elsewhere',
    severity: 'info',
    cause: '',
    fix: () => '',
  },
  {
    id: 'log.clients',
    re: /non-SMTP command from|Illegal address syntax|queue file size limit exceeded|improper command pipelining|Message size exceeds|message has been queued for \d+ days/,
    cls: 'clients',
    severity: 'info',
    cause: 'clients misbehaving: scanners speaking HTTP, broken software, messages over message_size_limit',
    fix: () => 'nothing, unless a legitimate client is among them',
  },
  {
    id: 'log.operations',
    re: /Mail system is down|already running|is not running|QUEUE FILE NAMES WERE CHANGED|Flush service is not configured|has changed -- restarting|mail_stream_cleanup: close error/,
    cls: 'operations',
    severity: 'info',
    cause: 'administrative commands run while the system was stopped, or with arguments it did not expect',
    fix: () => 'nothing to fix',
  },
];

/** The rule for a diagnostic text, or null when none matches. */
export function warningRule(text: string): { rule: WarningRule; match: RegExpExecArray } | null {
  for (const rule of WARNING_RULES) {
    const m = rule.re.exec(text);
    if (m !== null) return { rule, match: m };
  }
  return null;
}
