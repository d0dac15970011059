/**
 * smtp_script_server: a scripted SMTP/LMTP server on loopback, the remote
 * MX or relayhost of the smtp client's tests. Each answer can be chosen
 * per command and per recipient (250, 450, 550, 421, silence, hang-up),
 * STARTTLS runs with a certificate the test made, AUTH PLAIN/LOGIN checks
 * a user and password, and everything received is recorded: commands as
 * sent, and each message's envelope and exact DATA bytes (dot-stuffing
 * included) for smuggling checks.
 *
 *   const mx = await startScriptServer(t, { rcpt: (a) => a.startsWith('bad') ? '550 5.1.1 <' + a + '>: User unknown' : null });
 *   ... deliver to [127.0.0.1]:mx.port ...
 *   assert.deepEqual(mx.messages[0].rcpts, ['good@example.test']);
 *
 * Security: listens on 127.0.0.1 (or a given loopback address, or a UNIX socket) only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { TLSSocket } from 'node:tls';

/** A reply line (or lines joined by \n), `hang` (never answer anything again), or `close` (drop the connection). */
export type ScriptReply = string | 'hang' | 'close';

export interface ScriptOptions {
  /** Default `220 mx.test ESMTP`; `hang` sends nothing. */
  readonly greeting?: ScriptReply;
  readonly lmtp?: boolean;
  /** EHLO keywords after the first line; default PIPELINING, SIZE, 8BITMIME, DSN, SMTPUTF8, ENHANCEDSTATUSCODES. */
  readonly ehlo?: readonly string[];
  /** A reply to EHLO/LHLO instead of the keyword list (e.g. `502 5.5.1 Error: command not implemented`). */
  readonly ehloReply?: ScriptReply;
  readonly heloReply?: ScriptReply;
  readonly mail?: (sender: string, line: string) => ScriptReply | null;
  /** Per recipient; null: `250 2.1.5 Ok`. */
  readonly rcpt?: (address: string, line: string) => ScriptReply | null;
  readonly data?: () => ScriptReply | null;
  /** After the final dot; null: `250 2.0.0 Ok: queued as N`. LMTP: called once per accepted recipient. */
  readonly dot?: (message: ReceivedMessage, rcpt: string | null) => ScriptReply | null;
  readonly rset?: () => ScriptReply | null;
  /** Offer STARTTLS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  readonly starttlsReply?: ScriptReply;
  /** Offer AUTH with these mechanisms and accept only this user and password. */
  readonly auth?: { readonly user: string; readonly pass: string; readonly mechanisms?: readonly string[] };
  /** Listen on this UNIX socket path instead of TCP. */
  readonly path?: string;
  readonly host?: string;
  /** TCP port; default: any free one. */
  readonly port?: number;
  /** Answer STARTTLS with 220, then hang up instead of a TLS handshake. */
  readonly breakTls?: boolean;
}

export interface ReceivedMessage {
  readonly mailFrom: string;
  readonly rcpts: readonly string[];
  /** The DATA section exactly as received, without the final `.` line. */
  readonly raw: Buffer;
  /** Unstuffed content with CRLF line ends. */
  readonly content: string;
  readonly tls: boolean;
  readonly authUser: string | null;
}

export interface ScriptServer {
  readonly port: number;
  readonly path: string | null;
  /** Every command line received, per connection, in order. */
  readonly transcripts: string[][];
  /** The client address of each connection. */
  readonly peers: string[];
  readonly messages: ReceivedMessage[];
  readonly connections: number;
  close(): Promise<void>;
}

