/**
 * postcat_format: an affix queue file shown the way Postfix's postcat shows
 * its own: the envelope as Postfix's named records (`message_size:`,
 * `message_arrival_time:`, `named_attribute: rewrite_context=local`,
 * `sender:`, `original_recipient:`, `recipient:` ...), then `*** MESSAGE
 * CONTENTS path ***`, the content lines, `*** HEADER EXTRACTED path ***`
 * and `*** MESSAGE FILE END path ***`, with -e/-h/-b choosing sections,
 * -v naming text records (`regular_text: `), -d the decimal record type
 * and -o the offset.
 *
 * What differs from Postfix, because affix's file is not Postfix's (see
 * queue_file_format.ts): the envelope is one JSON record, so the records
 * shown are made from its fields, in Postfix's order; create_time is the
 * arrival time; `reverse_client_name` repeats the client name and the
 * server address and port are not kept; -d prints the type Postfix uses
 * for the equivalent record and -o affix's own offsets (every record made
 * from the envelope shows the envelope's offset); there are no pointer,
 * padding or extracted-segment records, so -r and -s change nothing.
 *
 * See: postfix/src/postcat/postcat.c, postfix/src/global/rec_type.c
 */
import type { QueueEnvelope, QueueRecipient } from '../queue/queue_envelope.ts';
import { asctime } from './postqueue_format.ts';

export interface PostcatFlags {
  readonly envelope: boolean;
  readonly header: boolean;
  readonly body: boolean;
  /** -v: `regular_text: ` before content lines. */
  readonly verbose: boolean;
  /** -d: the decimal record type. */
  readonly decimal: boolean;
  /** -o: the file offset. */
  readonly offset: boolean;
}

/** What postcat knows of one file. */
export interface PostcatFile {
  /** As shown in the markers: `hold/0B963160014`, `deferred/9/9F4411600A3`, a file name, `stdin`. */
  readonly path: string;
  readonly envelope: QueueEnvelope;
  readonly recipients: ReadonlyArray<{
    readonly recipient: QueueRecipient;
    readonly done: boolean;
    readonly at: number;
  }>;
  /** Where the envelope record and the content start, and where the end record is. */
  readonly envelopeAt: number;
  readonly contentAt: number;
  readonly size: number;
  readonly endAt: number;
}

/** Postfix's record type letters for the records shown (rec_type.h). */
const TYPE = {
  size: 'C',
  time: 'T',
  attr: 'A',
  full: 'F',
  from: 'S',
  orcp: 'O',
  rcpt: 'R',
  done: 'D',
  warn: 'W',
  filt: 'L',
  rdr: '>',
  mesg: 'M',
  norm: 'N',
  xtra: 'X',
  end: 'E',
} as const;

type RecordKind = keyof typeof TYPE;

/** is_header(): `name:` with printable name characters. */
const IS_HEADER = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;

export class PostcatPrinter {
  readonly #flags: PostcatFlags;
  readonly #out: (text: string) => Promise<void>;
  #state: 'header' | 'body' = 'header';

  constructor(flags: PostcatFlags, out: (text: string) => Promise<void>) {
    this.#flags = flags;
    this.#out = out;
  }

