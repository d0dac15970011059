/**
 * smtpd_policy_client: the client side of Postfix's policy delegation
 * protocol. A request is `name=value` lines and an empty line; the answer is
 * `action=...` and an empty line. Each policy server named by
 * check_policy_service (`inet:host:port` or `unix:path`, a relative path
 * being under queue_directory, optionally `{ server, name=value ... }` with
 * per-server settings) gets a small pool of connections that are reused
 * until smtpd_policy_service_max_idle or _max_ttl. A failed exchange is
 * retried smtpd_policy_service_try_limit times, smtpd_policy_service_retry_delay
 * apart; then the caller falls back to smtpd_policy_service_default_action.
 *
 * Parameters: smtpd_policy_service_timeout, smtpd_policy_service_max_idle,
 *   smtpd_policy_service_max_ttl, smtpd_policy_service_try_limit,
 *   smtpd_policy_service_retry_delay, smtpd_policy_service_request_limit,
 *   smtpd_policy_service_default_action, smtpd_policy_service_policy_context, queue_directory
 * Diagnostics: `warning: problem talking to server X: reason`
 * Security: the answer is bounded (line_length_limit per line, 100 lines) and
 *   checked by the caller like an access table result
 * See: postfix/src/util/attr_clnt.c, postfix/src/smtpd/smtpd_check.c (policy_client_register,
 *      check_policy_service)
 */
import { connect, type Socket } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.ts';
import { convertTime } from '../config/param_types.ts';
import { strerror } from '../global/strerror.ts';
import type { Log } from '../log/log.ts';

export interface PolicyEndpoint {
  /** The text check_policy_service was given. */
  readonly spec: string;
  readonly server: string;
  readonly timeout: number;
  readonly maxIdle: number;
  readonly maxTtl: number;
  readonly tryLimit: number;
  readonly retryDelay: number;
  readonly requestLimit: number;
  readonly defaultAction: string;
  readonly policyContext: string;
}

interface Conn {
  readonly socket: Socket;
  readonly born: number;
  lastUsed: number;
  requests: number;
  buffer: string;
  dead: boolean;
}

const MAX_REPLY = 64 * 1024;

/** `%m`: the C library's words for a system error, else the message. */
function errorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined) return strerror(err as NodeJS.ErrnoException);
  return err instanceof Error ? err.message : String(err);
}

export class PolicyClients {
  readonly #endpoints = new Map<string, PolicyEndpoint>();
  readonly #pools = new Map<string, Conn[]>();
  readonly #config: Config;
  readonly #log: Log;

  constructor(config: Config, log: Log) {
    this.#config = config;
    this.#log = log;
  }

