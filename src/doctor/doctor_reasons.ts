/**
 * doctor_reasons: why a delivery was deferred or bounced, as one class,
 * from the text Postfix logged (`status=deferred (connect to ...: Connection
 * timed out)`, `host mx said: 550 5.7.1 ... blocked using zen.spamhaus.org`)
 * or the reason postqueue shows. The rules are tried in order, on the DSN
 * and the text; the first that matches names the class. Each class has the
 * cause in plain words and the usual fix; the checks add specifics.
 *
 * See: ../shared/reference/postfix-compat.md sections 4.5-4.7 (smtp client and agent texts)
 */

export const REASON_CLASSES = [
  'blacklist',
  'ptr',
  'sender_auth',
  'relay_denied',
  'sasl',
  'tls',
  'rate_limit',
  'greylist',
  'mailbox_full',
  'user_unknown',
  'dns',
  'connect_timeout',
  'connect_refused',
  'unreachable',
  'conversation',
  'loop',
  'size',
  'content',
  'local_resource',
  'local_config',
  'bounce_failed',
  'other',
] as const;
export type ReasonClass = (typeof REASON_CLASSES)[number];

export interface ReasonInfo {
  /** A few words for tables: `connection timed out`. */
  readonly label: string;
  readonly cause: string;
  readonly fix: string;
}

