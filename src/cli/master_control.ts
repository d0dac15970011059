/**
 * master_control: the control socket through which `affix postfix status`,
 * `postqueue` and the other commands talk to a running daemon:
 * `$queue_directory/public/master`, one JSON request per line, one JSON
 * answer per line. Services add their own commands (showq, flush ...).
 *
 * Security: a UNIX-domain socket in the queue directory, mode 0660; requests
 *   are size-bounded and parsed as JSON only; unknown commands get an error
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { ControlHandler } from '../config/master_service.ts';

const MAX_REQUEST = 64 * 1024;

/** Path of the control socket of a queue directory. */
export function controlSocketPath(queueDirectory: string): string {
  return join(resolve(queueDirectory), 'public', 'master');
}

export class ControlServer {
  readonly path: string;
  readonly #handlers = new Map<string, ControlHandler>();
  readonly #server: Server;

  constructor(path: string) {
    this.path = path;
    this.#server = createServer((socket) => this.#serve(socket));
  }

  register(command: string, handler: ControlHandler): void {
    this.#handlers.set(command, handler);
  }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
    rmSync(this.path, { force: true }); // a socket left by a master that died
    await new Promise<void>((ok, fail) => {
      this.#server.once('error', fail);
      this.#server.listen(this.path, () => {
        this.#server.off('error', fail);
        ok();
      });
    });
    chmodSync(this.path, 0o660);
  }

  async close(): Promise<void> {
    await new Promise<void>((ok) => this.#server.close(() => ok()));
    rmSync(this.path, { force: true });
  }

  #serve(socket: Socket): void {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST) {
        socket.end(`${JSON.stringify({ ok: false, error: 'request too large' })}\n`);
        return;
      }
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      void this.#answer(line).then((answer) => {
        if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
      });
    });
  }

  async #answer(line: string): Promise<Record<string, unknown>> {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      return { ok: false, error: 'malformed request' };
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return { ok: false, error: 'malformed request' };
    }
    const command = (request as Record<string, unknown>)['command'];
    const handler = typeof command === 'string' ? this.#handlers.get(command) : undefined;
    if (handler === undefined) return { ok: false, error: `unknown command: ${String(command)}` };
    try {
      return await handler(request as Record<string, unknown>);
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
}

/** Sends one request to the daemon; rejects when none answers within `timeoutMs`. */
export function controlRequest(
  path: string,
  request: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  return new Promise((ok, fail) => {
    const socket = createConnection(path);
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error(`no answer from ${path}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.end();
      try {
        ok(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
      } catch (err) {
        fail(err);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
  });
}
