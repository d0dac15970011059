/**
 * master_service: the contract between the daemon frame and the programs
 * master.cf names (smtpd, qmgr, cleanup, local ...). The frame reads the
 * configuration, binds inet listeners, and hands each implemented service
 * its context; a service keeps a snapshot of its context per session, takes
 * a new one on reload, and stops gracefully or at once.
 *
 * See: postfix/src/master/master_spawn.c, postfix/src/master/single_server.c
 */
import type { Server } from 'node:net';
import type { Log } from '../log/log.ts';
import type { Config } from './config.ts';
import type { MasterService } from './master_cf.ts';

/** A request on the control socket and its answer, as JSON values. */
export type ControlHandler = (request: Readonly<Record<string, unknown>>) => Promise<Record<string, unknown>>;

export interface ServiceContext {
  /** main.cf with this service's `-o` overrides applied. */
  readonly config: Config;
  /** The master.cf entry. */
  readonly service: MasterService;
  /** Tagged `$syslog_name/<program>`. */
  readonly log: Log;
  /** For inet services: the listening sockets the frame bound (one per address). */
  readonly listeners: readonly Server[];
  /** Lets the service answer CLI requests (`postqueue -p` asks showq) on the control socket. */
  registerControl(command: string, handler: ControlHandler): void;
}

export type StopMode = 'graceful' | 'immediate';

export interface RunningService {
  /** Takes the configuration after `postfix reload`; sessions already open keep theirs. */
  reload(context: ServiceContext): Promise<void>;
  /** graceful: stop accepting, let work in progress end (or answer 421); immediate: drop it. */
  stop(mode: StopMode): Promise<void>;
}

/** A program that master.cf can run, e.g. `smtpd`. */
export interface ServiceProgram {
  /** The name in master.cf's command field. */
  readonly name: string;
  start(context: ServiceContext): Promise<RunningService>;
}