export const REASON_INFO: Readonly<Record<ReasonClass, ReasonInfo>> = {
  blacklist: {
    label: 'blacklisted (remote reject quoting a DNSBL)',
    cause: 'the receiving server refuses mail from this IP address because a blacklist (DNSBL) lists it',
    fix: 'run `affix doctor dnsbl --public-ip <your sending IP>` to see which lists name it, remove the cause (an infected host, an open relay, a compromised account sending spam), then request delisting at each list',
  },
  ptr: {
    label: 'no or bad reverse DNS (remote requires PTR)',
    cause: 'the receiving server requires a PTR record for the sending IP that resolves back to it (FCrDNS)',
    fix: 'ask the owner of the IP address (your hosting provider) to set its PTR to your $myhostname, and publish an A record for that name; `affix doctor rdns` checks both',
  },
  sender_auth: {
    label: 'SPF/DKIM/DMARC failure',
    cause:
      'the receiving server found the message unauthenticated: SPF does not cover the sending IP, no valid DKIM signature, or the DMARC policy of the sender domain rejects it',
    fix: 'run `affix doctor domain --domain <sender domain>` and publish the SPF, DKIM and DMARC records it gives',
  },
  relay_denied: {
    label: 'relay access denied by the next hop',
    cause:
      'the next-hop server (your relayhost or smarthost) does not relay for this server: it wants SMTP AUTH, or this IP is not among its trusted clients',
    fix: 'set up SMTP AUTH to the relayhost: smtp_sasl_auth_enable = yes, smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd, smtp_tls_security_level = encrypt, then `postmap /etc/postfix/sasl_passwd` and `postfix reload`; or have the relayhost trust this IP',
  },
  sasl: {
    label: 'SMTP AUTH to the next hop failed',
    cause: 'the next-hop server rejected the SMTP AUTH login, or requires one that was not attempted',
    fix: 'check the user name and password in smtp_sasl_password_maps (then `postmap` it), smtp_sasl_auth_enable = yes, and smtp_sasl_security_options = noanonymous',
  },
  tls: {
    label: 'TLS failure',
    cause: 'the TLS handshake with the peer failed, or TLS was required but not offered or not verifiable',
    fix: 'see the TLS findings (`affix doctor tls`): the class of failure and a STARTTLS probe of the peer (`affix doctor tls --probe HOST:25`)',
  },
  rate_limit: {
    label: 'rate limited by the receiver',
    cause:
      'the receiving server throttles this sender (too many connections or messages, or an unusual rate); it accepts mail again later',
    fix: 'lower the pace for that destination: a transport with smtp_destination_concurrency_limit = 2 and smtp_destination_rate_delay = 1s (transport_maps), and check that no account sends spam',
  },
  greylist: {
    label: 'greylisting (temporary, retried)',
    cause: 'the receiving server greylists: it defers the first attempt from an unknown sender and accepts the retry',
    fix: 'nothing: Postfix retries (minimal_backoff_time); it clears within minutes to an hour',
  },
  mailbox_full: {
    label: 'mailbox full or over quota',
    cause: "the recipient's mailbox is over its size limit or quota",
    fix: 'the recipient must free space; for a local mailbox, see the mailbox findings (mailbox_size_limit, virtual_mailbox_limit)',
  },
  user_unknown: {
    label: 'recipient unknown',
    cause: 'the recipient address does not exist at the destination',
    fix: 'correct the address (a typo?) or remove it from lists; for local recipients, add the alias or mailbox entry',
  },
  dns: {
    label: 'DNS lookup failure',
    cause:
      'the destination domain or its MX hosts could not be resolved (NXDOMAIN: the domain does not exist; "try again": the DNS server failed or timed out)',
    fix: 'check the domain for typos; for temporary failures check the resolver this host uses (/etc/resolv.conf) with `dig MX DOMAIN`',
  },
  connect_timeout: {
    label: 'connection timed out',
    cause:
      'no answer on port 25 of the destination: the server is down, or, when every destination times out, this host cannot connect out on port 25 (many cloud and home providers block it)',
    fix: 'test with `nc -vz <mx host> 25`; if port 25 is blocked by the provider, ask them to unblock it or send through a relayhost on port 587: relayhost = [smtp.provider.example]:587 with SMTP AUTH',
  },
  connect_refused: {
    label: 'connection refused',
    cause:
      'the destination host is up but nothing listens on its SMTP port (a server down, a wrong MX or relayhost/transport entry)',
    fix: 'check the next hop: `postconf relayhost transport_maps`, the MX records (`dig MX DOMAIN`), and whether that server runs; Postfix retries meanwhile',
  },
  unreachable: {
    label: 'network unreachable',
    cause: 'this host has no route to the destination (IPv6 without connectivity is a common cause)',
    fix: 'if IPv6 is not routed here, set inet_protocols = ipv4 (then `postfix reload`); otherwise check the network',
  },
  conversation: {
    label: 'connection lost or timed out during the SMTP dialogue',
    cause:
      'the remote server stopped answering or dropped the connection during the dialogue (overload, a tarpit, a firewall or a broken middlebox)',
    fix: 'usually transient: Postfix retries; if it persists for one destination, test by hand with `swaks --to <address> --server <mx>`',
  },
  loop: {
    label: 'mail loop',
    cause:
      'the mail would loop: the MX or relay of the destination is this host, which does not accept the domain as its own, or forwarding points back',
    fix: 'if this host should receive the domain, add it to mydestination (local users) or virtual_mailbox_domains; otherwise fix the MX records or relayhost',
  },
  size: {
    label: 'message too large',
    cause: 'the message is larger than the limit of the receiving server (or of message_size_limit here)',
    fix: 'send smaller messages (a link instead of the attachment); raise message_size_limit only for mail this server receives',
  },
  content: {
    label: 'rejected as spam or for its content',
    cause: 'the receiving server judged the content (spam, phishing, malware, policy)',
    fix: 'check the message content and the sender reputation; make sure SPF, DKIM and DMARC pass (`affix doctor domain`)',
  },
  local_resource: {
    label: 'local resource problem',
    cause: 'this host ran out of a resource (disk space, memory, file handles) or could not lock a mailbox',
    fix: 'free disk space on the queue and mail spool file systems (`df -h`), then `postqueue -f`',
  },
  local_config: {
    label: 'local configuration error',
    cause: 'Postfix could not deliver because of its own configuration (a missing transport, an unusable lookup table)',
    fix: 'see the log-health findings (`affix doctor log`) for the warning or fatal line that names the problem',
  },
  bounce_failed: {
    label: 'bounce could not be sent',
    cause: 'the non-delivery notice could not be created, so the message stays deferred',
    fix: 'check that the bounce service runs (master.cf: bounce, defer, trace) and the log around it for its error',
  },
  other: {
    label: 'other',
    cause: 'the reason does not match a known pattern',
    fix: 'read the reason text; `affix logs trace QUEUE_ID` shows the whole story of one message',
  },
};

interface ReasonRule {
  readonly cls: ReasonClass;
  /** Tested on `dsn text`, lower-cased. */
  readonly re: RegExp;
}

