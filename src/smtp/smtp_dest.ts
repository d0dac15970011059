/**
 * smtp_dest: tries the servers of a request in order, as Postfix's
 * smtp_connect_inet() and smtp_connect_local(): each site (the nexthop,
 * then smtp_fallback_relay), each address of the site (MX hosts by
 * preference, at most smtp_mx_address_limit addresses and
 * smtp_mx_session_limit sessions), a cached session when one is idle,
 * until every recipient has a final status. Only the last server makes a
 * soft error final; a failed opportunistic TLS handshake retries the same
 * server in plaintext when Postfix would.
 *
 * Parameters: relayhost, smtp_fallback_relay, smtp_mx_address_limit, smtp_mx_session_limit,
 *   smtp_tcp_port, inet_protocols, smtp_connection_cache_on_demand (lmtp_* for lmtp)
 * Diagnostics: info `connect to H[A]:P: <error>` per failed address;
 *   warning `TLS policy lookup for DEST/HOST: REASON` for a server skipped because
 *   its TLS policy (DANE, MTA-STS) could not be had;
 *   warnings `relayhost configuration problem`, `smtp_fallback_relay configuration problem`
 * See: postfix/src/smtp/smtp_connect.c (smtp_connect_inet, smtp_connect_local, smtp_connect)
 */
import { domainAddr, hostAddr, inetFamilies, type SmtpAddr, type SmtpAddrList } from './smtp_addr.ts';
import { connectTarget } from './smtp_connect.ts';
import { smtpHelo } from './smtp_helo.ts';
import { destinationSites, parseDestination } from './smtp_nexthop.ts';
import { smtpQuit, smtpRset, smtpXfer } from './smtp_proto.ts';
import { SMTP_REASON } from './smtp_reasons.ts';
import { destKey, endpointKey } from './smtp_reuse.ts';
import type { SmtpSession } from './smtp_session.ts';
import type { SmtpState } from './smtp_state.ts';
import { daneHostPolicy } from './smtp_tls_dane.ts';
import { type TlsPolicy, tlsDaneBased } from './smtp_tls_level.ts';
import { INVALID_POLICY, tlsPolicyFor } from './smtp_tls_policy.ts';
import { SmtpTlsSite } from './smtp_tls_site.ts';
import { localWhy, sessFail } from './smtp_trouble.ts';

/** smtp_cleanup_session(): keep the session for reuse, or end it. */
async function cleanupSession(state: SmtpState, keys: readonly string[]): Promise<void> {
  const session = state.session;
  if (session === null) return;
  const ctx = state.ctx;
  if (session.expired(ctx.now(), ctx.settings.smtp_connection_reuse_count_limit)) await smtpQuit(state);
  if (session.cached && !session.stream.closed && !session.features.rsetRejected && !session.protocolError) {
    session.reuseCount++;
    ctx.cache.save(session, keys);
  } else if (session.cache === 'forbidden') {
    session.stream.destroy();
  } else {
    session.stream.close();
  }
  state.session = null;
  state.cleanup();
}

/** A session from the cache that answers the RSET probe, or null. */
async function reuse(state: SmtpState, key: string): Promise<SmtpSession | null> {
  for (;;) {
    const session = state.ctx.cache.take(key);
    if (session === null) return null;
    state.session = session;
    if (await smtpRset(state)) return session;
    session.stream.destroy();
    state.session = null;
  }
}

/**
 * Delivers over `session` (new or reused). `beforeXfer` runs once the
 * handshake succeeded (session counting). Returns true when a plaintext
 * retry of the same server is due.
 */
async function useSession(
  state: SmtpState,
  session: SmtpSession,
  fresh: boolean,
  keys: readonly string[],
  beforeXfer: () => void = () => {},
): Promise<boolean> {
  state.session = session;
  let retryPlain: boolean;
  if (fresh && !(await smtpHelo(state))) {
    retryPlain = session.retryPlain;
    if (session.cache !== 'forbidden' && !session.stream.closed) await smtpQuit(state);
    session.dontCache();
  } else {
    beforeXfer();
    await smtpXfer(state);
    retryPlain = session.retryPlain;
  }
  await cleanupSession(state, keys);
  return retryPlain;
}

