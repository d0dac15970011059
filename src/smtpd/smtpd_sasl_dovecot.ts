/**
 * smtpd_sasl_dovecot: the client side of Dovecot's authentication protocol
 * (version 1), as Postfix's xsasl_dovecot speaks it over smtpd_sasl_path: a
 * handshake (VERSION, CPID; the server lists its MECHs and says DONE), then
 * one `AUTH id PLAIN service=... resp=...` per login, answered OK or FAIL.
 * smtpd collects PLAIN and LOGIN credentials itself and hands them over as
 * PLAIN. The connection is kept and reopened when it breaks.
 *
 * Parameters: smtpd_sasl_path (relative: under queue_directory), smtpd_sasl_service
 * Diagnostics: warnings `SASL: Connect to X failed: reason`, `SASL: protocol error`
 * Security: the password goes only to the local auth socket, base64-encoded
 *   as the protocol wants; nothing of it is logged
 * See: postfix/src/xsasl/xsasl_dovecot_server.c, Dovecot's doc/auth-protocol.txt
 */
import { connect, type Socket } from 'node:net';
import { isAbsolute, join } from 'node:path';
import type { Log } from '../log/log.ts';
import type { SaslBackend, SaslRequest, SaslVerdict } from './smtpd_sasl_backend.ts';

interface Conn {
  readonly socket: Socket;
  readonly mechs: readonly string[];
  buffer: string;
  waiters: Map<string, (line: string[]) => void>;
}

export class DovecotSasl implements SaslBackend {
  readonly #path: string;
  readonly #service: string;
  readonly #log: Log;
  #conn: Promise<Conn> | null = null;
  #nextId = 1;

  constructor(path: string, queueDirectory: string, service: string, log: Log) {
    this.#path = isAbsolute(path) ? path : join(queueDirectory, path);
    this.#service = service;
    this.#log = log;
  }

  #connect(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = connect({ path: this.#path });
      const conn: Conn = { socket, mechs: [], buffer: '', waiters: new Map() };
      const mechs: string[] = [];
      let handshake = true;
      socket.setEncoding('utf8');
      socket.on('error', (err) => {
        this.#conn = null;
        if (handshake) reject(err);
        for (const w of conn.waiters.values()) w(['FAIL', '', 'temp']);
      });
      socket.on('close', () => {
        this.#conn = null;
        for (const w of conn.waiters.values()) w(['FAIL', '', 'temp']);
      });
      socket.on('connect', () => socket.write(`VERSION\t1\t1\nCPID\t${process.pid}\n`));
      socket.on('data', (d: string) => {
        conn.buffer += d;
        for (;;) {
          const nl = conn.buffer.indexOf('\n');
          if (nl < 0) return;
          const fields = conn.buffer.slice(0, nl).split('\t');
          conn.buffer = conn.buffer.slice(nl + 1);
          if (handshake) {
            if (fields[0] === 'MECH' && fields[1] !== undefined) mechs.push(fields[1].toUpperCase());
            if (fields[0] === 'DONE') {
              handshake = false;
              resolve({ ...conn, mechs });
              Object.assign(conn, { mechs });
            }
          } else {
            const waiter = conn.waiters.get(fields[1] ?? '');
            if (waiter !== undefined) {
              conn.waiters.delete(fields[1] ?? '');
              waiter(fields);
            }
          }
        }
      });
    });
  }

  async #get(): Promise<Conn> {
    this.#conn ??= this.#connect().catch((err: unknown) => {
      this.#conn = null;
      throw err;
    });
    return this.#conn;
  }

  async mechanisms(): Promise<readonly string[]> {
    try {
      return (await this.#get()).mechs.filter((m) => m === 'PLAIN' || m === 'LOGIN');
    } catch (err) {
      this.#log.warn(`SASL: Connect to ${this.#path} failed: ${(err as Error).message}`);
      return [];
    }
  }

  async authenticate(r: SaslRequest): Promise<SaslVerdict> {
    let conn: Conn;
    try {
      conn = await this.#get();
    } catch (err) {
      this.#log.warn(`SASL: Connect to ${this.#path} failed: ${(err as Error).message}`);
      return { status: 'temp', reason: 'Connection lost to authentication server' };
    }
    const id = String(this.#nextId++);
    const resp = Buffer.from(`${r.authzid}\0${r.username}\0${r.password}`, 'utf8').toString('base64');
    const fields = [
      'AUTH',
      id,
      'PLAIN',
      `service=${this.#service}`,
      'nologin',
      `lip=${r.serverAddress}`,
      `rip=${r.clientAddress}`,
      ...(r.secured ? ['secured'] : []),
      `resp=${resp}`,
    ];
    const reply = await new Promise<string[]>((resolve) => {
      conn.waiters.set(id, resolve);
      conn.socket.write(`${fields.join('\t')}\n`);
    });
    const attrs = new Map(reply.slice(2).map((f) => [f.split('=')[0]!, f.slice(f.indexOf('=') + 1)]));
    if (reply[0] === 'OK') return { status: 'ok', username: attrs.get('user') ?? r.username };
    if (reply[0] === 'FAIL' && reply[2] === 'temp')
      return { status: 'temp', reason: 'Connection lost to authentication server' };
    if (reply[0] === 'FAIL')
      return { status: attrs.has('temp') ? 'temp' : 'fail', reason: attrs.get('reason') ?? '(reason unavailable)' };
    this.#log.warn(`SASL: protocol error: unexpected reply ${reply[0]}`);
    return { status: 'temp', reason: 'Connection lost to authentication server' };
  }

  close(): void {
    void this.#conn?.then((c) => c.socket.destroy()).catch(() => undefined);
    this.#conn = null;
  }
}
