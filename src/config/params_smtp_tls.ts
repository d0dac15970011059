/**
 * params_smtp_tls: the parameters of the smtp client's outbound transport
 * security beyond Postfix 3.7's basic TLS levels (params_smtp.ts): DANE's
 * Postfix parameters, and affix's MTA-STS (RFC 8461) and TLS-RPT (RFC 8460)
 * extensions. Postfix needs an external policy server for MTA-STS and has no
 * TLS-RPT in 3.7, so those are `affix_*` names, off by default.
 *
 * Parameters: the keys below
 *   smtp_tls_dane_insecure_mx_policy  TLSA records of a host behind an MX
 *                                RRset that is not DNSSEC-validated: `dane`
 *                                (use them), `encrypt` or `may` (as Postfix)
 *   smtp_tls_force_insecure_host_tlsa_lookup, lmtp_...  look up TLSA records
 *                                even for hosts whose address is not validated
 *   affix_mta_sts_enable         look up and apply MTA-STS policies for MX
 *                                deliveries not covered by smtp_tls_policy_maps
 *                                or by DANE
 *   affix_mta_sts_CAfile         extra trust anchors for policy hosts (PEM), besides
 *                                Node's roots and NODE_EXTRA_CA_CERTS
 *   affix_mta_sts_timeout        time for one policy fetch (RFC 8461 section 3.3)
 *   affix_mta_sts_port           TEST HOOK: the HTTPS port of policy hosts. RFC 8461
 *                                fixes it at 443; only tests change it, to reach a
 *                                policy server on an unprivileged loopback port
 *   affix_tlsrpt_report_directory  where daily RFC 8460 aggregate reports are
 *                                written (empty: no TLS-RPT); they are not sent
 *   affix_tlsrpt_organization, affix_tlsrpt_contact  the reporter in those reports
 * See: postfix/src/smtp/smtp_tls_policy.c (dane_init), RFC 8461, RFC 8460
 */
import { bool, choice, int, str, time } from './param_types.ts';

export const PARAMS_SMTP_TLS = {
  smtp_tls_dane_insecure_mx_policy: choice('${{$smtp_tls_security_level} == {dane} ? {dane} : {may}}', [
    'may',
    'encrypt',
    'dane',
  ]),
  smtp_tls_force_insecure_host_tlsa_lookup: bool('no'),
  lmtp_tls_force_insecure_host_tlsa_lookup: bool('no'),
  affix_mta_sts_enable: bool('no'),
  affix_mta_sts_CAfile: str(''),
  affix_mta_sts_timeout: time('60s', 's', 1),
  affix_mta_sts_port: int('443', 1, 65535),
  affix_tlsrpt_report_directory: str(''),
  affix_tlsrpt_organization: str('$myhostname'),
  affix_tlsrpt_contact: str('postmaster@$mydomain'),
} as const;
