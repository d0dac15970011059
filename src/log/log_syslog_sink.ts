/**
 * log_syslog_sink: sends records to syslog as glibc's syslog(3) does for
 * Postfix (maillog_file empty): one RFC 3164 datagram
 * `<22>Nov  1 09:05:17 postfix/smtpd[12574]: text` per record, to the
 * unix datagram socket /dev/log when unix-dgram loads and /dev/log exists,
 * else over UDP to 127.0.0.1:514.
 *
 * The /dev/log socket is opened on demand and closed after idleMs without
 * records: unix-dgram's socket keeps Node's event loop alive, and a command
 * that logs must still exit. A record that meets a full socket buffer waits
 * (up to PENDING_LIMIT records) for the socket to drain, as syslog(3) would
 * block; a record /dev/log refuses goes over UDP instead.
 *
 * Parameters: syslog_facility
 * Security: sends only to /dev/log and to the loopback address 127.0.0.1
 * Standards: RFC 3164
 * See: postfix/src/util/msg_syslog.c, glibc misc/syslog.c
 */
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { type SyslogFacility, syslogPriority } from './log_facility.ts';
import { syslogDatagram } from './log_format.ts';
import type { LogRecord, LogSink, RotateResult } from './log_sink.ts';
import { StampCache, syslogStamp } from './log_time.ts';
import { loadUnixDgram, type UnixDgram, type UnixDgramSocket } from './log_unix_dgram.ts';

/** Records held while /dev/log is congested; more are dropped and counted. */
export const PENDING_LIMIT = 1000;

export interface SyslogSinkOptions {
  readonly syslog_facility: SyslogFacility;
  readonly clock?: () => number;
  /** The local syslog socket: '/dev/log' unless a test passes its own. */
  readonly path?: string;
  /** The UDP port on 127.0.0.1: 514 unless a test passes its own. */
  readonly port?: number;
  /** The unix-dgram module; default loadUnixDgram(), null forces UDP. */
  readonly unixDgram?: UnixDgram | null;
  /** Close /dev/log after this many idle milliseconds (default 500). */
  readonly idleMs?: number;
}

type SendError = (Error & { code?: string | number }) | null;

/** Sends on a connected unix-dgram socket; its callback runs before send() returns. */
function sendNow(sock: UnixDgramSocket, buf: Buffer): SendError {
  let result: SendError = null;
  sock.send(buf, (err) => {
    result = err ?? null;
  });
  return result;
}

export class SyslogSink implements LogSink {
  readonly #facility: SyslogFacility;
  readonly #clock: () => number;
  readonly #path: string;
  readonly #port: number;
  readonly #unixDgram: UnixDgram | null;
  readonly #idleMs: number;
  readonly #stamps = new StampCache(syslogStamp);
  #sock: UnixDgramSocket | null = null;
  #pending: Buffer[] = [];
  #lastUse = 0;
  #idleTimer: NodeJS.Timeout | null = null;
  #udp: Socket | null = null;
  #inflight = 0;
  #drained: (() => void) | null = null;
  #closed = false;
  #dropped = 0;

  constructor(options: SyslogSinkOptions) {
    this.#facility = options.syslog_facility;
    this.#clock = options.clock ?? Date.now;
    this.#path = options.path ?? '/dev/log';
    this.#port = options.port ?? 514;
    this.#idleMs = options.idleMs ?? 500;
    const mod = options.unixDgram === undefined ? loadUnixDgram() : options.unixDgram;
    this.#unixDgram = mod !== null && existsSync(this.#path) ? mod : null;
  }

  /** Records lost because /dev/log stayed congested. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Where records go: 'unix' (/dev/log) or 'udp' (127.0.0.1). */
  get transport(): 'unix' | 'udp' {
    return this.#unixDgram === null ? 'udp' : 'unix';
  }

  write(record: LogRecord): void {
    if (this.#closed) return;
    const priority = syslogPriority(this.#facility, record.level);
    const buf = Buffer.from(syslogDatagram(priority, this.#stamps.at(this.#clock()), record.line), 'utf8');
    if (this.#unixDgram !== null && this.#sendUnix(buf)) return;
    this.#sendUdp(buf);
  }

  /** Sends over /dev/log; false when /dev/log cannot take it (then UDP does). */
  #sendUnix(buf: Buffer): boolean {
    this.#lastUse = Date.now();
    if (this.#pending.length > 0) return this.#hold(buf);
    // A syslogd restart breaks the connection: reconnect once, as syslog(3) does.
    for (let attempt = 0; attempt < 2; attempt++) {
      const sock = this.#connect();
      if (sock === null) return false;
      const err = sendNow(sock, buf);
      if (err === null) return true;
      if (err.code === 1) return this.#hold(buf);
      this.#disconnect();
    }
    return false;
  }

  #hold(buf: Buffer): boolean {
    if (this.#pending.length >= PENDING_LIMIT) this.#dropped++;
    else this.#pending.push(buf);
    return true;
  }

  #connect(): UnixDgramSocket | null {
    if (this.#sock !== null) return this.#sock;
    if (this.#unixDgram === null) return null;
    let failed = false;
    let sock: UnixDgramSocket;
    try {
      sock = this.#unixDgram.createSocket('unix_dgram');
    } catch {
      return null;
    }
    sock.on('error', () => {
      failed = true;
    });
    sock.on('writable', () => this.#flush());
    sock.connect(this.#path);
    if (failed) {
      sock.removeAllListeners();
      sock.close();
      return null;
    }
    this.#sock = sock;
    this.#armIdle(this.#idleMs);
    return sock;
  }

  #disconnect(): void {
    const sock = this.#sock;
    if (sock === null) return;
    this.#sock = null;
    sock.removeAllListeners();
    try {
      sock.close();
    } catch {
      // already closed
    }
  }

  /** The socket drained: send what waited, in order. */
  #flush(): void {
    while (this.#pending.length > 0) {
      const sock = this.#sock;
      const buf = this.#pending[0]!;
      const err: SendError = sock === null ? new Error('not connected') : sendNow(sock, buf);
      if (err?.code === 1) return;
      this.#pending.shift();
      if (err !== null) this.#sendUdp(buf);
    }
  }

  #armIdle(ms: number): void {
    if (this.#idleTimer !== null) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#sock === null) return;
      const idle = Date.now() - this.#lastUse;
      if (this.#pending.length === 0 && idle >= this.#idleMs) this.#disconnect();
      else this.#armIdle(Math.max(1, this.#idleMs - idle));
    }, ms);
    this.#idleTimer.unref();
  }

  #sendUdp(buf: Buffer): void {
    let udp = this.#udp;
    if (udp === null) {
      udp = createSocket('udp4');
      udp.on('error', () => {
        // Nothing listens on the port, or the datagram was refused: syslog over UDP is lossy.
      });
      udp.unref();
      this.#udp = udp;
    }
    this.#inflight++;
    udp.send(buf, this.#port, '127.0.0.1', () => {
      if (--this.#inflight === 0 && this.#drained !== null) this.#drained();
    });
  }

  /** Drops the /dev/log connection; the next record connects again. */
  reopen(): void {
    if (this.#pending.length === 0) this.#disconnect();
  }

  rotate(): Promise<RotateResult> {
    return Promise.reject(new Error("empty 'maillog_file' parameter value - logfile rotation failed"));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#flush();
    this.#dropped += this.#pending.length;
    this.#pending = [];
    this.#disconnect();
    const udp = this.#udp;
    if (udp === null) return;
    this.#udp = null;
    if (this.#inflight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
}
