/**
 * auth_smtpd: what smtpd does with authentication at end of data, decided
 * here so that smtpd needs only a call site: whether the client is checked
 * at all (affix_auth_inbound, and not for SASL-authenticated clients or
 * affix_dkim_internal_hosts, whose mail is signed instead), the checks
 * (auth_inbound), the DMARC verdict (auth_dmarc) as a refusal smtpd sends
 * through its one exit, a HOLD reason or a marker field for quarantine,
 * and the header fields for cleanup.
 *
 * Parameters: affix_auth_inbound, affix_dkim_internal_hosts, affix_authserv_id,
 *   affix_dmarc_enforce, affix_dmarc_reject_code, affix_dmarc_quarantine_action
 * Diagnostics: AUTH_LOG.results (one line per message), AUTH_LOG.checkFailed
 * Security: see auth_inbound; the quarantine marker holds only the Author
 *   Domain mailauth parsed
 */
import type { Params } from '../config/params.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import type { Log } from '../log/log.ts';
import type { AuthHeaders } from './auth_cleanup.ts';
import { dmarcDisposition, dmarcRejectText } from './auth_dmarc.ts';
import { internalHosts } from './auth_hosts.ts';
import { checkInbound } from './auth_inbound.ts';
import { AUTH_LOG } from './auth_log.ts';

export type SmtpdAuthParams = Pick<
  Params,
  | 'affix_auth_inbound'
  | 'affix_dkim_internal_hosts'
  | 'affix_authserv_id'
  | 'affix_spf_max_lookups'
  | 'affix_spf_max_void_lookups'
  | 'affix_dmarc_enforce'
  | 'affix_dmarc_reject_code'
  | 'affix_dmarc_quarantine_action'
>;

export interface SmtpdAuthClient {
  readonly address: string;
  readonly name: string;
  readonly saslUsername: string | null;
}

/** Whether the client's mail is checked (content must then be kept for the end of data). */
export function inboundChecked(params: SmtpdAuthParams, client: SmtpdAuthClient): boolean {
  if (!params.affix_auth_inbound || client.saslUsername) return false;
  return !internalHosts(params.affix_dkim_internal_hosts).match(client.address, client.name);
}

export interface SmtpdAuthInput {
  readonly queueId: string;
  readonly client: SmtpdAuthClient;
  readonly helo: string | null;
  readonly sender: string;
  /** The client's content, LF line ends. */
  readonly content: Buffer;
  readonly dns: DnsResolver;
  readonly params: SmtpdAuthParams;
  readonly log: Log;
  /** For pct= sampling; tests fix it. */
  readonly random?: () => number;
}

export interface SmtpdAuthVerdict {
  readonly headers: AuthHeaders;
  /** p=reject: the refusal (code from affix_dmarc_reject_code, DSN 5.7.1). */
  readonly reject: { readonly code: number; readonly dsn: string; readonly text: string } | null;
  /** p=quarantine with affix_dmarc_quarantine_action = hold: the HOLD reason. */
  readonly hold: string | null;
}

/** The checks and what smtpd must do about them. */
export async function smtpdAuthChecks(input: SmtpdAuthInput): Promise<SmtpdAuthVerdict> {
  const p = input.params;
  const authservId = p.affix_authserv_id;
  let result: Awaited<ReturnType<typeof checkInbound>>;
  try {
    result = await checkInbound({
      ip: input.client.address,
      helo: input.helo,
      sender: input.sender,
      content: input.content,
      dns: input.dns,
      params: p,
    });
  } catch (err) {
    input.log.warn(AUTH_LOG.checkFailed(input.queueId, (err as Error).message));
    return { headers: { authservId, fields: [] }, reject: null, hold: null };
  }
  input.log.info(AUTH_LOG.results(input.queueId, result.summary));
  const d = dmarcDisposition(result.dmarc, p, input.random);
  const fields = [...result.fields];
  let reject: SmtpdAuthVerdict['reject'] = null;
  let hold: string | null = null;
  if (d.action === 'reject' && result.dmarc !== null) {
    reject = { code: p.affix_dmarc_reject_code, dsn: '5.7.1', text: dmarcRejectText(result.dmarc) };
  } else if (d.action === 'quarantine' && result.dmarc !== null) {
    if (p.affix_dmarc_quarantine_action === 'hold') hold = `quarantined by DMARC policy for ${result.dmarc.from}`;
    else fields.unshift(`X-Affix-DMARC-Quarantine: policy for ${result.dmarc.from}`);
  }
  return { headers: { authservId, fields }, reject, hold };
}
