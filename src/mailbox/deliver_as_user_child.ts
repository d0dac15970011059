/**
 * deliver_as_user_child: the program deliver_as_user starts as the
 * recipient: reads a mailbox job (JSON, argv[2]) and the message (stdin),
 * runs the job, and writes the result as one JSON line. It imports the same
 * mailbox_write code the agent would run in-process; run directly, never
 * imported for its effect.
 *
 * Security: runs with the recipient's uid and gid, an empty environment;
 *   trusts only its parent (the job comes from argv)
 */
import { fileURLToPath } from 'node:url';
import { type MailboxJob, runMailboxJob } from './mailbox_write.ts';

/** Runs the job in argv[2] on stdin; prints the result. */
export async function deliverAsUserChild(): Promise<void> {
  let result: unknown;
  try {
    const job = JSON.parse(process.argv[2] ?? '') as MailboxJob;
    result = await runMailboxJob(job, process.stdin);
  } catch (err) {
    result = { ok: false, dsn: '4.3.0', text: `delivery process error: ${(err as Error).message}`, code: 'EIO' };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await deliverAsUserChild();
