/**
 * smtpd_stream: the client connection as smtpd reads and writes it. Input
 * is kept in a bounded buffer (the socket is paused above a high-water
 * mark), read as lines bounded by line_length_limit or as counted bytes
 * (BDAT); output is collected and written in one go when the server is
 * about to wait for input, so replies to a pipelined command group leave
 * together and a pipelining client never waits for a reply still in a
 * buffer. A read that waits longer than the timeout, and end of input,
 * reject with SessionEnd. STARTTLS discards buffered plaintext and swaps
 * the socket for a TLS one (CVE-2011-0411).
 *
 * Security: every byte from the network passes through here; the buffer
 *   holds at most HIGH_WATER bytes plus one socket read, whatever the peer sends
 * Standards: RFC 5321 section 2.3.8 (CRLF), RFC 2920 (pipelining), RFC 3207 section 4.2
 * See: postfix/src/global/smtp_stream.c (smtp_get), postfix/src/util/vstream.c
 */
import type { Socket } from 'node:net';
import { TLSSocket, type TLSSocketOptions } from 'node:tls';

/** Bytes buffered before the socket is paused. */
const HIGH_WATER = 64 * 1024;

/** Why a session ends without QUIT: Postfix's "reason" words. */
export type EndReason = 'timeout' | 'lost connection';

/** Thrown by reads when the client is gone or too slow. */
export class SessionEnd extends Error {
  readonly reason: EndReason;
  constructor(reason: EndReason) {
    super(reason);
    this.name = 'SessionEnd';
    this.reason = reason;
  }
}

/** One line as smtp_get() returns it. */
export interface GotLine {
  /** The line without its terminator (CRLF, or a bare LF). */
  readonly data: Buffer;
  /** True when the line ended in LF; false when it was cut at the length bound. */
  readonly complete: boolean;
  /** The line ended in a bare LF (only reported when bare LF detection is on). */
  readonly bareLf: boolean;
}

/**
 * The line that ends with the LF at index `lf` of `buf` (or at its end),
 * its CR stripped as getLine() describes: with `detectBareLf`, exactly one
 * CR, and a line without one is reported as ending in a bare LF; otherwise
 * every CR before the LF. One view of `buf`, no copy.
 */
export function lineBefore(buf: Buffer, lf: number, detectBareLf: boolean): GotLine {
  let end = lf;
  let bareLf = false;
  if (detectBareLf) {
    if (end === 0 || buf[end - 1] !== 13) bareLf = true;
    else end--;
  } else {
    while (end > 0 && buf[end - 1] === 13) end--;
  }
  return { data: buf.subarray(0, end), complete: true, bareLf };
}

export interface StreamTimes {
  /** Seconds a read may wait for input (smtpd_timeout). */
  timeout: number;
}

