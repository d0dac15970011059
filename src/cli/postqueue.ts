/**
 * postqueue: `affix postqueue`, Postfix's queue control for everybody:
 * `-p` lists the queue in mailq's layout, `-j` as JSON lines, `-f` flushes
 * it (qmgr's `FADI` trigger, and pickup is poked), `-i ID` makes one
 * deferred message due now, `-s SITE` every deferred message for a
 * fast_flush_domains site. Listing works with the daemon up (its showq
 * service) and down (the queue read directly); flushing needs the daemon.
 * As in Postfix every fatal error exits 69 (EX_UNAVAILABLE), a usage error
 * included.
 *
 * Parameters: queue_directory, showq_service_name, enable_long_queue_ids, mail_name
 * Diagnostics: `postqueue: fatal: Cannot flush mail queue - mail system is
 *   down`, `Flush service is not configured for destination "SITE"`,
 *   `Cannot flush queue ID - invalid name: "ID"`, `Cannot flush mail queue -
 *   invalid destination: "SITE"`; the listing warnings of postqueue_showq.ts
 * See: postfix/src/postqueue/postqueue.c
 */
import { validHostname } from '../dns/dns_name.ts';
import { EX } from '../global/sysexits.ts';
import type { Log } from '../log/log.ts';
import { FatalError } from '../log/log_errors.ts';
import { parseQueueId } from '../queue/queue_id.ts';
import { type CliIo, type CliMain, cliMessages } from './cli_io.ts';
import { getopt } from './getopt.ts';
import { jsonLine, MailqListing } from './postqueue_format.ts';
import { queueListing, ShowqUnavailable } from './postqueue_showq.ts';
import { daemonRequest, readToolConfig, ToolOutput, toolLog } from './postqueue_tool.ts';

const USAGE = 'postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site';

export type ListMode = 'mailq' | 'json';

/**
 * show_queue(): prints the listing of `mode` to stdout; the records come
 * one at a time from showq (or the queue), and are written as they come.
 * Fatal problems are logged and thrown as FatalError.
 */
export async function showQueue(io: CliIo, log: Log, config: Parameters<typeof queueListing>[0], mode: ListMode) {
  let listing: Awaited<ReturnType<typeof queueListing>>;
  try {
    listing = await queueListing(config, io.cwd, (text) => log.warn(text));
  } catch (err) {
    if (err instanceof ShowqUnavailable) log.fatal(err.message);
    throw err;
  }
  const out = new ToolOutput(io);
  const mailq = new MailqListing(out, config.params.enable_long_queue_ids);
  try {
    for await (const m of listing) {
      if (mode === 'mailq') await mailq.message(m);
      else await out.write(jsonLine(m));
      if (out.broken) return;
    }
  } catch (err) {
    await out.flush();
    if (err instanceof ShowqUnavailable) log.fatal(err.message);
    throw err;
  }
  if (mode === 'mailq') await mailq.end();
  await out.flush();
}

/** flush_queue(): qmgr forgets dead destinations and scans everything now; pickup looks at maildrop. */
export async function flushQueue(config: Parameters<typeof daemonRequest>[0], log: Log): Promise<void> {
  const answer = await daemonRequest(config, { command: 'qmgr', trigger: 'FADI' });
  if (answer?.['ok'] !== true) log.fatal('Cannot flush mail queue - mail system is down');
  await daemonRequest(config, { command: 'pickup' });
}

/** valid_hostname() or valid_mailhost_literal(): what `-s` accepts. */
function validSite(site: string): boolean {
  if (site.startsWith('[')) return /^\[(?:IPv6:[0-9A-Fa-f:.]+|\d{1,3}(?:\.\d{1,3}){3})\]$/.test(site);
  return validHostname(site);
}

const cut = (text: string): string => `${text.slice(0, 100)}${text.length > 100 ? '...' : ''}`;

type Mode =
  | { readonly kind: 'list'; readonly list: ListMode }
  | { readonly kind: 'flush' }
  | {
      readonly kind: 'file';
      readonly id: string;
    }
  | { readonly kind: 'site'; readonly site: string };

export const main: CliMain = async (argv: readonly string[], io: CliIo) => {
  const msg = cliMessages(io, 'postqueue');
  const parsed = getopt(argv, 'c:fi:jps:v');
  if (!parsed.ok) {
    msg.getoptError(parsed.error);
    return msg.usage(USAGE, EX.UNAVAILABLE);
  }
  let mode: Mode | null = null;
  let optionC: string | undefined;
  for (const { flag, arg } of parsed.result.options) {
    if (flag === 'c') optionC = arg;
    if ('fijps'.includes(flag) && mode !== null) return msg.usage(USAGE, EX.UNAVAILABLE);
    if (flag === 'f') mode = { kind: 'flush' };
    else if (flag === 'i') mode = { kind: 'file', id: arg ?? '' };
    else if (flag === 'j') mode = { kind: 'list', list: 'json' };
    else if (flag === 'p') mode = { kind: 'list', list: 'mailq' };
    else if (flag === 's') mode = { kind: 'site', site: arg ?? '' };
  }
  if (parsed.result.operands.length > 0) return msg.usage(USAGE, EX.UNAVAILABLE);
  const config = await readToolConfig(io, msg, 'postqueue', optionC, EX.UNAVAILABLE);
  if (mode === null) return msg.usage(USAGE, EX.UNAVAILABLE);
  const log = toolLog(config, 'postqueue', io);
  try {
    if (mode.kind === 'site' && !validSite(mode.site)) {
      log.fatal(`Cannot flush mail queue - invalid destination: "${cut(mode.site)}"`);
    }
    if (mode.kind === 'file' && parseQueueId(mode.id) === null) {
      log.fatal(`Cannot flush queue ID - invalid name: "${cut(mode.id)}"`);
    }
    switch (mode.kind) {
      case 'list':
        await showQueue(io, log, config, mode.list);
        return 0;
      case 'flush':
        await flushQueue(config, log);
        return 0;
      case 'file': {
        const answer = await daemonRequest(config, { command: 'qmgr', queue_id: mode.id });
        if (answer?.['ok'] !== true) log.fatal('Cannot flush mail queue - mail system is down');
        return 0;
      }
      case 'site': {
        const answer = await daemonRequest(config, { command: 'qmgr', site: mode.site });
        const error = String(answer?.['error'] ?? '');
        if (answer?.['ok'] !== true) {
          log.fatal(error.startsWith('Flush service') ? error : 'Cannot flush mail queue - mail system is down');
        }
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof FatalError) return EX.UNAVAILABLE;
    throw err;
  } finally {
    await log.close();
  }
};
