/**
 * smtp_connect: opening connections — TCP to an address within
 * smtp_connect_timeout from smtp_bind_address/smtp_bind_address6, or a
 * UNIX-domain socket for LMTP — and the session that goes with it, or
 * Postfix's `connect to host[addr]:port: <strerror>` reason.
 *
 * Parameters: smtp_connect_timeout, smtp_bind_address, smtp_bind_address6,
 *   smtp_connection_cache_on_demand, smtp_connection_cache_destinations,
 *   smtp_connection_reuse_time_limit (lmtp_* for lmtp)
 * Security: connects only to addresses the resolver or the configuration gave
 * See: postfix/src/smtp/smtp_connect.c (smtp_connect_addr, smtp_connect_unix, smtp_connect_sock)
 */
import { connect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import { strerror } from '../global/strerror.ts';
import type { SmtpContext } from './smtp_context.ts';
import { SMTP_REASON } from './smtp_reasons.ts';
import { SmtpSession } from './smtp_session.ts';
import type { SmtpWhy } from './smtp_state.ts';
import { SmtpStream } from './smtp_stream.ts';
import type { TlsPolicy } from './smtp_tls_level.ts';
import { localWhy } from './smtp_trouble.ts';

/** Where to connect and what the session is for. */
export interface ConnectTarget {
  readonly host: string;
  /** An IP address, or a socket path when `port` is 0. */
  readonly addr: string;
  readonly port: number;
  readonly dest: string;
  readonly domain: string;
  readonly policy: TlsPolicy;
}

export type ConnectResult =
  | { readonly ok: true; readonly session: SmtpSession }
  | { readonly ok: false; readonly why: SmtpWhy };

/** Longest UNIX-domain socket path (sizeof(sun_path) - 1 on Linux). */
const SUN_PATH_MAX = 107;

function open(options: NetConnectOpts, timeoutSec: number): Promise<Socket | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const socket = connect(options);
    let timer: NodeJS.Timeout | null = null;
    const done = (result: Socket | NodeJS.ErrnoException) => {
      if (timer !== null) clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      resolve(result);
    };
    const onConnect = () => done(socket);
    const onError = (err: NodeJS.ErrnoException) => {
      socket.destroy();
      done(err);
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (timeoutSec > 0) {
      timer = setTimeout(() => {
        socket.destroy();
        const err: NodeJS.ErrnoException = new Error('connect timed out');
        err.code = 'ETIMEDOUT';
        done(err);
      }, timeoutSec * 1000);
    }
  });
}

/** smtp_connect_addr() / smtp_connect_unix(): a connected session, or why not. */
export async function connectTarget(ctx: SmtpContext, t: ConnectTarget): Promise<ConnectResult> {
  const s = ctx.settings;
  const namaddrport = t.port > 0 ? `${t.host}[${t.addr}]:${t.port}` : `${t.host}[${t.addr}]`;
  let socket: Socket | NodeJS.ErrnoException;
  if (t.port === 0) {
    if (t.addr.length > SUN_PATH_MAX) {
      ctx.log.warn(`unix-domain name too long: ${t.addr}`);
      return { ok: false, why: localWhy(SMTP_REASON.socketPathTooLong()) };
    }
    socket = await open({ path: t.addr }, s.smtp_connect_timeout);
  } else {
    const family = isIP(t.addr);
    const bind = family === 6 ? s.smtp_bind_address6 : s.smtp_bind_address;
    socket = await open(
      { host: t.addr, port: t.port, family, ...(bind !== '' ? { localAddress: bind } : {}) },
      s.smtp_connect_timeout,
    );
  }
  if (socket instanceof Error) {
    return { ok: false, why: localWhy(SMTP_REASON.connect(namaddrport, strerror(socket))) };
  }
  const session = new SmtpSession({
    stream: new SmtpStream(socket),
    host: t.host,
    addr: t.addr,
    port: t.port,
    createdAt: ctx.now(),
    policy: t.policy,
    dest: t.dest,
    domain: t.domain,
  });
  // affix has no qmgr "surge" signal: on-demand caching always keeps a good session briefly.
  const listed = s.smtp_connection_cache_destinations.some((d) => d.toLowerCase() === t.domain.toLowerCase());
  if (s.smtp_connection_cache_on_demand || listed) {
    session.cache = 'keep';
    session.expireAt = session.createdAt + s.smtp_connection_reuse_time_limit * 1000;
  }
  return { ok: true, session };
}
