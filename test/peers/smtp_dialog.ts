/**
 * smtp_dialog: a scripted SMTP client for tests, on a real socket (plain,
 * STARTTLS or TLS from the start), optionally bound to a chosen loopback
 * address so a test can be a trusted or an untrusted client. It reads
 * replies whole (multi-line replies joined with `\n`), lets a test send raw
 * bytes (smuggling, pipelining), and closes in t.after().
 *
 *   const c = await smtpDialog(t, port, { localAddress: '127.0.0.5' });
 *   await c.expect(/^220 /);
 *   await c.send('EHLO client.example.org', /^250-/);
 *   await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export type ReplyPattern = string | RegExp;

export interface DialogOptions {
  readonly host?: string;
  readonly localAddress?: string;
  /** TLS from the first byte (wrapper mode, port 465). */
  readonly tls?: boolean;
  /** Milliseconds to wait for a reply (default 10000). */
  readonly timeout?: number;
}

export class SmtpDialog {
  #socket: Socket;
  #buffer = '';
  #closed = false;
  #waiter: (() => void) | null = null;
  readonly #timeout: number;
  /** Every reply read, in order. */
  readonly transcript: string[] = [];

  constructor(socket: Socket, timeout: number) {
    this.#socket = socket;
    this.#timeout = timeout;
    this.#listen(socket);
  }

  #listen(socket: Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.#buffer += d;
      this.#wake();
    });
    socket.on('end', () => this.#end());
    socket.on('close', () => this.#end());
    socket.on('error', () => this.#end());
  }

  #end(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  get socket(): Socket {
    return this.#socket;
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  async #more(what: string): Promise<void> {
    if (this.#closed)
      throw new Error(`connection closed while waiting for ${what}; buffer: ${JSON.stringify(this.#buffer)}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new Error(`timeout waiting for ${what}; buffer: ${JSON.stringify(this.#buffer)}`));
      }, this.#timeout);
      this.#waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The next reply, its lines joined with `\n` (without CRLF). */
  async reply(): Promise<string> {
    const lines: string[] = [];
    for (;;) {
      const nl = this.#buffer.indexOf('\r\n');
      if (nl < 0) {
        await this.#more('a reply');
        continue;
      }
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 2);
      lines.push(line);
      if (!/^\d{3}-/.test(line)) break;
    }
    const text = lines.join('\n');
    this.transcript.push(text);
    return text;
  }

  /** Reads a reply and asserts it: a string must be equal, a RegExp must match. */
  async expect(pattern: ReplyPattern): Promise<string> {
    const r = await this.reply();
    if (typeof pattern === 'string') assert.equal(r, pattern);
    else assert.match(r, pattern);
    return r;
  }

  /** Sends a line (CRLF added); with a pattern, reads and checks the reply. */
  async send(line: string, pattern?: ReplyPattern): Promise<string | undefined> {
    this.#socket.write(`${line}\r\n`, 'latin1');
    return pattern === undefined ? undefined : this.expect(pattern);
  }

  /** Sends bytes as they are. */
  raw(data: string | Buffer): void {
    this.#socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Bytes received and not read as replies yet. */
  get pending(): string {
    return this.#buffer;
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.#closed) await this.#more('the server to close');
  }

  /** After `220 Ready to start TLS`: the handshake, then replies come over TLS. */
  async startTls(options: { servername?: string } = {}): Promise<TLSSocket> {
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('end');
    plain.removeAllListeners('close');
    const tls = tlsConnect({ socket: plain, rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      tls.once('secureConnect', () => resolve());
      tls.once('error', reject);
    });
    this.#socket = tls;
    this.#listen(tls);
    return tls;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** Connects to an SMTP server on loopback; the socket is closed when the test ends. */
export async function smtpDialog(t: TestContext | null, port: number, o: DialogOptions = {}): Promise<SmtpDialog> {
  const host = o.host ?? '127.0.0.1';
  const socket: Socket = await new Promise((resolve, reject) => {
    const local = o.localAddress === undefined ? {} : { localAddress: o.localAddress };
    const s: Socket = o.tls
      ? tlsConnect({ host, port, ...local, rejectUnauthorized: false }, () => resolve(s))
      : connect({ host, port, ...local }, () => resolve(s));
    s.once('error', reject);
  });
  const dialog = new SmtpDialog(socket, o.timeout ?? 10_000);
  t?.after(() => dialog.close());
  return dialog;
}
