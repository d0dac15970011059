/**
 * rewrite_log: every text address rewriting and resolving logs (or throws
 * as a configuration error), with Postfix's wording. The syntax checks of
 * valid_hostname.ts keep their own texts, as Postfix's valid_hostname() does.
 *
 * See: postfix/src/trivial-rewrite/resolve.c, rewrite.c, transport.c,
 *   postfix/src/util/match_list.c, match_ops.c, postfix/src/global/own_inet_addr.c
 */

export const REWRITE_LOG = {
  /** warning: a table behind a parameter failed; the request fails (try again). */
  lookupFailure: (param: string) => `${param} lookup failure`,
  /** warning (helpful_warnings): a domain in two address classes. */
  listedTwice: (domain: string, a: string, b: string) => `do not list domain ${domain} in BOTH ${a} and ${b}`,
  /** warning: a transport setting like `:nexthop` leaves no transport. */
  nullTransport: (configDir: string, param: string) =>
    `file ${configDir}/main.cf: parameter ${param}: null transport is not allowed`,
  /** warning: the resolver loop did not settle. */
  givingUp: (address: string, iterations: number) =>
    `resolve_addr: <${address}>: giving up after ${iterations} iterations`,
  /** warning: a sender-dependent table gave an empty result. */
  ignoringNullResult: (param: string, key: string) => `${param}: ignoring null lookup result for ${key}`,
  /** info: the compatibility_level < 1 default of append_dot_mydomain changed an address. */
  compatAppendDot: (label: string, mydomain: string, localhost: boolean) =>
    `using backwards-compatible default setting append_dot_mydomain=yes to rewrite "${label}" to ` +
    `"${label}.${mydomain}"${localhost ? '; please add "localhost" to mydestination or other address class' : ''}`,
  /** warning: a rewrite request for the empty string. */
  nullAddress: () => 'rewrite_addr: null address',
  /** warning: a table in a domain or string list failed. */
  tableLookupProblem: (param: string, table: string) => `${param}: ${table}: table lookup problem`,
  /** ConfigError: a lone `!` in a list. */
  noPatternAfterBang: (param: string) => `${param}: no pattern after '!'`,
  /** ConfigError: a host name in inet_interfaces or proxy_interfaces has no address. */
  hostNotFound: (param: string, host: string) => `config variable ${param}: host not found: ${host}`,
  /** The reason of the table that stands in for a /file pattern that cannot be read. */
  openFile: (path: string, reason: string) => `open file ${path}: ${reason}`,
} as const;
