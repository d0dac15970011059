/**
 * params_auth: the parameters of affix's built-in email authentication
 * (src/auth): DKIM signing in cleanup, SPF/DKIM/DMARC/ARC checks on inbound
 * mail in smtpd. Postfix has none of these (it leaves them to OpenDKIM,
 * OpenDMARC and policyd-spf), so they are affix extensions named `affix_*`;
 * `postconf -d` of a real Postfix does not know them. The DKIM ones mirror
 * opendkim.conf(5) so that an OpenDKIM setup moves over by pointing at its
 * files.
 *
 * Parameters: the keys below
 *   affix_dkim_key_table         OpenDKIM KeyTable: `keyname domain:selector:keypath`
 *   affix_dkim_signing_table     OpenDKIM SigningTable: `refile:/path` (wildcards,
 *                                in file order) or a plain file (OpenDKIM's lookup order)
 *   affix_dkim_domain, affix_dkim_selector, affix_dkim_key_file
 *                                OpenDKIM's Domain/Selector/KeyFile: one key for
 *                                the listed From domains, when there is no SigningTable
 *   affix_dkim_multiple_signatures  OpenDKIM's MultipleSignatures: every matching
 *                                SigningTable entry signs (RSA and Ed25519 side by side)
 *   affix_dkim_internal_hosts    OpenDKIM's InternalHosts: clients whose mail is
 *                                signed and not checked (SASL-authenticated and
 *                                local submissions always are)
 *   affix_dkim_signed_headers    header fields signed when present; empty: the
 *                                built-in list (RFC 6376 section 5.4.1, as OpenDKIM's SignHeaders)
 *   affix_dkim_oversign_headers  OpenDKIM's OversignHeaders: signed once more than
 *                                present, so none can be added later
 *   affix_dkim_canonicalization  header/body canonicalization
 *   affix_dkim_sign_failure_action  `pass` (warn, queue unsigned) or `defer` (451 4.7.5)
 *   affix_auth_inbound           check SPF, DKIM, DMARC, ARC on mail from other
 *                                clients and add Authentication-Results:
 *   affix_authserv_id            the authserv-id of Authentication-Results:
 *   affix_spf_max_lookups, affix_spf_max_void_lookups  RFC 7208 section 4.6.4 limits
 *   affix_spf_reject_code, affix_spf_defer_code  replies of reject_spf_fail and
 *                                defer_spf_temperror (DSN 5.7.23 / 4.7.24, RFC 7372)
 *   affix_dmarc_enforce          act on the DMARC policy at end of data
 *   affix_dmarc_reject_code      reply to a failing message under p=reject (5.7.1)
 *   affix_dmarc_quarantine_action  p=quarantine: `hold` (as OpenDMARC) or `header`
 *                                (deliver with X-Affix-DMARC-Quarantine:)
 * See: opendkim.conf(5), RFC 7208, RFC 7489, RFC 8601
 */
import { bool, choice, int, list, str } from './param_types.ts';

export const PARAMS_AUTH = {
  affix_dkim_key_table: str(''),
  affix_dkim_signing_table: str(''),
  affix_dkim_domain: list(''),
  affix_dkim_selector: str(''),
  affix_dkim_key_file: str(''),
  affix_dkim_multiple_signatures: bool('no'),
  affix_dkim_internal_hosts: list('$mynetworks'),
  affix_dkim_signed_headers: list(''),
  affix_dkim_oversign_headers: list('From'),
  affix_dkim_canonicalization: choice('relaxed/relaxed', [
    'relaxed/relaxed',
    'relaxed/simple',
    'simple/relaxed',
    'simple/simple',
  ]),
  affix_dkim_sign_failure_action: choice('pass', ['pass', 'defer']),
  affix_auth_inbound: bool('no'),
  affix_authserv_id: str('$myhostname'),
  affix_spf_max_lookups: int('10', 1),
  affix_spf_max_void_lookups: int('2', 1),
  affix_spf_reject_code: int('550', 400, 599),
  affix_spf_defer_code: int('451', 400, 499),
  affix_dmarc_enforce: bool('yes'),
  affix_dmarc_reject_code: int('550', 400, 599),
  affix_dmarc_quarantine_action: choice('hold', ['hold', 'header']),
} as const;
