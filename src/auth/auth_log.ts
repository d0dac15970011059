/**
 * auth_log: every log line of affix's email authentication, in the shape
 * the tools it replaces used in a Postfix log (OpenDKIM's `ID:
 * DKIM-Signature field added (s=S, d=D)`), logged by the service that does
 * the work (cleanup signs, smtpd checks, smtp enforces transport security).
 *
 * See: opendkim/opendkim.c (dkimf_libstatus, "DKIM-Signature field added")
 */

export const AUTH_LOG = {
  signed: (id: string, selector: string, domain: string) =>
    `${id}: DKIM-Signature field added (s=${selector}, d=${domain})`,
  signFailed: (id: string, selector: string, domain: string, why: string, action: 'pass' | 'defer') =>
    `${id}: DKIM signing failed for s=${selector}, d=${domain}: ${why}; ${action === 'pass' ? 'message passed unsigned' : 'message deferred'}`,
  setupFailed: (why: string) => `DKIM signing disabled: ${why}`,
  unsupportedHosts: (words: readonly string[]) =>
    `affix_dkim_internal_hosts: ignoring unsupported pattern(s): ${words.join(' ')}`,
  forgedResults: (id: string, n: number, authservId: string) =>
    `${id}: removed ${n} Authentication-Results: header${n === 1 ? '' : 's'} claiming authserv-id ${authservId}`,
  /** One line per checked message, for `grep`: the methods and results of its Authentication-Results:. */
  results: (id: string, summary: string) => `${id}: Authentication-Results: ${summary}`,
  checkFailed: (id: string, why: string) => `${id}: authentication checks failed: ${why}`,
} as const;
