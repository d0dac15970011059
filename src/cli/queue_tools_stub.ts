/**
 * queue_tools_stub: the queue commands (postqueue, mailq, postsuper,
 * postcat, sendmail) until the queue exists. Each accepts exactly its
 * Postfix flags (a bad flag gets Postfix's usage), then says plainly that
 * affix has no queue yet and exits EX_UNAVAILABLE, so no script mistakes
 * it for success. The queue issue replaces this file with the real tools.
 */
import { EX } from '../global/sysexits.ts';
import { type CliIo, type CliMain, cliMessages } from './cli_io.ts';
import { getopt } from './getopt.ts';

interface ToolSpec {
  readonly program: string;
  readonly optstring: string;
  readonly usage: string;
  readonly usageStatus: number;
}

function stub(spec: ToolSpec): CliMain {
  return async (argv: readonly string[], io: CliIo) => {
    const msg = cliMessages(io, spec.program);
    const parsed = getopt(argv, spec.optstring);
    if (!parsed.ok) {
      msg.getoptError(parsed.error);
      return msg.usage(spec.usage, spec.usageStatus);
    }
    return msg.fatal('the mail queue is not implemented by affix yet', EX.UNAVAILABLE);
  };
}

export const postqueueMain = stub({
  program: 'postqueue',
  optstring: 'c:fi:jps:v',
  usage: 'postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site',
  usageStatus: EX.UNAVAILABLE, // real postqueue exits 69 on a usage error
});

export const mailqMain = stub({
  program: 'mailq',
  optstring: 'B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:q:r:tvx',
  usage: 'mailq [options]',
  usageStatus: EX.TEMPFAIL,
});

export const postsuperMain = stub({
  program: 'postsuper',
  optstring: 'c:d:e:f:h:H:pr:sSv',
  usage:
    'postsuper [-c config_dir] [-d queue_id (delete)] [-e queue_id (expire)] [-f queue_id (expire and/or un-hold)] [-h queue_id (hold)] [-H queue_id (un-hold)] [-p (purge temporary files)] [-r queue_id (requeue)] [-s (structure fix)] [-S (redundant structure fix)][-v (verbose)] [queue...]',
  usageStatus: 1,
});

export const postcatMain = stub({
  program: 'postcat',
  optstring: 'bc:dehoqv',
  usage:
    'postcat [-b (body text)] [-c config_dir] [-d (decimal record type)] [-e (envelope records)] [-h (header text)] [-q (access queue)] [-v] [file(s)...]',
  usageStatus: 1,
});

export const sendmailMain = stub({
  program: 'sendmail',
  optstring: 'B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:q:r:tvx',
  usage: 'sendmail [options]',
  usageStatus: EX.TEMPFAIL,
});
