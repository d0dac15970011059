/**
 * smtpd_check_relay: relay control and the client permits — who may send
 * where. permit_mynetworks, permit_inet_interfaces and
 * permit_sasl_authenticated permit by client; permit_auth_destination
 * permits a recipient this system delivers to itself or relays for
 * (mydestination, virtual domains, relay_domains), unless the local part
 * still routes elsewhere (`%`, `!`, `@`: allow_untrusted_routing);
 * reject_unauth_destination and defer_unauth_destination refuse the rest
 * with `<rcpt>: Relay access denied`. Also the deprecated check_relay_domains
 * and permit_mx_backup, and reject_unauth_pipelining.
 *
 * Parameters: mynetworks, relay_domains_reject_code, allow_untrusted_routing,
 *   inet_interfaces, proxy_interfaces, relay_domains
 * Security: every recipient trick of the open-relay tests (percent hack, bang
 *   paths, source routes, quoted local parts, address literals, trailing dots)
 *   is settled by the resolver's class; only `default` is refused
 * See: postfix/src/smtpd/smtpd_check.c (permit_mynetworks, permit_auth_destination,
 *      reject_unauth_destination, permit_mx_backup, reject_unauth_pipelining)
 */
import { type CheckCtx, deferIfReject, dictRetry, refuse, type Status } from './smtpd_check_ctx.ts';

export async function permitMynetworks(cc: CheckCtx): Promise<Status> {
  const { peer, ctx } = cc.s;
  try {
    return (await ctx.lists.mynetworks.matchClient(peer.name, peer.addr)) ? 'ok' : 'dunno';
  } catch {
    return dictRetry(cc, peer.namaddr);
  }
}

/** permit_inet_interfaces: the client is this host. */
export async function permitInetInterfaces(cc: CheckCtx): Promise<Status> {
  const { peer, ctx } = cc.s;
  return (await ctx.resolver.isLocalDomain(`[${peer.rfcAddr}]`)) ? 'ok' : 'dunno';
}

export function permitSaslAuthenticated(cc: CheckCtx): Status {
  return cc.s.sasl !== null ? 'ok' : 'dunno';
}

/** permit_auth_destination: OK for final delivery and relay_domains. */
export async function permitAuthDestination(cc: CheckCtx, recipient: string): Promise<Status> {
  const s = cc.s;
  const reply = await s.ctx.resolver.resolve(s.sender ?? '', recipient);
  if (reply.fail) dictRetry(cc, recipient);
  if (!reply.recipient.includes('@')) return 'ok';
  if (!s.ctx.params.allow_untrusted_routing && reply.routed) return 'dunno';
  if (reply.class === 'local' || reply.class === 'alias' || reply.class === 'virtual') return 'ok';
  if (reply.class === 'relay') return 'ok';
  return 'dunno';
}

/** reject_unauth_destination (code relay_domains_reject_code) and defer_unauth_destination (that minus 100). */
export async function rejectUnauthDestination(
  cc: CheckCtx,
  recipient: string,
  code: number,
  dsn: string,
): Promise<Status> {
  if ((await permitAuthDestination(cc, recipient)) === 'ok') return 'dunno';
  return refuse(cc, 'policy', code, dsn, `<${recipient}>: Relay access denied`);
}

/** check_relay_domains (deprecated, as Postfix 3.7 has it): permit a local/relay destination or a client in relay_domains. */
export async function checkRelayDomains(cc: CheckCtx, recipient: string): Promise<Status> {
  const s = cc.s;
  s.ctx.log.warn(
    'support for restriction "check_relay_domains" will be removed; instead, specify "reject_unauth_destination"',
  );
  if ((await permitAuthDestination(cc, recipient)) === 'ok') return 'ok';
  if (await s.ctx.lists.relayDomains.matchDomain(s.peer.name)) return 'ok';
  return refuse(cc, 'policy', s.ctx.params.relay_domains_reject_code, '5.7.1', `<${recipient}>: Relay access denied`);
}

/** permit_mx_backup (deprecated): this host is a backup MX of the recipient's domain. */
export async function permitMxBackup(cc: CheckCtx, recipient: string): Promise<Status> {
  const s = cc.s;
  const reply = await s.ctx.resolver.resolve(s.sender ?? '', recipient);
  if (reply.fail) dictRetry(cc, recipient);
  const at = reply.recipient.lastIndexOf('@');
  if (at < 0) return 'ok';
  const domain = reply.recipient.slice(at + 1);
  if (!s.ctx.params.allow_untrusted_routing && reply.routed) return 'dunno';
  if (reply.class !== 'default') return 'ok';
  if (domain.startsWith('[') && domain.endsWith(']')) return 'dunno';
  const mx = await s.ctx.dns.mx(domain);
  if (mx.status !== 'ok') {
    if (mx.status === 'retry') {
      deferIfReject(
        cc,
        450,
        '4.4.4',
        `<${cc.replyName}>: ${cc.replyClass} rejected: Unable to look up mail exchanger information: ${mx.text}`,
      );
    }
    return 'dunno';
  }
  const records = [...mx.records].sort((a, b) => a.preference - b.preference);
  const top = records[0]!.preference;
  const primary = records.filter((r) => r.preference === top);
  const backup = records.filter((r) => r.preference !== top);
  const isMe = async (hosts: typeof records): Promise<boolean> => {
    for (const h of hosts) if (await s.ctx.resolver.isLocalDomain(h.exchange)) return true;
    for (const h of hosts) {
      const addrs = await s.ctx.dns.hostAddresses(h.exchange);
      if (addrs.status !== 'ok') continue;
      for (const a of addrs.records) {
        if (await s.ctx.resolver.isLocalDomain(a.type === 'AAAA' ? `[IPv6:${a.address}]` : `[${a.address}]`))
          return true;
      }
    }
    return false;
  };
  if (await isMe(primary)) return 'dunno';
  if (backup.length === 0 || !(await isMe(backup))) return 'dunno';
  return 'ok';
}

export function rejectUnauthPipelining(cc: CheckCtx): Status {
  if (!cc.s.illPipelining) return 'dunno';
  return refuse(
    cc,
    'protocol',
    503,
    '5.5.0',
    `<${cc.replyName}>: ${cc.replyClass} rejected: Improper use of SMTP command pipelining`,
  );
}