export class SmtpdStream {
  #socket: Socket;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #eof = false;
  #broken = false;
  #paused = false;
  #waiter: (() => void) | null = null;
  #out: string[] = [];
  #lastIo = Date.now();
  readonly times: StreamTimes;
  /** Bytes read from the client in all. */
  bytesIn = 0;
  readonly #onData = (chunk: Buffer) => this.#data(chunk);
  readonly #onEnd = () => this.#end();
  readonly #onError = () => {
    this.#broken = true;
    this.#end();
  };

  constructor(socket: Socket, times: StreamTimes) {
    this.#socket = socket;
    this.times = times;
    this.#attach(socket);
  }

  get socket(): Socket {
    return this.#socket;
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

  #data(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.bytesIn += chunk.length;
    this.#lastIo = Date.now();
    if (this.#buffered >= HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    this.#wake();
  }

  #end(): void {
    this.#eof = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  /** Bytes received and not yet read. */
  get pending(): number {
    return this.#buffered;
  }

  /** The first `n` unread bytes, without consuming them. */
  peek(n: number): Buffer {
    const parts: Buffer[] = [];
    let want = n;
    for (const c of this.#chunks) {
      if (want <= 0) break;
      parts.push(c.subarray(0, want));
      want -= c.length;
    }
    return Buffer.concat(parts);
  }

  /** True when the peer has closed its side or the connection broke. */
  get closed(): boolean {
    return this.#eof;
  }

  /** Drops the first `n` unread bytes, which all lie in the first chunk. */
  #skipInFirst(n: number): void {
    const c = this.#chunks[0]!;
    if (c.length === n) this.#chunks.shift();
    else this.#chunks[0] = c.subarray(n);
    this.#buffered -= n;
    this.#resumeIfDrained();
  }

  #resumeIfDrained(): void {
    if (this.#paused && this.#buffered < HIGH_WATER / 2) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #take(n: number): Buffer {
    const parts: Buffer[] = [];
    while (n > 0 && this.#chunks.length > 0) {
      const c = this.#chunks[0]!;
      if (c.length <= n) {
        parts.push(c);
        this.#chunks.shift();
        n -= c.length;
        this.#buffered -= c.length;
      } else {
        parts.push(c.subarray(0, n));
        this.#chunks[0] = c.subarray(n);
        this.#buffered -= n;
        n = 0;
      }
    }
    this.#resumeIfDrained();
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Index of the first LF among the first `limit` unread bytes, or -1. */
  #findLf(limit: number): number {
    let offset = 0;
    for (const c of this.#chunks) {
      const room = limit - offset;
      if (room <= 0) return -1;
      const at = c.indexOf(10);
      if (at >= 0 && at < room) return offset + at;
      offset += c.length;
    }
    return -1;
  }

  /** Waits for more input (flushing replies first); throws SessionEnd at EOF or timeout. */
  async #wait(): Promise<void> {
    if (this.#eof) throw new SessionEnd('lost connection');
    this.flush();
    const timeout = this.times.timeout * 1000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new SessionEnd('timeout'));
      }, timeout);
      this.#waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Reads one line of at most `bound` bytes (smtp_get). A line cut at the
   * bound is returned incomplete; with `skip`, the rest of it up to the next
   * LF is read and thrown away. `detectBareLf` reports bare LF endings and
   * strips exactly one CR before LF; otherwise all CRs before LF go.
   */
  async getLine(bound: number, skip: boolean, detectBareLf: boolean): Promise<GotLine> {
    let lf = this.#findLf(bound);
    while (lf < 0 && this.#buffered < bound) {
      await this.#wait();
      lf = this.#findLf(bound);
    }
    if (lf >= 0) return this.#completeLine(lf, detectBareLf);
    let data = this.#take(bound);
    // Stopped in the middle of CRLF: take the LF too.
    if (data[data.length - 1] === 13) {
      while (this.#buffered === 0) await this.#wait();
      if (this.peek(1)[0] === 10) {
        this.#take(1);
        data = data.subarray(0, data.length - 1);
        return { data, complete: true, bareLf: false };
      }
    }
    if (skip) await this.#skipLine();
    return { data, complete: false, bareLf: false };
  }

  /**
   * getLine() without waiting: the next line when all of it (at most `bound`
   * bytes and its LF) is already buffered, else null. Message content comes
   * many lines to a read; taking them here spares a promise per line.
   */
  tryLine(bound: number, detectBareLf: boolean): GotLine | null {
    const lf = this.#findLf(bound);
    return lf < 0 ? null : this.#completeLine(lf, detectBareLf);
  }

  /**
   * Takes the line whose LF is at `lf`, its line end stripped (lineBefore).
   * A line within the first chunk, the usual case, is a view of it.
   */
  #completeLine(lf: number, detectBareLf: boolean): GotLine {
    const first = this.#chunks[0]!;
    if (lf < first.length) {
      const line = lineBefore(first, lf, detectBareLf);
      this.#skipInFirst(lf + 1);
      return line;
    }
    return lineBefore(this.#take(lf + 1), lf, detectBareLf);
  }

  /** Discards input up to and including the next LF, holding at most one buffer at a time. */
  async #skipLine(): Promise<void> {
    for (;;) {
      const lf = this.#findLf(this.#buffered);
      if (lf >= 0) {
        this.#take(lf + 1);
        return;
      }
      this.#take(this.#buffered);
      await this.#wait();
    }
  }

  /** Reads up to `n` bytes (at least one), as BDAT content arrives. */
  async getBytes(n: number): Promise<Buffer> {
    while (this.#buffered === 0) await this.#wait();
    return this.#take(Math.min(n, this.#buffered));
  }

  /** Queues one reply line (CRLF added); nothing is written before flush(). */
  write(line: string): void {
    this.#out.push(line, '\r\n');
  }

  /** Writes all queued output. */
  flush(): void {
    if (this.#out.length === 0) return;
    const text = this.#out.join('');
    this.#out = [];
    this.#lastIo = Date.now();
    if (this.#broken || this.#socket.destroyed) return;
    this.#socket.write(text);
  }

  /** Seconds since input last arrived or output last left. */
  get idleSeconds(): number {
    return (Date.now() - this.#lastIo) / 1000;
  }

  /** Throws away everything received and not read (vstream_fpurge before a TLS handshake). */
  purgeInput(): number {
    const dropped = this.#buffered;
    this.#chunks.length = 0;
    this.#buffered = 0;
    return dropped;
  }

  /**
   * Flushes output, discards buffered plaintext, and continues over TLS.
   * Resolves with the TLS socket once the handshake is done; rejects with
   * the handshake error (or SessionEnd on timeout / lost connection).
   */
  async startTls(options: TLSSocketOptions, timeoutSeconds: number): Promise<TLSSocket> {
    this.flush();
    this.purgeInput();
    const plain = this.#socket;
    this.#detach(plain);
    // A handshake flight and a TLS record may take several writes: none may wait for an ACK (Nagle).
    plain.setNoDelay(true);
    if (this.#paused) {
      this.#paused = false;
      plain.resume();
    }
    const tls = new TLSSocket(plain, { ...options, isServer: true });
    this.#socket = tls;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new SessionEnd('timeout'));
      }, timeoutSeconds * 1000);
      const onSecure = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onClose = () => {
        cleanup();
        reject(new SessionEnd('lost connection'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        tls.off('secure', onSecure);
        tls.off('error', onError);
        tls.off('close', onClose);
      };
      tls.once('secure', onSecure);
      tls.once('error', onError);
      tls.once('close', onClose);
    });
    this.#eof = false;
    this.#attach(tls);
    return tls;
  }

  /** Wraps an accepted TLS socket (wrapper mode) the same way. */
  adoptTls(tls: TLSSocket): void {
    this.#detach(this.#socket);
    this.#socket = tls;
    this.#attach(tls);
  }

  /** Flushes, then closes the connection (after the last reply). */
  close(): void {
    this.flush();
    this.#detach(this.#socket);
    this.#socket.on('error', () => {});
    this.#socket.end();
    this.#socket.destroySoon?.();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#detach(this.#socket);
    this.#socket.on('error', () => {});
    this.#socket.destroy();
  }
}
