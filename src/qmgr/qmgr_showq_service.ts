/**
 * qmgr_showq_service: the showq service of master.cf as affix runs it, so
 * that `postqueue -p` and `-j` list the queue of a running daemon. Like
 * Postfix's showq it listens on `$queue_directory/public/<service name>`
 * (a UNIX-domain socket, mode 0666: listing is for every local user, as
 * authorized_mailq_users = static:anyone), and for each connection streams
 * the queue listing and closes. It does not use the daemon's control
 * socket, whose one-line answers would hold the whole listing in memory.
 *
 * Protocol (one JSON object per line, server to client): `{"proto":"showq"}`,
 * then one ShowqMessage per message, then `{"end":true,"count":N}`. A client
 * that stops reading only slows the listing down (writes wait for the
 * socket to drain); one that goes away ends it.
 *
 * Parameters: queue_directory, empty_address_recipient, smtputf8_enable
 * Diagnostics: warning `showq: listing failed: REASON` (the client sees no end line)
 * Security: reads nothing from the client; lists what qmgr_showq.ts reads
 * See: postfix/src/showq/showq.c (showq_service)
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import type { RunningService, ServiceContext, ServiceProgram } from '../config/master_service.ts';
import type { Log } from '../log/log.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import { type ShowqOptions, showqMessages } from './qmgr_showq.ts';

/** What the daemon frame gives the showq program. */
export interface ShowqProgramDeps {
  /** The queue of `config`'s queue_directory. */
  store(config: Config): Promise<QueueStore>;
}

/** The socket postqueue connects to: `$queue_directory/public/<name>`. */
export function showqSocketPath(queueDirectory: string, serviceName: string): string {
  return join(resolve(queueDirectory), 'public', serviceName);
}

interface ShowqState {
  store: QueueStore;
  options: ShowqOptions;
  log: Log;
}

async function showqState(context: ServiceContext, deps: ShowqProgramDeps): Promise<ShowqState> {
  const p = context.config.params;
  return {
    store: await deps.store(context.config),
    // Synchronous reads in slices of a few ms: other services get the event loop between them.
    options: { empty_address_recipient: p.empty_address_recipient, smtputf8_enable: p.smtputf8_enable, blocking: true },
    log: context.log,
  };
}

/** Writes `line`, waiting while the socket's buffer is full; false when the client went away. */
function writeLine(socket: Socket, value: unknown): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(false);
  if (socket.write(`${JSON.stringify(value)}\n`)) return Promise.resolve(true);
  return new Promise((ok) => {
    const done = (alive: boolean) => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      ok(alive);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/** showq_service(): one listing on one connection. */
async function serve(state: ShowqState, socket: Socket): Promise<void> {
  socket.on('error', () => socket.destroy());
  socket.on('data', () => undefined); // requests carry nothing; never let input pile up
  const listing = showqMessages(state.store, state.options);
  try {
    if (!(await writeLine(socket, { proto: 'showq' }))) return;
    let count = 0;
    for await (const message of listing) {
      if (!(await writeLine(socket, message))) return;
      count++;
    }
    await writeLine(socket, { end: true, count });
    socket.end();
  } catch (err) {
    state.log.warn(`showq: listing failed: ${(err as Error).message}`);
    socket.destroy();
  } finally {
    await listing.return(undefined);
  }
}

export function showqProgram(deps: ShowqProgramDeps): ServiceProgram {
  return {
    name: 'showq',
    async start(context: ServiceContext): Promise<RunningService> {
      let state = await showqState(context, deps);
      const path = showqSocketPath(context.config.params.queue_directory, context.service.name);
      const open = new Set<Socket>();
      const server: Server = createServer((socket) => {
        open.add(socket);
        socket.on('close', () => open.delete(socket));
        void serve(state, socket);
      });
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      rmSync(path, { force: true }); // left by a daemon that was killed
      await new Promise<void>((ok, fail) => {
        server.once('error', fail);
        server.listen(path, () => {
          server.off('error', fail);
          ok();
        });
      });
      chmodSync(path, 0o666);
      return {
        async reload(next: ServiceContext) {
          state = await showqState(next, deps);
        },
        async stop() {
          // Listings in progress are cut in either mode: a client that stopped reading
          // (`mailq | less`) must not keep the daemon from stopping.
          const closed = new Promise<void>((ok) => server.close(() => ok()));
          for (const s of open) s.destroy();
          await closed;
          rmSync(path, { force: true });
        },
      };
    },
  };
}
