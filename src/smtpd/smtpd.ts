/**
 * smtpd: the SMTP server program master.cf runs as `smtpd`. It takes the
 * listening sockets the daemon frame bound, builds the service's context,
 * and runs one session per connection: look the client up, log `connect
 * from`, run the protocol, log `disconnect from` with the command
 * statistics. `postfix reload` gives later sessions a new context while
 * open ones finish on theirs; stop ends them gracefully or at once. A
 * session that fails ends alone; the daemon and the other sessions go on.
 *
 * Wiring: the frame passes a factory for the CleanupService accepted mail
 * goes to (smtpdProgram({ cleanup })); without one, smtpd runs but refuses
 * mail with `451 4.3.0 Error: queue file write error`.
 *
 * Parameters: see smtpd_context.ts and the smtpd_* files
 * Diagnostics: `connect from`, `disconnect from`, fatal for a configuration
 *   smtpd cannot run with (e.g. no relay restriction that can reject)
 * Security: talks to the network; writes nothing itself (cleanup does), reads
 *   only its configuration, tables and certificates
 * See: postfix/src/smtpd/smtpd.c (smtpd_service, pre_jail_init, main)
 */
import type { Server, Socket } from 'node:net';
import type { CleanupService } from '../cleanup/cleanup_service.ts';
import type { RunningService, ServiceContext, ServiceProgram, StopMode } from '../config/master_service.ts';
import { Anvil, type AnvilService, localAnvil } from './smtpd_anvil.ts';
import { CommandStats } from './smtpd_commands.ts';
import { createSmtpdContext, type SmtpdContext, type SmtpdContextDeps } from './smtpd_context.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import { lookupPeer } from './smtpd_peer.ts';
import { smtpdProto } from './smtpd_proto.ts';
import { type BareLfMode, SmtpdSession } from './smtpd_state.ts';
import { SmtpdStream } from './smtpd_stream.ts';

/** What the daemon frame provides to smtpd. */
export interface SmtpdDeps {
  /** The cleanup service for a service context; absent: no queue (mail refused with 451). */
  readonly cleanup?: (context: ServiceContext) => CleanupService | Promise<CleanupService>;
  /** The daemon's client counters (anvil), shared by its smtpd services and processes; default: this service's own. */
  readonly anvil?: () => AnvilService;
  /** Test hooks: DNS resolver, hosts table, tables, address resolver. */
  readonly context?: Omit<SmtpdContextDeps, 'cleanup' | 'anvil'>;
}

/** The bare-LF treatment for this client: exclusions relax `reject` to `normalize`, never further. */
async function bareLfMode(ctx: SmtpdContext, name: string, addr: string): Promise<BareLfMode> {
  const v = ctx.params.smtpd_forbid_bare_newline;
  const mode: BareLfMode = v === 'yes' ? 'normalize' : v;
  if (mode !== 'reject') return mode;
  return (await ctx.lists.bareLfExclusions.matchClient(name, addr)) ? 'normalize' : 'reject';
}

/** Runs one SMTP session on an accepted socket; resolves when it is over and the socket closed. */
export async function runSession(ctx: SmtpdContext, socket: Socket): Promise<void> {
  // Nagle stays on, as in Postfix's smtpd: each wait for input writes all pending replies at once, and the
  // client's next command acknowledges them, so no reply waits (startTls() turns it off for TLS records).
  socket.on('error', () => undefined);
  const stream = new SmtpdStream(socket, { timeout: ctx.params.smtpd_timeout });
  try {
    const { peer, warning } = await lookupPeer(
      socket.remoteAddress ?? '0.0.0.0',
      socket.remotePort ?? 0,
      socket.localAddress ?? '0.0.0.0',
      socket.localPort ?? 0,
      {
        smtpd_peername_lookup: ctx.params.smtpd_peername_lookup,
        smtpd_client_port_logging: ctx.params.smtpd_client_port_logging,
        dns: ctx.dns,
        hosts: ctx.hosts,
      },
    );
    if (warning !== null) ctx.log.warn(warning);
    ctx.log.info(SMTPD_LOG.connect(peer.namaddr));
    const session = new SmtpdSession(ctx, peer, stream, await bareLfMode(ctx, peer.name, peer.addr));
    session.anvilExempt = await ctx.lists.eventExceptions.matchClient(peer.name, peer.addr);
    const stats = new CommandStats();
    try {
      await smtpdProto(session, stats);
    } finally {
      session.resetTransaction();
      ctx.log.info(SMTPD_LOG.disconnect(peer.namaddr, stats.format() + (session.noteBareLf ? ' notes=bare_lf' : '')));
    }
  } catch (err) {
    ctx.log.warn(`smtpd session failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    stream.close();
  }
}

/** The master.cf program `smtpd`. */
export function smtpdProgram(deps: SmtpdDeps = {}): ServiceProgram {
  return {
    name: 'smtpd',
    async start(first: ServiceContext): Promise<RunningService> {
      const anvil = deps.anvil?.() ?? localAnvil(new Anvil());
      const build = async (sc: ServiceContext): Promise<SmtpdContext> => {
        const cleanup = deps.cleanup === undefined ? null : await deps.cleanup(sc);
        if (cleanup === null) sc.log.warn('no cleanup service: mail will be refused');
        return createSmtpdContext(sc.config, sc.log, sc.service.name, { ...deps.context, cleanup, anvil });
      };
      let current = await build(first);
      const sessions = new Set<Socket>();
      const running = new Set<Promise<void>>();
      const onConnection = (socket: Socket) => {
        sessions.add(socket);
        const done = runSession(current, socket).finally(() => {
          sessions.delete(socket);
          running.delete(done);
        });
        running.add(done);
      };
      const listeners: readonly Server[] = first.listeners;
      for (const l of listeners) l.on('connection', onConnection);
      return {
        async reload(next: ServiceContext) {
          const old = current;
          current = await build(next);
          old.restrictions.policy.close();
        },
        async stop(mode: StopMode) {
          for (const l of listeners) l.off('connection', onConnection);
          if (mode === 'immediate') for (const s of sessions) s.destroy();
          const all = Promise.allSettled([...running]);
          if (mode === 'graceful') {
            const timer = setTimeout(() => {
              for (const s of sessions) s.destroy();
            }, 10_000);
            await all;
            clearTimeout(timer);
          } else {
            await all;
          }
          current.restrictions.policy.close();
        },
      };
    },
  };
}