/** smtp_connect_local(): LMTP over a UNIX-domain socket. */
async function connectLocal(state: SmtpState, path: string): Promise<void> {
  const ctx = state.ctx;
  const service = ctx.settings.mode;
  if (ctx.settings.smtp_fallback_relay.length > 0) {
    ctx.log.warn(
      `ignoring "${service}_fallback_relay = ${ctx.settings.smtp_fallback_relay.join(' ')}" setting for non-TCP connections`,
    );
  }
  let policy = await tlsPolicyFor(ctx, path);
  if (tlsDaneBased(policy.level)) {
    const dane = await daneHostPolicy(ctx, policy, { dest: path, host: '', address: path, port: 0, mxSecure: null });
    policy = dane.ok ? dane.policy : INVALID_POLICY;
  }
  // Opportunistic TLS over a local socket buys nothing (Postfix downgrades may to none).
  const level = policy.level === 'may' ? 'none' : policy.level;
  const key = destKey(service, path);
  state.finalServer = true;
  const cached = await reuse(state, key);
  if (cached !== null) {
    await useSession(state, cached, false, [key]);
    return;
  }
  const target = {
    host: ctx.params.myhostname,
    addr: path,
    port: 0,
    dest: path,
    domain: path,
    policy: { ...policy, level },
  };
  const conn = await connectTarget(ctx, target);
  if (!conn.ok) {
    ctx.log.info(conn.why.text);
    state.why = conn.why;
    return;
  }
  await useSession(state, conn.session, true, [key]);
}

