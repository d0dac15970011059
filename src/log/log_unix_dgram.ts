/**
 * log_unix_dgram: loads the optional unix-dgram addon, which gives Node the
 * unix datagram sockets syslog's /dev/log needs (node:dgram has only UDP).
 * It is an optionalDependency with a native build, so it may be missing or
 * fail to load; then loadUnixDgram() returns null and syslog goes over UDP.
 *
 * See: node_modules/unix-dgram/lib/unix_dgram.js
 */
import { createRequire } from 'node:module';

/** The part of a unix-dgram socket that affix uses. */
export interface UnixDgramSocket {
  bind(path: string): void;
  connect(path: string): void;
  /** On a connected socket: the callback gets an error (code 1 = congestion) or nothing. */
  send(buf: Buffer, callback: (err?: Error & { code?: string | number }) => void): void;
  close(): void;
  on(event: 'error', listener: (err: Error & { code?: string | number }) => void): this;
  on(event: 'message', listener: (buf: Buffer, rinfo: { size: number; path?: string }) => void): this;
  on(event: 'writable' | 'connect' | 'listening', listener: () => void): this;
  removeAllListeners(): this;
}

export interface UnixDgram {
  createSocket(type: 'unix_dgram', listener?: (buf: Buffer) => void): UnixDgramSocket;
}

/** The unix-dgram module, or null when it is not installed or its addon does not load. */
export function loadUnixDgram(): UnixDgram | null {
  try {
    const mod = createRequire(import.meta.url)('unix-dgram') as Partial<UnixDgram>;
    return typeof mod.createSocket === 'function' ? (mod as UnixDgram) : null;
  } catch {
    return null;
  }
}
