/**
 * pickup: the pickup service of master.cf as affix runs it. It takes the
 * messages sendmail left in `maildrop` (and those postsuper -r moved
 * there) to cleanup, one at a time (pickup_file.ts): when it starts, every
 * master.cf wakeup period (60 seconds in the stock master.cf), and when
 * poked over the control socket (`{command: "pickup"}`, what sendmail and
 * postqueue -f send, like postdrop's trigger on public/pickup). A scan
 * asked for while one runs starts again when it ends, so no message waits
 * for the next wakeup. Mail dropped while the daemon was down is picked up
 * when it starts.
 *
 * Parameters: cleanup_service_name (which cleanup it submits to), and
 *   those of pickup_file.ts
 * Diagnostics: `pickup: scan of maildrop failed: REASON` (the next run
 *   tries again); the lines of pickup_log.ts
 * Security: see pickup_file.ts; the control request carries nothing
 * See: postfix/src/pickup/pickup.c (pickup_service), postfix/src/postdrop/postdrop.c (trigger)
 */
import type { CleanupService } from '../cleanup/cleanup_service.ts';
import type { Config } from '../config/config.ts';
import type { RunningService, ServiceContext, ServiceProgram } from '../config/master_service.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import { type PickupContext, pickupFile } from './pickup_file.ts';

/** What the daemon frame gives the pickup program. */
export interface PickupProgramDeps {
  /** The queue of `config`'s queue_directory, shared with cleanup and qmgr. */
  store(config: Config): Promise<QueueStore>;
  /** The cleanup service mail goes to (by the service's cleanup_service_name). */
  cleanup(context: ServiceContext): CleanupService;
  /**
   * Whether that cleanup service runs yet (master.cf starts pickup before
   * cleanup); while it does not, a scan waits a second and tries again
   * instead of deferring every file. Absent: always.
   */
  cleanupReady?(context: ServiceContext): boolean;
}

/** The wakeup period when master.cf gives none. */
const DEFAULT_WAKEUP = 60;

/** When cleanup is not running yet, how long a scan waits before it tries again. */
const CLEANUP_WAIT = 1000;

interface ScanContext extends PickupContext {
  readonly ready: () => boolean;
}

async function pickupContext(context: ServiceContext, deps: PickupProgramDeps): Promise<ScanContext> {
  return {
    config: context.config,
    log: context.log,
    store: await deps.store(context.config),
    cleanup: deps.cleanup(context),
    uid: process.getuid?.() ?? 0,
    ready: () => deps.cleanupReady?.(context) ?? true,
  };
}

/** The scans of one running pickup: one at a time, a request during a scan runs another after it. */
export class PickupScanner {
  #ctx: ScanContext;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  /** Messages handed to cleanup so far (tests and benchmarks read it). */
  queued = 0;

  constructor(ctx: PickupContext & { readonly ready?: () => boolean }) {
    this.#ctx = { ready: () => true, ...ctx };
  }

  setContext(ctx: ScanContext): void {
    this.#ctx = ctx;
  }

  /** Asks for a scan; resolves when a scan that started after the request has ended. */
  request(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#scan();
    } while (this.#again && !this.#stopped);
  }

  /** pickup_service(): every maildrop file once; files that went through are gone, the others stay. */
  async #scan(): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx.ready()) {
      setTimeout(() => void this.request(), CLEANUP_WAIT).unref();
      return;
    }
    try {
      for await (const entry of ctx.store.list('maildrop')) {
        if (this.#stopped) return;
        if ((await pickupFile(ctx, entry.id)) === 'queued') this.queued++;
      }
    } catch (err) {
      ctx.log.warn(`scan of maildrop failed: ${(err as Error).message}`);
    }
  }

  /** No new scans; resolves when the one running (if any) has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }
}

export function pickupProgram(deps: PickupProgramDeps): ServiceProgram {
  return {
    name: 'pickup',
    async start(context: ServiceContext): Promise<RunningService> {
      const scanner = new PickupScanner(await pickupContext(context, deps));
      let wakeup = context.service.wakeup > 0 ? context.service.wakeup : DEFAULT_WAKEUP;
      let timer: NodeJS.Timeout | null = null;
      const tick = () => {
        timer = setTimeout(() => {
          void scanner.request();
          tick();
        }, wakeup * 1000);
        timer.unref();
      };
      context.registerControl('pickup', async () => {
        void scanner.request();
        return { ok: true };
      });
      void scanner.request();
      tick();
      return {
        async reload(next: ServiceContext) {
          scanner.setContext(await pickupContext(next, deps));
          wakeup = next.service.wakeup > 0 ? next.service.wakeup : DEFAULT_WAKEUP;
        },
        async stop() {
          if (timer !== null) clearTimeout(timer);
          await scanner.stop();
        },
      };
    },
  };
}