/** smtp_connect_inet(): the sites of the nexthop and the fallback relays. */
async function connectInet(state: SmtpState, nexthop: string, defaultService: string): Promise<void> {
  const ctx = state.ctx;
  const s = ctx.settings;
  const service = s.mode;
  if (inetFamilies(ctx.params.inet_protocols).length === 0) {
    state.why = localWhy(SMTP_REASON.noProtocols());
    return;
  }
  const { sites, primary } = destinationSites(nexthop, s.smtp_fallback_relay);
  let brokeAt = -1;
  for (let i = 0; i < sites.length && state.left.length > 0; i++) {
    const site = sites[i]!;
    const first = i === 0;
    state.finalNexthop = i === sites.length - 1;
    const parsed = parseDestination(site, defaultService);
    if (!parsed.ok) {
      ctx.log.warn(`${parsed.error}`);
      state.why = { dsn: '4.3.5', text: 'Server configuration error', mta: null, reply: null };
      continue;
    }
    const d = parsed.value;
    state.dest = d.domain;
    state.loopDetect = s.mode === 'smtp' && d.port === 25;
    const lookupMx = s.mode === 'smtp' && ctx.dns !== null && !d.literal;
    const list: SmtpAddrList = lookupMx
      ? await domainAddr(ctx, d.domain, state.loopDetect)
      : await hostAddr(ctx, d.domain, state.loopDetect);
    if (list.iAmMx) state.finalNexthop = true;
    if (list.addrs.length === 0 && list.why !== null && /loops back to myself/.test(list.why.text)) {
      state.finalNexthop = true;
    }
    if (list.why !== null) state.why = list.why;
    const policy = list.addrs.length > 0 ? await tlsPolicyFor(ctx, d.dest) : null;
    let addrCount = 0;
    let sessCount = 0;
    const addrs = policy === null ? [] : list.addrs;
    const tlsSite =
      policy === null
        ? null
        : new SmtpTlsSite(ctx, { policy, dest: d.dest, domain: d.domain, port: d.port, viaMx: lookupMx });
    const target = (addr: SmtpAddr, hostPolicy: TlsPolicy) => ({
      host: addr.host,
      addr: addr.address,
      port: d.port,
      dest: d.dest,
      domain: d.domain,
      policy: hostPolicy,
    });
    for (let j = 0; j < addrs.length && state.left.length > 0; j++) {
      const addr = addrs[j]!;
      let last = j === addrs.length - 1;
      if (++addrCount === s.smtp_mx_address_limit) last = true;
      // smtp_tls_policy_cache_query(): a server whose TLS policy cannot be had is skipped.
      const hostPolicy = await tlsSite!.forHost(addr);
      if (!hostPolicy.ok) {
        ctx.log.warn(`TLS policy lookup for ${d.dest}/${addr.host}: ${hostPolicy.why.text}`);
        state.why = localWhy(hostPolicy.why);
        if (last) break;
        continue;
      }
      const ekey = endpointKey(service, addr.address, d.port);
      const keys = first ? [ekey, destKey(service, d.dest)] : [ekey];
      let session = first && j === 0 ? await reuse(state, destKey(service, d.dest)) : null;
      session ??= await reuse(state, ekey);
      const fresh = session === null;
      if (session === null) {
        const conn = await connectTarget(ctx, target(addr, hostPolicy.policy));
        if (!conn.ok) {
          ctx.log.info(conn.why.text);
          state.why = conn.why;
          if (last) break;
          continue;
        }
        session = conn.session;
      }
      if (addr.pref === list.bestPref) session.features.bestMx = true;
      state.finalServer = state.finalNexthop && last;
      const countSession = () => {
        if (++sessCount === s.smtp_mx_session_limit) last = true;
        state.finalServer = state.finalNexthop && last;
      };
      if (await useSession(state, session, fresh, keys, countSession)) {
        // Opportunistic TLS failed with this server: the same server again, in plaintext.
        const plain = await connectTarget(ctx, target(addr, { level: 'none', match: [] }));
        if (!plain.ok) {
          ctx.log.info(plain.why.text);
          state.why = plain.why;
        } else {
          if (plain.session && addr.pref === list.bestPref) plain.session.features.bestMx = true;
          state.finalServer = state.finalNexthop && last;
          await useSession(state, plain.session, true, keys, countSession);
        }
      }
      if (last) break;
    }
    if (state.finalNexthop) {
      brokeAt = i;
      break;
    }
  }
  leftoverPolicy(state, sites, primary, brokeAt);
}

/** What to make of recipients still left: invent a reason, or call a hard error a configuration problem. */
function leftoverPolicy(state: SmtpState, sites: readonly string[], primary: number, brokeAt: number): void {
  if (state.left.length === 0) return;
  const why = state.why;
  if (why === null) {
    state.why = localWhy(SMTP_REASON.unavailable());
  } else if (why.dsn[0] !== '4') {
    if (brokeAt >= primary) {
      state.ctx.log.warn(`${state.ctx.settings.mode}_fallback_relay configuration problem`);
      state.why = { ...why, dsn: '4.3.5' };
    } else if (state.ctx.settings.mode === 'smtp' && sites[0] === state.ctx.params.relayhost) {
      state.ctx.log.warn('relayhost configuration problem');
      state.why = { ...why, dsn: '4.3.5' };
    }
  }
}

/** smtp_connect(): delivers the request's recipients; every one ends with a status. */
export async function smtpConnect(state: SmtpState): Promise<void> {
  const ctx = state.ctx;
  const nexthop = state.request.nexthop;
  const defaultService = ctx.settings.smtp_tcp_port;
  if (ctx.settings.mode === 'lmtp' && nexthop.startsWith('unix:')) {
    await connectLocal(state, nexthop.slice(5));
  } else {
    await connectInet(
      state,
      ctx.settings.mode === 'lmtp' && nexthop.startsWith('inet:') ? nexthop.slice(5) : nexthop,
      defaultService,
    );
  }
  if (state.left.length > 0) {
    state.finalServer = true;
    state.session = null;
    if (state.why === null) state.why = localWhy(SMTP_REASON.unavailable());
    sessFail(state);
    state.cleanup();
  }
}
