/**
 * sendmail_drop: what Postfix's sendmail and postdrop do together for a
 * local submission: the sender (`-f`, or the login name) and each
 * command-line recipient parsed as RFC 822 address lists, the message read
 * from standard input — leading `From ` lines dropped, CRs stripped as
 * sendmail_fix_line_endings says, a lone `.` ending it unless -i — and the
 * whole written into `maildrop` as one complete, durable queue file
 * (QueueStore.create: synced, mode 0700 once complete), whether the daemon
 * runs or not; pickup takes it from there. The content is streamed into the
 * file, never held whole. With -t the headers are scanned as they pass, so
 * that a message without any recipient is refused as Postfix refuses it;
 * the extraction itself is cleanup's (cleanup_extract.ts).
 *
 * The maildrop envelope carries the submitter's uid (attribute `uid`),
 * which pickup logs, and for -t `extract_recipients=N` (N: the -N DSN
 * NOTIFY mask for the recipients found, 0 when not given).
 *
 * Parameters: message_size_limit, sendmail_fix_line_endings
 * Diagnostics: DropError with Postfix's text: `SENDER(UID): No recipient
 *   addresses found in message header`, `...: Recipient addresses must be
 *   specified on the command line or via the -t option`, `...: error
 *   writing queue file: REASON`, `...: message file too big`
 * Security: the input is untrusted; it reaches the queue only through
 *   QueueStore.create, bounded by message_size_limit
 * See: postfix/src/sendmail/sendmail.c (enqueue), postfix/src/postdrop/postdrop.c
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { strerror } from '../global/strerror.ts';
import { tok822Internalize, tok822Parse } from '../maps/tok822_parse.ts';
import type { Tok822 } from '../maps/tok822_tree.ts';
import type { QueueEnvelope, QueueRecipient } from '../queue/queue_envelope.ts';
import { microsNow, type QueueId } from '../queue/queue_id.ts';
import type { QueueStore } from '../queue/queue_store.ts';

/** A submission that cannot be queued; the text follows `fatal: `. */
export class DropError extends Error {}

export interface DropRequest {
  /** Internal form; '' is the null sender. */
  readonly sender: string;
  readonly fullName: string | null;
  /** Internal form, one per address found in the arguments ('' for an argument without one). */
  readonly recipients: readonly string[];
  readonly uid: number;
  readonly extract: boolean;
  readonly dotEnds: boolean;
  readonly rewriteContext: 'local' | 'remote';
  readonly notify: number;
  readonly ret: 'FULL' | 'HDRS' | null;
  readonly envid: string | null;
  readonly body8bit: boolean;
  readonly message_size_limit: number;
  readonly sendmail_fix_line_endings: string;
}

/** Every address token of a parsed list, groups included, in internal form. */
function addresses(tree: Tok822 | null, out: string[] = []): string[] {
  for (let tp = tree; tp !== null; tp = tp.next) {
    if (tp.type === 'addr') out.push(tok822Internalize(tp.head));
    else if (tp.head !== null) addresses(tp.head, out);
  }
  return out;
}

/** The recipients of one command-line argument (`a@x, b@y`, `Name <a@x>`); [''] when it has none. */
export function argumentRecipients(arg: string): string[] {
  const found = addresses(tok822Parse(arg));
  return found.length > 0 ? found : [''];
}

/** The sender of `-f TEXT`: its first address; `warn` when it has more than one. */
export function senderOption(text: string, warn: (t: string) => void): string {
  const found = addresses(tok822Parse(text));
  if (found.length > 1) warn(`-f option specified malformed sender: ${text}`);
  return found[0] ?? '';
}

/** The login name of `uid`; throws DropError when the user has none. */
export function loginName(uid: number): string {
  try {
    return userInfo().username;
  } catch {
    throw new DropError(`no login name found for user ID ${uid}`);
  }
}

/** fullname(): $NAME, else the gecos field of the password entry up to the first comma (`&` = the login name). */
export function fullName(uid: number, env: Readonly<Record<string, string | undefined>>): string | null {
  const name = env['NAME'];
  if (name !== undefined && name !== '') return name;
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length < 5 || Number(f[2]) !== uid) continue;
      const gecos = (f[4] ?? '').split(',')[0] ?? '';
      const login = f[0] ?? '';
      const cap = login.charAt(0).toUpperCase() + login.slice(1);
      const out = gecos.replace(/&/g, cap);
      return out === '' ? null : out;
    }
  } catch {
    // no password file: no full name
  }
  return null;
}

const HEADER = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;
const XRECIP = /^(resent-)?(to|cc|bcc)$/i;

/** Watches the primary headers as they pass: are there recipients for -t? */
class HeaderScan {
  #inHeaders = true;
  #current: string | null = null;
  #plain = 0;
  #resent: number | null = null;

