/**
 * smtp_stream: the client's end of one connection — bounded line reads
 * and writes, each limited by the timeout of the current protocol stage,
 * failing with SmtpStreamError `eof` or `timeout` (Postfix's SMTP_ERR_EOF
 * and SMTP_ERR_TIME), which smtp_trouble turns into "lost connection with
 * ... while ..." or "conversation with ... timed out while ...". After
 * STARTTLS the stream moves onto the TLS socket and drops whatever
 * plaintext was read ahead.
 *
 * Security: a line longer than the limit is cut and the rest of it skipped
 *   (smtp_get(SMTP_GET_FLAG_SKIP)); input read ahead before TLS is purged
 * See: postfix/src/global/smtp_stream.c
 */
import type { Socket } from 'node:net';

export type SmtpStreamFailure = 'eof' | 'timeout';

export class SmtpStreamError extends Error {
  readonly kind: SmtpStreamFailure;
  constructor(kind: SmtpStreamFailure, options?: ErrorOptions) {
    super(kind === 'eof' ? 'lost connection' : 'timeout', options);
    this.name = 'SmtpStreamError';
    this.kind = kind;
  }
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: SmtpStreamError) => void;
}

/** A line as smtp_get() returns it: without its end, and whether it was cut. */
export interface SmtpLine {
  readonly text: string;
  readonly truncated: boolean;
}

export class SmtpStream {
  #socket: Socket;
  #input: Buffer = Buffer.alloc(0);
  #waiter: Waiter | null = null;
  #ended = false;
  #failure: Error | null = null;
  /** Seconds each read or write may take; set per protocol stage. */
  timeout = 300;
  /** When the stream last saw I/O, ms since the epoch (Postfix's vstream_ftime). */
  lastIo = Date.now();
  readonly #onData = (chunk: Buffer) => {
    this.#input = this.#input.length === 0 ? chunk : Buffer.concat([this.#input, chunk]);
    this.lastIo = Date.now();
    this.#wake();
  };
  readonly #onEnd = () => {
    this.#ended = true;
    this.#wake();
  };
  readonly #onError = (err: Error) => {
    this.#failure = err;
    this.#ended = true;
    this.#wake();
  };

  constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  get socket(): Socket {
    return this.#socket;
  }

  /** True once the peer closed or the socket failed. */
  get closed(): boolean {
    return this.#ended && this.#input.length === 0;
  }

  /** Bytes read but not yet consumed (Postfix's vstream_peek). */
  get pending(): number {
    return this.#input.length;
  }

  /**
   * Reads one line (LF or CRLF ended) of at most `limit` bytes; a longer
   * line is cut and its rest skipped. Fails with eof or timeout.
   */
  async readLine(limit: number): Promise<SmtpLine> {
    let truncated = false;
    for (;;) {
      const nl = this.#input.indexOf(0x0a);
      if (nl >= 0) {
        let end = nl > 0 && this.#input[nl - 1] === 0x0d ? nl - 1 : nl;
        if (end > limit) {
          end = limit;
          truncated = true;
        }
        const text = this.#input.subarray(0, end).toString('utf8');
        this.#input = this.#input.subarray(nl + 1);
        return { text, truncated };
      }
      if (this.#input.length > limit) {
        // Keep the first `limit` bytes; skip everything up to the line end.
        truncated = true;
        const kept = this.#input.subarray(0, limit);
        await this.#skipToNewline();
        return { text: kept.toString('utf8'), truncated };
      }
      if (this.#ended) throw new SmtpStreamError('eof', this.#failure ? { cause: this.#failure } : undefined);
      await this.#wait();
    }
  }

  /** Writes `data`; resolves when the socket took it (waiting for drain within the timeout). */
  async write(data: string | Buffer): Promise<void> {
    if (this.#ended || this.#socket.destroyed) throw new SmtpStreamError('eof');
    const ok = this.#socket.write(data);
    this.lastIo = Date.now();
    if (ok) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new SmtpStreamError('timeout')), this.timeout * 1000);
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.#socket.off('drain', onDrain);
        this.#socket.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => finish();
      const onClose = () => finish(new SmtpStreamError('eof'));
      this.#socket.on('drain', onDrain);
      this.#socket.on('close', onClose);
    });
    this.lastIo = Date.now();
  }

  /**
   * Moves the stream onto `socket` (the TLS socket over the same
   * connection), dropping input read ahead in plaintext.
   */
  replaceSocket(socket: Socket): void {
    this.#detach(this.#socket);
    this.#socket = socket;
    this.#input = Buffer.alloc(0);
    this.#ended = false;
    this.#failure = null;
    this.#attach(socket);
  }

  /** Stops reading from the socket, so another user (TLS) can take it over. */
  release(): Socket {
    this.#detach(this.#socket);
    this.#input = Buffer.alloc(0);
    return this.#socket;
  }

  /** Ends the connection after pending output; destroys it if that takes too long. */
  close(): void {
    this.#ended = true;
    this.#detach(this.#socket);
    const socket = this.#socket;
    socket.on('error', () => {});
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.#ended = true;
    this.#detach(this.#socket);
    this.#socket.on('error', () => {});
    this.#socket.destroy();
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onEnd);
    socket.off('error', this.#onError);
  }

  async #skipToNewline(): Promise<void> {
    for (;;) {
      const nl = this.#input.indexOf(0x0a);
      if (nl >= 0) {
        this.#input = this.#input.subarray(nl + 1);
        return;
      }
      this.#input = Buffer.alloc(0);
      if (this.#ended) return;
      await this.#wait();
    }
  }

  #wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new SmtpStreamError('timeout'));
      }, this.timeout * 1000);
      this.#waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.resolve();
  }
}