const RULES: readonly ReasonRule[] = [
  { cls: 'bounce_failed', re: /^(?:\S+ )?bounce failed$/ },
  {
    cls: 'blacklist',
    re: /blocked using|\blisted (?:at|in|on|by)\b|spamhaus|barracuda|spamcop|block ?list|black ?list|\bdnsbl\b|\brbl\b|\bs3150\b|\bs3140\b|5\.7\.606|\[bl2\d\]|banned sending ip|poor reputation|ip reputation|sender reputation|\bsorbs\b|uceprotect|mailspike|\bpsbl\b|abuseat/,
  },
  {
    cls: 'ptr',
    re: /ptr record|reverse dns|reverse hostname|\brdns\b|cannot find your (?:reverse )?hostname|5\.7\.25|client host rejected: cannot find|does not have a ptr|reverse lookup/,
  },
  {
    cls: 'relay_denied',
    re: /relay access denied|relaying denied|relay not permitted|not permitted to relay|unable to relay|relaying (?:is )?not allowed|we do not relay|relay denied/,
  },
  {
    cls: 'sasl',
    re: /sasl|authentication failed|authentication required|auth(?:entication)? (?:is )?required|5\.7\.8 |5\.7\.0 authentication|535 /,
  },
  {
    cls: 'sender_auth',
    re: /\bspf\b|\bdkim\b|\bdmarc\b|5\.7\.2[3-9]|unauthenticated|not authorized to send|sender policy framework/,
  },
  {
    cls: 'tls',
    re: /\btls\b|starttls|\bssl\b|certificate|handshake/,
  },
  {
    cls: 'rate_limit',
    re: /rate limit|too many (?:connections|messages|recipients|concurrent|sessions)|4\.7\.28|\[ts[s]?0\d\]|unusual rate|throttl|too much mail|temporarily deferred due to|exceeded the rate|try again in \d+ (?:seconds|minutes)|4\.7\.0 .*(?:volume|rate)/,
  },
  {
    cls: 'greylist',
    re: /gr[ae]y-?list|postgrey|try again later|please retry|temporarily rejected|come back later/,
  },
  {
    cls: 'mailbox_full',
    re: /\b[45]\.2\.2\b|mailbox (?:is )?full|over quota|quota exceeded|exceeds? (?:its |the )?(?:storage |mailbox )?quota|exceeded storage|insufficient storage|mailbox size limit|file too large|out of storage|user is over/,
  },
  {
    cls: 'user_unknown',
    re: /\b5\.1\.[0136]\b|user unknown|unknown user|no such user|does not exist|mailbox unavailable|mailbox not found|invalid recipient|recipient not found|unrouteable address|account (?:is )?disabled|no mailbox here|\b5\.2\.1\b|unknown in (?:local|virtual|relay)/,
  },
  {
    cls: 'dns',
    re: /host or domain name not found|name service error|domain not found|no mx host|mx lookup|dns lookup|unable to look up host|no address associated|malformed dns/,
  },
  { cls: 'connect_timeout', re: /connect to \S+: connection timed out/ },
  { cls: 'connect_refused', re: /connect to \S+: connection refused/ },
  {
    cls: 'unreachable',
    re: /network is unreachable|no route to host|host is unreachable|address family not supported/,
  },
  {
    cls: 'conversation',
    re: /lost connection with|conversation with \S+ timed out|timed out while|connection reset|broken pipe/,
  },
  { cls: 'loop', re: /loops back to myself|forwarding loop|too many hops|hop count exceeded/ },
  { cls: 'size', re: /message size exceeds|message (?:is )?too (?:large|big)|\b5\.3\.4\b|size limit/ },
  { cls: 'content', re: /spam|content rejected|message content|unsolicited|phish|virus|malware|policy violation/ },
  {
    cls: 'local_resource',
    re: /no space left|disk full|insufficient disk|queue file write error|cannot allocate|resource temporarily|too many open files|lock/,
  },
  {
    cls: 'local_config',
    re: /mail system configuration error|unknown mail transport|server configuration error|\b4\.3\.5\b|transport \S+ (?:is )?not available|mail transport unavailable|lookup table|table lookup problem/,
  },
];

/** The class of a deferral or bounce reason (`dsn` may be null, as in postqueue's reasons). */
export function classifyReason(text: string, dsn: string | null = null): ReasonClass {
  const subject = `${dsn ?? ''} ${text}`.toLowerCase();
  for (const rule of RULES) if (rule.re.test(subject)) return rule.cls;
  return 'other';
}

/** The domain of an address (`user@Example.ORG` -> `example.org`), or `(local)` for a bare name. */
export function addressDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '(local)' : address.slice(at + 1).toLowerCase();
}