  #prefix(kind: RecordKind, at: number): string {
    let p = '';
    if (this.#flags.offset) p += `${String(at).padStart(9, ' ')} `;
    if (this.#flags.decimal) p += `${String(TYPE[kind].charCodeAt(0)).padStart(3, ' ')} `;
    return p;
  }

  async #marker(kind: RecordKind, at: number, text: string, path: string): Promise<void> {
    if (this.#flags.envelope) await this.#out(`${this.#prefix(kind, at)}*** ${text} ${path} ***\n`);
  }

  /** The envelope section and the MESSAGE CONTENTS marker. */
  async start(f: PostcatFile): Promise<void> {
    this.#state = 'header';
    if (!this.#flags.envelope) return;
    const e = f.envelope;
    const at = f.envelopeAt;
    const lines: string[] = [`*** ENVELOPE RECORDS ${f.path} ***\n`];
    const rec = (kind: RecordKind, name: string, value: string, offset = at) =>
      lines.push(`${this.#prefix(kind, offset)}${name}: ${value}\n`);
    const attr = (name: string, value: string) => rec('attr', 'named_attribute', `${name}=${value}`);
    const arrival = Math.floor(e.arrival / 1e6);
    const sizes = [f.size, f.contentAt, f.recipients.length, 0, f.size, e.smtputf8 ? 1 : 0];
    rec('size', 'message_size', sizes.map((n) => String(n).padStart(15, ' ')).join(' '));
    rec('time', 'message_arrival_time', asctime(arrival));
    rec('attr', 'create_time', asctime(arrival));
    const c = e.client;
    if (c !== null) attr('log_ident', f.path.split('/').pop() ?? '');
    attr('rewrite_context', e.rewriteContext);
    if (e.fullName !== '') rec('full', 'sender_fullname', e.fullName);
    rec('from', 'sender', e.sender);
    if (c !== null) {
      attr('log_client_name', c.name);
      attr('log_client_address', c.address);
      attr('log_client_port', c.port);
      attr('log_message_origin', `${c.name}[${c.address}]`);
      attr('log_helo_name', c.helo);
      attr('log_protocol_name', c.protocol);
      attr('client_name', c.name);
      attr('reverse_client_name', c.name);
      attr('client_address', c.address);
      attr('client_port', c.port);
      attr('helo_name', c.helo);
      attr('protocol_name', c.protocol);
      attr('client_address_type', c.address.includes(':') ? '10' : '2');
      if (c.saslMethod !== '') attr('sasl_method', c.saslMethod);
      if (c.saslUsername !== '') attr('sasl_username', c.saslUsername);
      if (c.saslSender !== '') attr('sasl_sender', c.saslSender);
    }
    if (e.envid !== null) attr('envid', e.envid);
    if (e.ret !== null) attr('ret', e.ret === 'FULL' ? '1' : '2');
    if (e.body8bit) attr('encoding', '8BITMIME');
    for (const [name, value] of Object.entries(e.attributes)) attr(name, value);
    if (e.filter) rec('filt', 'content_filter', e.filter);
    if (e.redirect) rec('rdr', 'redirect_to', e.redirect);
    if (e.warnAt !== null) rec('warn', 'warning_message_time', asctime(Math.floor(e.warnAt / 1e6)));
    for (const { recipient: r, done, at: rAt } of f.recipients) {
      if (r.orcpt !== null) rec('attr', 'named_attribute', `dsn_orig_rcpt=${r.orcpt}`, rAt);
      if (r.notify !== 0) rec('attr', 'named_attribute', `notify_flags=${r.notify}`, rAt);
      rec('orcp', 'original_recipient', r.original, rAt);
      rec(done ? 'done' : 'rcpt', done ? 'done_recipient' : 'recipient', r.address, rAt);
    }
    await this.#out(lines.join(''));
    await this.#marker('mesg', f.contentAt - 1, 'MESSAGE CONTENTS', f.path);
  }

  /** True when content lines are wanted at all (else the caller need not read them). */
  get wantsContent(): boolean {
    return this.#flags.header || this.#flags.body;
  }

  /** One content line (without its newline), at file offset `at`. */
  async line(text: string, at: number): Promise<void> {
    if (this.#state === 'header' && !(IS_HEADER.test(text) || text.startsWith(' ') || text.startsWith('\t'))) {
      this.#state = 'body';
    }
    if (this.#state === 'header' ? !this.#flags.header : !this.#flags.body) return;
    await this.#out(`${this.#prefix('norm', at)}${this.#flags.verbose ? 'regular_text: ' : ''}${text}\n`);
  }

  /** The HEADER EXTRACTED and MESSAGE FILE END markers. */
  async end(f: PostcatFile): Promise<void> {
    await this.#marker('xtra', f.contentAt + f.size, 'HEADER EXTRACTED', f.path);
    await this.#marker('end', f.endAt, 'MESSAGE FILE END', f.path);
  }
}
