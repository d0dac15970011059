/**
 * postsuper: `affix postsuper`, Postfix's superintendent: `-d ID|ALL|-`
 * delete, `-h` hold, `-H` release, `-r` requeue, `-e` expire, `-f` expire
 * and release, `-p` purge old temporary files, `-s`/`-S` structure repair,
 * `-v` verbose, optional queue names after the options. Repairs run first,
 * then the other operations in command-line order; at the end one count
 * per operation asked for (`Deleted: 3 messages`). Messages go to stderr
 * and to the mail log as `postfix/postsuper[pid]: ...`.
 *
 * Unlike Postfix, the queue's owner may run it too, not only root (affix
 * may run as an unprivileged user); queue IDs that no longer match inode
 * numbers need no renaming (affix's IDs are not inode numbers), so `-s`
 * only puts files where hashing wants them.
 *
 * Parameters: queue_directory, hash_queue_names, hash_queue_depth
 * Diagnostics: `fatal: use of this command is reserved for the superuser`,
 *   `fatal: invalid directory name: NAME`, usage (exit 1), and the lines
 *   of postsuper_log.ts
 * Security: root or the queue owner only; IDs are checked by parseQueueId
 * See: postfix/src/postsuper/postsuper.c (main)
 */
import { statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Log } from '../log/log.ts';
import { FatalError } from '../log/log_errors.ts';
import type { FsQueueStore } from '../queue/queue_fs_store.ts';
import { fixStructure, purgeTemporary } from '../queue/queue_fs_super.ts';
import { logReplay } from '../queue/queue_recover.ts';
import { type CliIo, type CliMain, cliMessages } from './cli_io.ts';
import { getopt } from './getopt.ts';
import { daemonPid, daemonRequest, readToolConfig, toolLog, toolStore } from './postqueue_tool.ts';
import { POSTSUPER_LOG } from './postsuper_log.ts';
import {
  type Operation,
  operateAll,
  operateOne,
  SUPER_QUEUES,
  type SuperContext,
  type SuperQueue,
} from './postsuper_ops.ts';

const USAGE =
  'postsuper [-c config_dir] [-d queue_id (delete)] [-e queue_id (expire)] [-f queue_id (expire and/or un-hold)] [-h queue_id (hold)] [-H queue_id (un-hold)] [-p (purge temporary files)] [-r queue_id (requeue)] [-s (structure fix)] [-S (redundant structure fix)][-v (verbose)] [queue...]';

const OPERATIONS: Readonly<Record<string, Operation>> = {
  d: 'delete',
  e: 'expire',
  f: 'expireRelease',
  h: 'hold',
  H: 'release',
  r: 'requeue',
};

/** How long postsuper waits for qmgr to finish with a message it is delivering. */
const ACTIVE_WAIT = 60_000;

/** Root, or the owner of the queue directory. */
function mayRun(queueDirectory: string): boolean {
  const uid = process.geteuid?.() ?? 0;
  if (uid === 0) return true;
  try {
    return statSync(queueDirectory).uid === uid;
  } catch {
    return false;
  }
}

async function* stdinIds(io: CliIo): AsyncGenerator<string> {
  for await (const line of createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY })) yield line;
}

export const main: CliMain = async (argv: readonly string[], io: CliIo) => {
  const msg = cliMessages(io, 'postsuper');
  const parsed = getopt(argv, 'c:d:e:f:h:H:pr:sSv');
  if (!parsed.ok) {
    msg.getoptError(parsed.error);
    return msg.usage(USAGE);
  }
  const options = parsed.result.options;
  let optionC: string | undefined;
  for (const o of options) if (o.flag === 'c') optionC = o.arg;
  if (optionC !== undefined && !optionC.startsWith('/')) return msg.fatal('-c requires absolute pathname');
  const config = await readToolConfig(io, msg, 'postsuper', optionC, 1);
  const log = toolLog(config, 'postsuper', io);
  try {
    return await run(io, log, config, options, parsed.result.operands);
  } catch (err) {
    if (err instanceof FatalError) return 1;
    throw err;
  } finally {
    await log.close();
  }
};

async function run(
  io: CliIo,
  log: Log,
  config: Parameters<typeof toolStore>[0],
  options: ReadonlyArray<{ readonly flag: string; readonly arg: string | undefined }>,
  operands: readonly string[],
): Promise<number> {
  const live = daemonPid(config) !== null;
  const store = toolStore(config, io.cwd, live ? 'append' : 'replay');
  if (!mayRun(store.root)) log.fatal(POSTSUPER_LOG.superuserOnly());
  for (const q of operands)
    if (!(SUPER_QUEUES as readonly string[]).includes(q)) log.fatal(POSTSUPER_LOG.invalidDirectory(q));
  const queues = (operands.length > 0 ? operands : SUPER_QUEUES) as readonly SuperQueue[];
  try {
    return await operate(io, log, config, store, live, options, queues);
  } finally {
    await store.closeCommitLog();
  }
}

/** The operations asked for, on a store whose commit log is open (the daemon stopped: replayed first). */
async function operate(
  io: CliIo,
  log: Log,
  config: Parameters<typeof toolStore>[0],
  store: FsQueueStore,
  live: boolean,
  options: ReadonlyArray<{ readonly flag: string; readonly arg: string | undefined }>,
  queues: readonly SuperQueue[],
): Promise<number> {
  // Stopped, the daemon's commit log is applied first: a message it still holds must not come back later.
  await store.openCommitLog();
  logReplay(store, log);
  const ctx: SuperContext = {
    store,
    log,
    live,
    counts: { requeued: 0, deleted: 0, expired: 0, held: 0, released: 0 },
    activeWait: ACTIVE_WAIT,
  };
  const flags = new Set(options.map((o) => o.flag));
  const asked = new Set(options.filter((o) => OPERATIONS[o.flag] !== undefined).map((o) => OPERATIONS[o.flag]!));
  if (asked.size === 0 && !['p', 's', 'S'].some((f) => flags.has(f))) {
    flags.add('s'); // no operation asked: structure check and purge (Postfix's ACTION_DEFAULT)
    flags.add('p');
  }
  if (flags.has('s') || flags.has('S')) {
    for (const path of (await fixStructure(store, queues)).bogus) log.warn(POSTSUPER_LOG.bogusFileName(path));
  }
  if (flags.has('p')) await purgeTemporary(store, queues, Date.now());

  for (const { flag, arg } of options) {
    const op = OPERATIONS[flag];
    if (op === undefined || arg === undefined) continue;
    if (arg === 'ALL') await operateAll(ctx, op, queues);
    else if (arg === '-') for await (const id of stdinIds(io)) await operateOne(ctx, op, id, queues);
    else await operateOne(ctx, op, arg, queues);
  }
  const c = ctx.counts;
  if (asked.has('requeue')) log.info(POSTSUPER_LOG.requeuedCount(c.requeued));
  if (asked.has('delete')) log.info(POSTSUPER_LOG.deletedCount(c.deleted));
  if (asked.has('expire') || asked.has('expireRelease')) log.info(POSTSUPER_LOG.expiredCount(c.expired));
  if (asked.has('hold')) log.info(POSTSUPER_LOG.heldCount(c.held));
  if (asked.has('release') || asked.has('expireRelease')) log.info(POSTSUPER_LOG.releasedCount(c.released));
  // Requeued mail waits in maildrop for pickup; with the daemon up, pickup need not wait for its next wakeup.
  if (live && c.requeued > 0) await daemonRequest(config, { command: 'pickup' }, 5_000);
  return 0;
}
