/**
 * local_unknown: a local recipient with no alias, no .forward and no
 * account: handed to fallback_transport when set, sent to luser_relay
 * (expanded: `$user@other.example`) when set, else bounced as `unknown
 * user: "name"`. Mail to postmaster or MAILER-DAEMON without an alias is
 * discarded with a warning, as Postfix does.
 *
 * Parameters: fallback_transport, luser_relay
 * Diagnostics: `warning: required alias not found: NAME`
 * See: postfix/src/local/unknown.c
 */
import { localExpand } from './local_expand.ts';
import { passToTransport } from './local_pass.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';
import { deliverResolveAddr } from './local_token.ts';

/** deliver_unknown(). */
export async function deliverUnknown(state: LocalState, attr: LocalAttr): Promise<void> {
  const ctx = state.ctx;
  if (state.beenHere(`deliver_unknown ${attr.local}`)) return;
  if (ctx.params.fallback_transport !== '') return passToTransport(state, attr, ctx.params.fallback_transport);
  if (ctx.raw.luser_relay !== '') {
    const relay = localExpand(state, attr, ctx.raw.luser_relay);
    const full = relay === null ? null : relay.includes('@') ? relay : `${relay}@${ctx.params.myorigin}`;
    if (full === null || full.toLowerCase() === attr.address.toLowerCase()) {
      return state.fail(attr, LOCAL_REASON.unknownUser(attr.user));
    }
    return deliverResolveAddr(state, attr, relay!);
  }
  if (attr.user === 'mailer-daemon' || attr.user === 'postmaster') {
    ctx.log.warn(`required alias not found: ${attr.user}`);
    return state.sent(attr, LOCAL_REASON.discarded());
  }
  state.fail(attr, LOCAL_REASON.unknownUser(attr.user));
}
