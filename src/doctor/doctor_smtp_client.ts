/**
 * doctor_smtp_client: the little SMTP client the doctor's live probes use
 * (the relay tricks, STARTTLS of a peer): connect, read the greeting, send
 * a command and read its (multi-line) reply, upgrade with STARTTLS and
 * report what the server's certificate and TLS session are. Every read has
 * a timeout; replies are bounded. It never sends DATA.
 *
 * Security: connects only where the caller says (tests: loopback); server
 *   text is bounded (512 bytes a line, 100 lines a reply) and never executed
 * Standards: RFC 5321 section 4.2 (replies), RFC 3207 (STARTTLS)
 */
import { connect, type Socket } from 'node:net';
import { type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
  /** The lines' texts (after the code) joined by a space. */
  readonly text: string;
}

export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
}

/** Parses `HOST:PORT`, `[v6]:PORT` or `HOST` (port 25); null when malformed. */
export function parseProbeTarget(text: string): ProbeTarget | null {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (v6 !== null) return { host: v6[1]!, port: v6[2] === undefined ? 25 : Number(v6[2]) };
  const m = /^([A-Za-z0-9._-]+)(?::(\d+))?$/.exec(text);
  if (m === null) return null;
  const port = m[2] === undefined ? 25 : Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!, port } : null;
}

export function formatReply(r: SmtpReply): string {
  return r.lines.length === 0 ? `${r.code}` : r.lines.map((l) => `${r.code} ${l}`.trimEnd()).join(' / ');
}

const MAX_LINE = 512;
const MAX_LINES = 100;

export interface TlsFacts {
  readonly protocol: string | null;
  readonly cipher: string;
  /** Why the chain did not verify against the system's CAs, or null when it did. */
  readonly authorizationError: string | null;
  readonly peerCertificate: PeerCertificate | null;
}

export class SmtpProbeClient {
  #socket: Socket | TLSSocket;
  #buffer = '';
  #waiting: (() => void) | null = null;
  #closed = false;
  #error: Error | null = null;
  readonly timeout: number;
  readonly target: ProbeTarget;

  private constructor(socket: Socket, target: ProbeTarget, timeout: number) {
    this.#socket = socket;
    this.target = target;
    this.timeout = timeout;
    this.#attach(socket);
  }

  /** Connects; rejects with the connect error (ECONNREFUSED ...) or a timeout. */
  static open(target: ProbeTarget, timeout = 10_000): Promise<SmtpProbeClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${target.host}:${target.port}: Connection timed out`));
      }, timeout);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new SmtpProbeClient(socket, target, timeout));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new Error(`connect to ${target.host}:${target.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`),
        );
      });
    });
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      if (this.#buffer.length < MAX_LINE * MAX_LINES) this.#buffer += d;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', (err) => {
      this.#error = err;
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiting;
    this.#waiting = null;
    w?.();
  }

  /** The address the connection went to. */
  get remoteAddress(): string {
    return this.#socket.remoteAddress ?? this.target.host;
  }

  /** Reads one reply; rejects on timeout or when the server hangs up first. */
  async reply(): Promise<SmtpReply> {
    const deadline = Date.now() + this.timeout;
    const lines: string[] = [];
    for (;;) {
      const nl = this.#buffer.indexOf('\n');
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).replace(/\r$/, '').slice(0, MAX_LINE);
        this.#buffer = this.#buffer.slice(nl + 1);
        const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
        if (m === null) throw new Error(`bad reply line from ${this.target.host}: ${line.slice(0, 80)}`);
        if (lines.length < MAX_LINES) lines.push(m[3]!);
        if (m[2] !== '-') return { code: Number(m[1]), lines, text: lines.join(' ') };
        continue;
      }
      if (this.#error !== null) throw this.#error;
      if (this.#closed) throw new Error(`lost connection with ${this.target.host} while waiting for a reply`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${this.timeout / 1000}s waiting for a reply from ${this.target.host}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends one command line and reads its reply. */
  async command(line: string): Promise<SmtpReply> {
    this.#socket.write(`${line}\r\n`, 'latin1');
    return this.reply();
  }

  /** STARTTLS, then the TLS handshake (certificates are examined, not trusted or refused). */
  async starttls(
    servername: string | undefined,
  ): Promise<{ reply: SmtpReply; tls: TlsFacts | null; error: string | null }> {
    const reply = await this.command('STARTTLS');
    if (reply.code !== 220) return { reply, tls: null, error: null };
    const plain = this.#socket as Socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    return new Promise((resolve) => {
      const tls = tlsConnect({
        socket: plain,
        servername: servername !== undefined && !/^[0-9.:]+$/.test(servername) ? servername : undefined,
        rejectUnauthorized: false,
      });
      const timer = setTimeout(() => {
        tls.destroy();
        resolve({ reply, tls: null, error: `TLS handshake timed out after ${this.timeout / 1000}s` });
      }, this.timeout);
      tls.once('secureConnect', () => {
        clearTimeout(timer);
        this.#socket = tls;
        this.#closed = false;
        this.#attach(tls);
        const err = tls.authorizationError;
        const cert = tls.getPeerCertificate(true);
        resolve({
          reply,
          error: null,
          tls: {
            protocol: tls.getProtocol(),
            cipher: tls.getCipher()?.name ?? '',
            authorizationError: err === null || err === undefined ? null : String(err),
            peerCertificate: cert !== undefined && Object.keys(cert).length > 0 ? cert : null,
          },
        });
      });
      tls.once('error', (err) => {
        clearTimeout(timer);
        resolve({ reply, tls: null, error: err.message });
      });
    });
  }

  /** Sends QUIT (without waiting long) and closes. */
  async close(): Promise<void> {
    if (!this.#closed && this.#error === null) {
      try {
        this.#socket.write('QUIT\r\n');
      } catch {
        // already gone
      }
    }
    this.#socket.destroy();
  }
}