const DEFAULT_EHLO = ['PIPELINING', 'SIZE 10240000', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8'];

function unstuff(raw: Buffer): string {
  return raw
    .toString('latin1')
    .split('\r\n')
    .map((l) => (l.startsWith('.') ? l.slice(1) : l))
    .join('\r\n');
}

export async function startScriptServer(t: TestContext | null, o: ScriptOptions = {}): Promise<ScriptServer> {
  const transcripts: string[][] = [];
  const peers: string[] = [];
  const messages: ReceivedMessage[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let queued = 0;

  const server: Server = createServer((socket) => {
    connections++;
    peers.push(socket.remoteAddress ?? '');
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const transcript: string[] = [];
    transcripts.push(transcript);
    let io: Socket = socket;
    let buf = Buffer.alloc(0);
    let mode: 'cmd' | 'data' | 'auth-plain' | 'auth-login-user' | 'auth-login-pass' = 'cmd';
    let tls = false;
    let authUser: string | null = null;
    let loginUser = '';
    let mailFrom: string | null = null;
    let rcpts: string[] = [];
    let closed = false;

    const send = (reply: ScriptReply | null | undefined, fallback: string): boolean => {
      const r = reply ?? fallback;
      if (r === 'hang') {
        // A hung server reads on but never answers again.
        closed = true;
        return false;
      }
      if (r === 'close') {
        closed = true;
        io.destroy();
        return false;
      }
      const lines = r.split('\n');
      const code = lines[lines.length - 1]!.slice(0, 3);
      io.write(
        lines.map((l, i) => (i < lines.length - 1 && l[3] === ' ' ? `${code}-${l.slice(4)}` : l)).join('\r\n') + '\r\n',
      );
      return true;
    };

    const ehloLines = (name: string): string => {
      const kws = [...(o.ehlo ?? DEFAULT_EHLO)];
      if ((o.tls || o.breakTls) && !tls) kws.push('STARTTLS');
      if (o.auth) kws.push(`AUTH ${(o.auth.mechanisms ?? ['PLAIN', 'LOGIN']).join(' ')}`);
      return [`250 mx.test greets ${name}`, ...kws.map((k) => `250 ${k}`)].join('\n');
    };

    const onLine = (line: string) => {
      transcript.push(line);
      const upper = line.toUpperCase();
      if (mode === 'auth-plain' || mode === 'auth-login-user' || mode === 'auth-login-pass') {
        const text = Buffer.from(line, 'base64').toString('utf8');
        if (mode === 'auth-login-user') {
          loginUser = text;
          mode = 'auth-login-pass';
          send('334 UGFzc3dvcmQ6', '');
          return;
        }
        const [user, pass] = mode === 'auth-plain' ? text.split('\0').slice(1) : [loginUser, text];
        mode = 'cmd';
        if (o.auth && user === o.auth.user && pass === o.auth.pass) {
          authUser = user ?? null;
          send('235 2.7.0 Authentication successful', '');
        } else send('535 5.7.8 Error: authentication failed: authentication failure', '');
        return;
      }
      if (upper.startsWith('EHLO ') || upper.startsWith('LHLO ')) send(o.ehloReply ?? null, ehloLines(line.slice(5)));
      else if (upper.startsWith('HELO ')) send(o.heloReply ?? null, '250 mx.test');
      else if (upper === 'STARTTLS' && o.breakTls) {
        send('220 2.0.0 Ready to start TLS', '');
        closed = true;
        io.destroy();
      } else if (upper === 'STARTTLS' && o.tls && !tls) {
        if (!send(o.starttlsReply ?? null, '220 2.0.0 Ready to start TLS')) return;
        if ((o.starttlsReply ?? '220')[0] !== '2') return;
        socket.removeAllListeners('data');
        buf = Buffer.alloc(0);
        const secure = new TLSSocket(socket, { isServer: true, key: o.tls.key, cert: o.tls.cert });
        secure.on('error', () => {});
        secure.on('data', onData);
        io = secure;
        tls = true;
      } else if (upper.startsWith('AUTH ') && o.auth) {
        const [, mech, initial] = line.split(' ');
        if (mech?.toUpperCase() === 'PLAIN') {
          mode = 'auth-plain';
          if (initial !== undefined) onLine(initial);
          else send('334 ', '');
        } else if (mech?.toUpperCase() === 'LOGIN') {
          mode = 'auth-login-user';
          send('334 VXNlcm5hbWU6', '');
        } else send('504 5.5.4 Unsupported mechanism', '');
      } else if (upper.startsWith('MAIL FROM:')) {
        const sender = /<([^>]*)>/.exec(line)?.[1] ?? '';
        const r = o.mail?.(sender, line) ?? null;
        if (r === null || r.startsWith('2')) {
          mailFrom = sender;
          rcpts = [];
        }
        send(r, '250 2.1.0 Ok');
      } else if (upper.startsWith('RCPT TO:')) {
        const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
        const r = o.rcpt?.(address, line) ?? null;
        if (r === null || r.startsWith('2')) rcpts.push(address);
        send(r, '250 2.1.5 Ok');
      } else if (upper === 'DATA') {
        const r = o.data?.() ?? null;
        if (mailFrom === null || rcpts.length === 0) send('554 5.5.1 Error: no valid recipients', '');
        else if (send(r, '354 End data with <CR><LF>.<CR><LF>') && (r === null || r.startsWith('3'))) mode = 'data';
      } else if (upper === 'RSET') {
        mailFrom = null;
        rcpts = [];
        send(o.rset?.() ?? null, '250 2.0.0 Ok');
      } else if (upper === 'NOOP') send('250 2.0.0 Ok', '');
      else if (upper === 'QUIT') {
        send('221 2.0.0 Bye', '');
        io.end();
      } else send('502 5.5.2 Error: command not recognized', '');
    };

    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (!closed) {
        if (mode === 'data') {
          const start = buf.length >= 3 && buf.subarray(0, 3).toString() === '.\r\n' ? 0 : -1;
          const end = start === 0 ? 0 : buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const raw = start === 0 ? Buffer.alloc(0) : buf.subarray(0, end + 2);
          buf = buf.subarray(start === 0 ? 3 : end + 5);
          mode = 'cmd';
          const message: ReceivedMessage = {
            mailFrom: mailFrom ?? '',
            rcpts,
            raw,
            content: unstuff(raw),
            tls,
            authUser,
          };
          messages.push(message);
          if (o.lmtp) {
            for (const r of rcpts) send(o.dot?.(message, r) ?? null, `250 2.0.0 <${r}> ${++queued} Saved`);
          } else {
            send(o.dot?.(message, null) ?? null, `250 2.0.0 Ok: queued as Q${++queued}`);
          }
          mailFrom = null;
          rcpts = [];
          continue;
        }
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const line = buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
        buf = buf.subarray(nl + 1);
        const before = io;
        onLine(line);
        if (io !== before) return;
      }
    };
    socket.on('data', onData);
    send(o.greeting ?? null, o.lmtp ? '220 lmtp.test LMTP ready' : '220 mx.test ESMTP');
  });

  await new Promise<void>((resolve) => {
    if (o.path !== undefined) server.listen(o.path, resolve);
    else server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  const result: ScriptServer = {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    path: o.path ?? null,
    transcripts,
    peers,
    messages,
    get connections() {
      return connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  t?.after(() => result.close());
  return result;
}
