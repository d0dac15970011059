/**
 * smtpd_channel: the pipe from smtpd to cleanup for one message. smtpd
 * pushes content as it arrives (one DATA, or the chunks of several BDAT
 * commands); cleanup pulls it as an async iterable. A push resolves when
 * cleanup has taken the data, so at most one batch is in flight (bounded
 * memory, and a slow disk slows the client down). smtpd ends the channel
 * at end of message, or aborts it (message too big, bare LF, restriction,
 * lost client): cleanup's iteration then throws, and it must queue nothing.
 * When cleanup stops early, further pushes are dropped, and smtpd keeps
 * reading the client's content to stay in sync.
 *
 * See: postfix/src/global/mail_stream.c (the cleanup stream smtpd writes to)
 */

/** Why smtpd stopped a message: the consumer sees this thrown from its iteration. */
export class ContentAbort extends Error {
  readonly why: string;
  constructor(why: string, options?: ErrorOptions) {
    super(`message content aborted: ${why}`, options);
    this.name = 'ContentAbort';
    this.why = why;
  }
}

interface Pending {
  readonly data: Buffer;
  readonly taken: () => void;
}

export class ContentChannel {
  #queue: Pending[] = [];
  #ended = false;
  #abort: Error | null = null;
  /** The consumer stopped (returned or threw); pushes are dropped. */
  #stopped = false;
  #wake: (() => void) | null = null;
  /** Bytes pushed in all. */
  bytes = 0;

  get stopped(): boolean {
    return this.#stopped || this.#abort !== null;
  }

  /** Hands `data` to the consumer; resolves once taken (at once when the consumer is gone). */
  push(data: Buffer): Promise<void> {
    if (this.stopped || this.#ended || data.length === 0) return Promise.resolve();
    this.bytes += data.length;
    return new Promise((taken) => {
      this.#queue.push({ data, taken });
      this.#signal();
    });
  }

  /** The message is complete. */
  end(): void {
    this.#ended = true;
    this.#signal();
  }

  /** The message must not be queued. */
  abort(err: Error): void {
    if (this.#abort !== null) return;
    this.#abort = err;
    for (const p of this.#queue) p.taken();
    this.#queue = [];
    this.#signal();
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async *#iterate(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (this.#abort !== null) throw this.#abort;
        const next = this.#queue.shift();
        if (next !== undefined) {
          next.taken();
          yield next.data;
          continue;
        }
        if (this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      this.#stopped = true;
      for (const p of this.#queue) p.taken();
      this.#queue = [];
    }
  }

  /** What cleanup iterates over (once). */
  content(): AsyncIterable<Buffer> {
    return this.#iterate();
  }
}
