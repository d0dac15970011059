/**
 * policy_server: a Postfix policy delegation server for tests, on
 * 127.0.0.1 and an ephemeral port. Each request (name=value lines, an empty
 * line) is recorded and answered with `action=` what the test's function
 * returns; it keeps connections open for reuse, as Postfix's clients expect.
 *
 *   const policy = await startPolicyServer(t, (a) => (a['recipient'] === 'x@y' ? 'REJECT policy says no' : 'DUNNO'));
 *   main.cf: smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:${policy.port}, ...
 */
import { createServer, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export type PolicyDecision = (attrs: Readonly<Record<string, string>>) => string;

export interface PolicyServer {
  readonly port: number;
  /** Every request, attributes in the order received. */
  readonly requests: (readonly [string, string])[][];
  /** Connections accepted (reuse keeps this low). */
  connections: number;
  close(): Promise<void>;
}

export async function startPolicyServer(t: TestContext, decide: PolicyDecision): Promise<PolicyServer> {
  const requests: (readonly [string, string])[][] = [];
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (d: string) => {
      buffer += d;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end < 0) return;
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const pairs = block.split('\n').map((l) => {
          const eq = l.indexOf('=');
          return [l.slice(0, eq), l.slice(eq + 1)] as const;
        });
        requests.push(pairs);
        socket.write(`action=${decide(Object.fromEntries(pairs))}\n\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  return {
    port,
    requests,
    get connections() {
      return state.connections;
    },
    set connections(n: number) {
      state.connections = n;
    },
    close,
  };
}
