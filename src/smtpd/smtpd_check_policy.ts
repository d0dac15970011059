/**
 * smtpd_check_policy: check_policy_service — sends the request attributes
 * Postfix 3.7 sends (in its order), and treats the server's `action=` as an
 * access(5) result. When the server cannot be asked, or answers with
 * malformed UTF-8, smtpd_policy_service_default_action is used instead (and
 * used only once per nesting, as Postfix guards against a default action
 * that itself names a policy service).
 *
 * Parameters: smtpd_policy_service_default_action (per server), stress,
 *   smtpd_policy_service_policy_context, smtputf8_enable
 * Diagnostics: `warning: malformed UTF-8 in policy server X response: "..."`
 * See: postfix/src/smtpd/smtpd_check.c (check_policy_service), SMTPD_POLICY_README
 */
import { checkTableResult } from './smtpd_access.ts';
import type { CheckCtx, Status } from './smtpd_check_ctx.ts';

const DEFAULT_ACTION = '451 4.3.5 Server configuration problem';

/** The attributes of a policy request, as Postfix 3.7 sends them. */
export function policyAttributes(cc: CheckCtx, policyContext: string): [string, string | number][] {
  const s = cc.s;
  const where = s.where === 'BDAT' ? 'DATA' : s.where;
  const countsRcpts = ['DATA', 'BDAT', 'END-OF-MESSAGE'].includes(s.where.toUpperCase());
  const t = s.txn;
  const tls = s.tls;
  return [
    ['request', 'smtpd_access_policy'],
    ['protocol_state', where],
    ['protocol_name', s.protocol],
    ['client_address', s.peer.addr],
    ['client_name', s.peer.name],
    ['client_port', s.peer.port],
    ['reverse_client_name', s.peer.reverseName],
    ['server_address', s.peer.serverAddr],
    ['server_port', s.peer.serverPort],
    ['helo_name', s.logged.helo ?? ''],
    ['sender', s.logged.sender ?? ''],
    ['recipient', s.logged.recipient ?? ''],
    ['recipient_count', countsRcpts ? s.rcptCount : 0],
    ['queue_id', s.queueId ?? ''],
    ['instance', t.stage === 'mail' ? t.mail.instance : ''],
    ['size', s.actSize > 0 ? s.actSize : t.stage === 'mail' ? t.mail.size : 0],
    ['etrn_domain', s.etrnDomain ?? ''],
    ['stress', s.ctx.config.value('stress')],
    ['sasl_method', s.sasl?.method ?? ''],
    ['sasl_username', s.sasl?.username ?? ''],
    ['sasl_sender', s.sasl?.sender ?? ''],
    ['ccert_subject', ''],
    ['ccert_issuer', ''],
    ['ccert_fingerprint', ''],
    ['ccert_pubkey_fingerprint', ''],
    ['encryption_protocol', tls?.protocol ?? ''],
    ['encryption_cipher', tls?.cipher ?? ''],
    ['encryption_keysize', tls?.bits ?? 0],
    ['policy_context', policyContext],
  ];
}

/** check_policy_service SERVER. */
export async function checkPolicyService(cc: CheckCtx, spec: string): Promise<Status> {
  const s = cc.s;
  const clients = s.ctx.restrictions.policy;
  const e = clients.endpoint(spec);
  if (e === undefined) throw new Error(`check_policy_service: no client endpoint for server ${spec}`);
  let action = await clients.query(spec, policyAttributes(cc, e.policyContext));
  if (action !== null && s.ctx.params.smtputf8_enable && !isWellFormed(action)) {
    s.ctx.log.warn(`malformed UTF-8 in policy server ${spec} response: "${action}"`);
    action = null;
  }
  if (action !== null) return checkTableResult(cc, spec, action, 'policy query');
  s.policyNesting++;
  try {
    return await checkTableResult(cc, spec, s.policyNesting === 1 ? e.defaultAction : DEFAULT_ACTION, 'policy query');
  } finally {
    s.policyNesting--;
  }
}

/** The text came from valid UTF-8 (no replacement characters from a bad decode). */
function isWellFormed(text: string): boolean {
  return !text.includes('\uFFFD');
}