  line(text: string): void {
    if (!this.#inHeaders) return;
    if (this.#current !== null && (text.startsWith(' ') || text.startsWith('\t'))) {
      this.#current += `\n${text}`;
      return;
    }
    this.#flush();
    const m = HEADER.exec(text);
    if (m === null) {
      this.#inHeaders = false;
      return;
    }
    this.#current = XRECIP.test(m[1]!) ? text : null;
  }

  #flush(): void {
    const h = this.#current;
    this.#current = null;
    if (h === null) return;
    const name = HEADER.exec(h)?.[1] ?? '';
    const n = addresses(tok822Parse(h.slice(h.indexOf(':') + 1))).length;
    if (/^resent-/i.test(name)) this.#resent = (this.#resent ?? 0) + n;
    else if (this.#resent === null) this.#plain += n;
  }

  /** How many recipients -t will find (Resent- ones when any Resent- recipient header was seen). */
  count(): number {
    this.#flush();
    return this.#resent ?? this.#plain;
  }
}

const LF = Buffer.from('\n');

/**
 * The message from `input` as it goes into the queue file: LF line ends,
 * From_ lines dropped, CRs stripped, up to a lone `.` (unless -i).
 */
async function* messageLines(
  input: AsyncIterable<Buffer | string>,
  r: DropRequest,
  scan: HeaderScan | null,
  who: string,
): AsyncGenerator<Buffer> {
  let strip: 'do' | 'dont' | 'unknown' =
    r.sendmail_fix_line_endings === 'always' ? 'do' : r.sendmail_fix_line_endings === 'never' ? 'dont' : 'unknown';
  let skipFrom = true;
  let size = 0;
  let carry: Buffer = Buffer.alloc(0);
  const out: Buffer[] = [];
  const one = (raw: Buffer): boolean => {
    let line = raw;
    if (strip === 'unknown') strip = line.length > 0 && line[line.length - 1] === 0x0d ? 'do' : 'dont';
    if (skipFrom) {
      const text = line.toString('latin1');
      if (text.replace(/^>*/, '').startsWith('From ')) return true;
      skipFrom = false;
    }
    if (strip === 'do')
      while (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (r.dotEnds && line.length === 1 && line[0] === 0x2e) return false;
    scan?.line(line.toString('utf8'));
    size += line.length + 1;
    if (r.message_size_limit > 0 && size > r.message_size_limit) throw new DropError(`${who}: message file too big`);
    out.push(Buffer.from(line), LF);
    return true;
  };
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let buf = carry.length > 0 ? Buffer.concat([carry, data]) : data;
    let from = 0;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, from)) {
      const more = one(buf.subarray(from, nl));
      from = nl + 1;
      if (!more) {
        if (out.length > 0) yield Buffer.concat(out.splice(0));
        return;
      }
    }
    buf = buf.subarray(from);
    carry = Buffer.from(buf);
    if (out.length > 0) yield Buffer.concat(out.splice(0));
  }
  if (carry.length > 0) one(carry);
  if (out.length > 0) yield Buffer.concat(out.splice(0));
}

/**
 * enqueue(): writes the message into maildrop and resolves with its ID once
 * it is on stable storage; throws DropError (nothing left behind) when it
 * cannot be queued.
 */
export async function postdrop(
  store: QueueStore,
  r: DropRequest,
  input: AsyncIterable<Buffer | string>,
): Promise<QueueId> {
  const who = `${r.sender}(${r.uid})`;
  const scan = r.extract ? new HeaderScan() : null;
  const envelope: QueueEnvelope = {
    sender: r.sender,
    arrival: microsNow(),
    client: null,
    envid: r.envid,
    ret: r.ret,
    warnAt: null,
    smtputf8: false,
    body8bit: r.body8bit,
    rewriteContext: r.rewriteContext,
    fullName: r.fullName ?? '',
    attributes: { uid: String(r.uid), ...(r.extract ? { extract_recipients: String(r.notify) } : {}) },
  };
  const recipients: QueueRecipient[] = r.recipients.map((address) => ({
    address,
    original: address,
    orcpt: null,
    notify: r.notify,
  }));
  async function* content(): AsyncGenerator<Buffer> {
    yield* messageLines(input, r, scan, who);
    const found = recipients.length + (scan?.count() ?? 0);
    if (found === 0) {
      throw new DropError(
        r.extract
          ? `${who}: No recipient addresses found in message header`
          : `${who}: Recipient addresses must be specified on the command line or via the -t option`,
      );
    }
  }
  const id = store.newId();
  try {
    await store.create(id, 'maildrop', envelope, recipients, content());
  } catch (err) {
    if (err instanceof DropError) throw err;
    throw new DropError(`${who}: error writing queue file: ${strerror(err)}`);
  }
  return id;
}
