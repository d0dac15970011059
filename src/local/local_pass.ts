/**
 * local_pass: hands one recipient to another transport's agent, as
 * Postfix's deliver_pass() does for mailbox_transport and
 * fallback_transport (`lmtp:unix:/run/dovecot/lmtp`). The other agent logs
 * its own status line; local records its verdict without logging again.
 *
 * See: postfix/src/global/deliver_pass.c
 */
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/** Passes the current address to `transportSpec` (`transport[:nexthop]`). */
export async function passToTransport(state: LocalState, attr: LocalAttr, transportSpec: string): Promise<void> {
  const colon = transportSpec.indexOf(':');
  const transport = colon < 0 ? transportSpec : transportSpec.slice(0, colon);
  const nexthop = colon < 0 ? state.request.nexthop : transportSpec.slice(colon + 1);
  const pass = state.ctx.pass;
  if (pass === null) {
    state.ctx.log.warn(
      `${state.request.queueId}: cannot pass ${attr.address} to transport ${transport}: no such agent here`,
    );
    return state.fail(attr, LOCAL_REASON.transportUnavailable(transport));
  }
  const rcpt = { ...state.top, address: attr.address };
  const outcome = await pass(transport, nexthop, { ...state.request, transport, nexthop, recipients: [rcpt] });
  for (const s of outcome.statuses) state.results.push({ kind: s.status, dsn: s.dsn, text: s.reason });
  if (outcome.statuses.length === 0)
    state.results.push({ kind: 'deferred', dsn: '4.3.0', text: 'unknown mail transport error' });
}
