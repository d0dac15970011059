/**
 * bounce: the bounce program of master.cf as affix runs it. Postfix runs
 * it three times, as the `bounce`, `defer` and `trace` services (qmgr finds
 * them by bounce_service_name, defer_service_name and trace_service_name);
 * affix does the same: each service builds a BounceServer from its own
 * configuration and publishes it under its master.cf name, and the daemon
 * frame sends qmgr's requests to the one its name says. The templates are
 * read from bounce_template_file at start and on `postfix reload`.
 *
 * Parameters: bounce_template_file, notify_classes, bounce_service_name,
 *   defer_service_name, trace_service_name, cleanup_service_name (via the
 *   frame), and those of bounce_service.ts
 * Diagnostics: fatal for an unreadable template file or an unknown
 *   notify_classes name, as when Postfix's bounce daemon starts
 * See: postfix/src/bounce/bounce.c
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/config.ts';
import type { RunningService, ServiceContext, ServiceProgram } from '../config/master_service.ts';
import { strerror } from '../global/strerror.ts';
import type { BounceService } from '../queue/bounce_request.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import type { BounceCleanup, BounceContext } from './bounce_context.ts';
import { BOUNCE_LOG } from './bounce_log.ts';
import { BounceServer, NOTIFY_CLASSES } from './bounce_service.ts';
import { BounceTemplates, TemplateFileError } from './bounce_templates.ts';

/** The master.cf names qmgr's requests go to: bounce_flush, defer_flush/defer_warn, trace_flush. */
export interface BounceServiceNames {
  readonly bounce: string;
  readonly defer: string;
  readonly trace: string;
}

/** What the daemon frame gives the bounce program. */
export interface BounceProgramDeps {
  /** The queue of `config`'s queue_directory, shared with cleanup and qmgr. */
  store(config: Config): Promise<QueueStore>;
  /** The cleanup service notifications are queued through (cleanup_service_name). */
  cleanup(context: ServiceContext): BounceCleanup;
  /** Makes (or, with null, stops making) this service reachable under its master.cf name. */
  publish(name: string, service: BounceService | null, names: BounceServiceNames): void;
  /** Milliseconds since the epoch; default Date.now. */
  clock?: () => number;
}

/** pre_jail_init(): the built-in templates, overridden by bounce_template_file. */
export async function loadTemplates(
  path: string,
  warn: (text: string) => void,
  fatal: (text: string) => never,
): Promise<BounceTemplates> {
  const templates = new BounceTemplates();
  if (path === '') return templates;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return fatal(BOUNCE_LOG.openFailed(path, strerror(err as NodeJS.ErrnoException)));
  }
  try {
    templates.load(path, text, warn);
  } catch (err) {
    if (err instanceof TemplateFileError) return fatal(err.message);
    throw err;
  }
  return templates;
}

/** The context under a service's configuration. */
export async function bounceContext(context: ServiceContext, deps: BounceProgramDeps): Promise<BounceContext> {
  const config = context.config;
  const p = config.params;
  const log = context.log;
  for (const name of p.notify_classes) {
    if (!(NOTIFY_CLASSES as readonly string[]).includes(name.toLowerCase())) {
      log.fatal(`unknown notify_classes value "${name}" in "${config.value('notify_classes')}"`);
    }
  }
  return {
    config,
    params: p,
    log,
    store: await deps.store(config),
    cleanup: deps.cleanup(context),
    templates: await loadTemplates(
      p.bounce_template_file,
      (t) => log.warn(t),
      (t) => log.fatal(t),
    ),
    clock: deps.clock ?? Date.now,
  };
}

function serviceNames(config: Config): BounceServiceNames {
  const p = config.params;
  return { bounce: p.bounce_service_name, defer: p.defer_service_name, trace: p.trace_service_name };
}

export function bounceProgram(deps: BounceProgramDeps): ServiceProgram {
  return {
    name: 'bounce',
    async start(context: ServiceContext): Promise<RunningService> {
      const name = context.service.name;
      const server = new BounceServer(await bounceContext(context, deps));
      deps.publish(name, server, serviceNames(context.config));
      return {
        async reload(next: ServiceContext) {
          server.setContext(await bounceContext(next, deps));
          deps.publish(name, server, serviceNames(next.config));
        },
        async stop() {
          deps.publish(name, null, serviceNames(context.config));
        },
      };
    },
  };
}