  /** Reads a check_policy_service argument (policy_client_register). */
  register(spec: string): void {
    if (this.#endpoints.has(spec)) return;
    const p = this.#config.params;
    const e = {
      spec,
      server: spec,
      timeout: p.smtpd_policy_service_timeout,
      maxIdle: p.smtpd_policy_service_max_idle,
      maxTtl: p.smtpd_policy_service_max_ttl,
      tryLimit: p.smtpd_policy_service_try_limit,
      retryDelay: p.smtpd_policy_service_retry_delay,
      requestLimit: p.smtpd_policy_service_request_limit,
      defaultAction: p.smtpd_policy_service_default_action,
      policyContext: p.smtpd_policy_service_policy_context,
    };
    if (spec.startsWith('{') && spec.endsWith('}')) {
      const words = spec
        .slice(1, -1)
        .split(/[\s,]+/)
        .filter((w) => w !== '');
      if (words.length === 0) this.#log.fatal(`empty policy service: "${spec}"`);
      e.server = words[0]!;
      for (const w of words.slice(1)) {
        const eq = w.indexOf('=');
        const [name, value] = [w.slice(0, eq), w.slice(eq + 1)];
        const time = (v: string) => convertTime(v, 's') ?? this.#log.fatal(`invalid ${name} value: ${v}`);
        if (name === 'timeout') e.timeout = time(value);
        else if (name === 'max_idle') e.maxIdle = time(value);
        else if (name === 'max_ttl') e.maxTtl = time(value);
        else if (name === 'retry_delay') e.retryDelay = time(value);
        else if (name === 'try_limit') e.tryLimit = Number(value);
        else if (name === 'request_limit') e.requestLimit = Number(value);
        else if (name === 'default_action') e.defaultAction = value;
        else if (name === 'policy_context') e.policyContext = value;
        else this.#log.fatal(`unknown attribute name: "${name}"`);
      }
    }
    this.#endpoints.set(spec, e);
  }

  endpoint(spec: string): PolicyEndpoint | undefined {
    return this.#endpoints.get(spec);
  }

  #open(e: PolicyEndpoint): Promise<Conn> {
    const [type, ...rest] = e.server.split(':');
    const target = rest.join(':');
    return new Promise((resolve, reject) => {
      let socket: Socket;
      if (type === 'unix') {
        const path = isAbsolute(target) ? target : join(this.#config.params.queue_directory, target);
        socket = connect({ path });
      } else if (type === 'inet') {
        const colon = target.lastIndexOf(':');
        const host = target.slice(0, colon).replace(/^\[|\]$/g, '');
        socket = connect({ host, port: Number(target.slice(colon + 1)) });
      } else {
        reject(new Error(`unsupported transport type: ${type}`));
        return;
      }
      const timer = setTimeout(() => socket.destroy(new Error('Connection timed out')), e.timeout * 1000);
      socket.once('connect', () => {
        clearTimeout(timer);
        const now = Date.now();
        const conn: Conn = { socket, born: now, lastUsed: now, requests: 0, buffer: '', dead: false };
        socket.setEncoding('utf8');
        socket.on('error', () => {
          conn.dead = true;
        });
        socket.on('close', () => {
          conn.dead = true;
        });
        resolve(conn);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Takes a live pooled connection or opens one. */
  async #take(e: PolicyEndpoint): Promise<Conn> {
    const pool = this.#pools.get(e.spec) ?? [];
    this.#pools.set(e.spec, pool);
    const now = Date.now();
    while (pool.length > 0) {
      const c = pool.pop()!;
      if (!c.dead && now - c.lastUsed < e.maxIdle * 1000 && now - c.born < e.maxTtl * 1000) return c;
      c.socket.destroy();
    }
    return this.#open(e);
  }

  #give(e: PolicyEndpoint, c: Conn): void {
    if (c.dead || (e.requestLimit > 0 && c.requests >= e.requestLimit)) {
      c.socket.destroy();
      return;
    }
    c.lastUsed = Date.now();
    c.socket.unref();
    this.#pools.get(e.spec)?.push(c);
  }

  async #exchange(e: PolicyEndpoint, c: Conn, request: string): Promise<Record<string, string>> {
    c.socket.ref();
    c.requests++;
    c.socket.write(request);
    return new Promise((resolve, reject) => {
      const done = (err: Error | null, result?: Record<string, string>) => {
        clearTimeout(timer);
        c.socket.off('data', onData);
        c.socket.off('close', onClose);
        if (err !== null) reject(err);
        else resolve(result!);
      };
      const timer = setTimeout(() => {
        c.dead = true;
        done(new Error('Connection timed out'));
      }, e.timeout * 1000);
      const onClose = () => done(new Error('Connection reset by peer'));
      const onData = (d: string) => {
        c.buffer += d;
        if (c.buffer.length > MAX_REPLY) {
          c.dead = true;
          done(new Error('reply too long'));
          return;
        }
        const end = c.buffer.startsWith('\n') ? 0 : c.buffer.indexOf('\n\n');
        if (end < 0) return;
        const block = c.buffer.slice(0, end);
        c.buffer = c.buffer.slice(end + (end === 0 ? 1 : 2));
        const attrs: Record<string, string> = {};
        for (const line of block.split('\n')) {
          const eq = line.indexOf('=');
          if (eq > 0) attrs[line.slice(0, eq)] = line.slice(eq + 1);
        }
        done(null, attrs);
      };
      c.socket.on('data', onData);
      c.socket.on('close', onClose);
    });
  }

  /**
   * Sends one request; resolves with the `action` value, or null when the
   * server could not be asked (after the warnings), so the caller uses the
   * default action.
   */
  async query(spec: string, attrs: readonly (readonly [string, string | number])[]): Promise<string | null> {
    const e = this.#endpoints.get(spec);
    if (e === undefined) throw new Error(`check_policy_service: no client endpoint for server ${spec}`);
    const request = `${attrs.map(([k, v]) => `${k}=${v}`).join('\n')}\n\n`;
    for (let attempt = 1; attempt <= Math.max(1, e.tryLimit); attempt++) {
      let c: Conn | null = null;
      try {
        c = await this.#take(e);
        const reply = await this.#exchange(e, c, request);
        this.#give(e, c);
        const action = reply['action'];
        if (action === undefined) throw new Error('missing action attribute');
        return action;
      } catch (err) {
        c?.socket.destroy();
        this.#log.warn(`problem talking to server ${e.server}: ${errorText(err)}`);
        if (attempt < e.tryLimit) await sleep(e.retryDelay * 1000);
      }
    }
    return null;
  }

  /** Closes pooled connections (on reload and stop). */
  close(): void {
    for (const pool of this.#pools.values()) for (const c of pool) c.socket.destroy();
    this.#pools.clear();
  }
}
