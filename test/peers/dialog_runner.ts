/**
 * dialog_runner: chamuyero-style SMTP dialog scripts, one verb a line:
 *   -> TEXT      send TEXT and CRLF
 *   ~> "JSON"    send raw bytes (a JSON string: "\n.\n", "\u0000")
 *   <- TEXT      the next reply line must be TEXT
 *   <~ REGEX     the next reply line must match REGEX
 *   <... REGEX   skip reply lines up to one matching REGEX
 *   sleep MS     wait
 *   starttls     start TLS on the connection (after a 220 reply; certificates not checked)
 *   # ...        comment
 * runDialog() plays a script on a socket and returns every reply line it
 * read and the first expectation that failed, so one script can run against
 * affix and Postfix and the two transcripts can be compared.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface DialogResult {
  /** Reply lines read, in order. */
  readonly lines: string[];
  /** The first failed expectation (line number and what was read), or null. */
  readonly failure: string | null;
}

class LineReader {
  #buffer = '';
  #closed = false;
  #waiter: (() => void) | null = null;

  constructor(socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.#buffer += d;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  async line(timeoutMs: number): Promise<string | null> {
    for (;;) {
      const nl = this.#buffer.indexOf('\r\n');
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 2);
        return line;
      }
      if (this.#closed) return null;
      const got = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!got) return null;
    }
  }
}

export interface DialogOptions {
  readonly host?: string;
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

export async function runDialog(port: number, script: string, o: DialogOptions = {}): Promise<DialogResult> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(
      { host: o.host ?? '127.0.0.1', port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  let reader = new LineReader(socket);
  let current: Socket = socket;
  const lines: string[] = [];
  const timeout = o.timeoutMs ?? 5000;
  let failure: string | null = null;
  const rows = script.split('\n');
  try {
    for (let n = 0; n < rows.length && failure === null; n++) {
      const row = rows[n]!.replace(/^\s+/, '');
      if (row === '' || row.startsWith('#')) continue;
      const [verb, ...rest] = row.split(' ');
      const arg = rest.join(' ');
      if (verb === '->') current.write(`${arg}\r\n`, 'latin1');
      else if (verb === '~>') current.write(Buffer.from(JSON.parse(arg) as string, 'latin1'));
      else if (verb === 'starttls') {
        socket.removeAllListeners('data');
        socket.removeAllListeners('close');
        const tls = tlsConnect({ socket, rejectUnauthorized: false });
        const ok = await new Promise<boolean>((resolve) => {
          tls.once('secureConnect', () => resolve(true));
          tls.once('error', () => resolve(false));
        });
        if (!ok) failure = `line ${n + 1}: TLS handshake failed`;
        current = tls;
        reader = new LineReader(tls);
      } else if (verb === 'sleep') await new Promise((r) => setTimeout(r, Number(arg)));
      else if (verb === '<-' || verb === '<~' || verb === '<...') {
        for (;;) {
          const line = await reader.line(timeout);
          if (line === null) {
            failure = `line ${n + 1}: ${row}: no reply (connection closed or timeout)`;
            break;
          }
          lines.push(line);
          const ok = verb === '<-' ? line === arg : new RegExp(arg).test(line);
          if (ok) break;
          if (verb !== '<...') {
            failure = `line ${n + 1}: ${row}: got ${JSON.stringify(line)}`;
            break;
          }
        }
      } else {
        failure = `line ${n + 1}: unknown verb ${verb}`;
      }
    }
  } finally {
    current.destroy();
    socket.destroy();
  }
  return { lines, failure };
}
