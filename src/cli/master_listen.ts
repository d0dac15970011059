/**
 * master_listen: binds the listening sockets of master.cf's inet services
 * before the services start, as Postfix's master does, so a taken port is
 * one clear fatal error: `bind 127.0.0.1 port 2525: Address already in use`.
 * Field 1 may be `port`, `host:port` or `[v6addr]:port`; a port may be a
 * service name (`smtp`, `submission`); without a host, inet_interfaces says
 * where to listen. Connections that arrive before the service has started
 * are held for it (holdConnections).
 *
 * Parameters: inet_interfaces, inet_protocols
 * See: postfix/src/master/master_ent.c, postfix/src/util/inet_listen.c
 */
import { readFileSync } from 'node:fs';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { strerror } from '../global/strerror.ts';

/** Ports Postfix knows without /etc/services (config_known_tcp_ports). */
const KNOWN_PORTS: Readonly<Record<string, number>> = {
  lmtp: 24,
  smtp: 25,
  smtps: 465,
  submissions: 465,
  submission: 587,
};

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export class ListenError extends Error {}

function servicePort(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const known = KNOWN_PORTS[name];
  if (known !== undefined) return known;
  try {
    for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
      const [svc, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (portProto?.endsWith('/tcp') && (svc === name || aliases.includes(name)))
        return Number.parseInt(portProto, 10);
    }
  } catch {
    // no /etc/services: only numbers and the known names work
  }
  throw new ListenError(`unknown service: ${name}/tcp`);
}

/** The addresses an inet service named `name` listens on. */
export function listenAddresses(
  name: string,
  inetInterfaces: readonly string[],
  inetProtocols: readonly string[],
): ListenAddress[] {
  const m = /^(?:\[([^\]]+)\]|(.*)):([^:]+)$/.exec(name);
  const host = m === null ? null : (m[1] ?? m[2] ?? '');
  const port = servicePort(m === null ? name : m[3]!);
  if (host !== null && host !== '') {
    if (isIP(host) === 0 && host !== 'localhost') throw new ListenError(`bad hostname or network address: ${name}`);
    return host === 'localhost' ? [{ host: '127.0.0.1', port }] : [{ host, port }];
  }
  const v4 = inetProtocols.some((p) => p === 'all' || p === 'ipv4');
  const v6 = inetProtocols.some((p) => p === 'all' || p === 'ipv6');
  const interfaces = inetInterfaces.map((i) => i.toLowerCase());
  if (interfaces.length === 0 || interfaces.includes('all')) {
    return [{ host: v6 ? '::' : '0.0.0.0', port }];
  }
  if (interfaces.includes('loopback-only')) {
    return [...(v4 ? [{ host: '127.0.0.1', port }] : []), ...(v6 ? [{ host: '::1', port }] : [])];
  }
  return interfaces.map((i) => ({ host: i.replace(/^\[|\]$/g, ''), port }));
}

/** Binds one listener; rejects with ListenError carrying Postfix's words. */
export function bindListener(address: ListenAddress): Promise<Server> {
  const server = createServer();
  return new Promise((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      fail(new ListenError(`bind ${address.host} port ${address.port}: ${strerror(err)}`));
    });
    server.listen({ host: address.host, port: address.port, ipv6Only: address.host !== '::', exclusive: true }, () =>
      ok(server),
    );
  });
}

/**
 * Holds the connections that arrive on `servers` before their service has
 * started: a listening socket accepts as soon as it is bound, and a
 * connection emitted before the service's own 'connection' handler is
 * attached would be left open and unanswered for good (seen in bench/smtpd
 * as 12 of 20 smtp-source sessions that never got a greeting). release()
 * drops the holder and hands each held connection to the handlers now
 * attached, in arrival order.
 */
export function holdConnections(servers: readonly Server[]): () => void {
  const held: [Server, Socket][] = [];
  const holders = servers.map((server) => {
    const holder = (socket: Socket) => {
      // A service that listens already has this connection; holding it too would give it a second session.
      if (server.listenerCount('connection') === 1) held.push([server, socket]);
    };
    server.on('connection', holder);
    return [server, holder] as const;
  });
  return () => {
    for (const [server, holder] of holders) server.off('connection', holder);
    for (const [server, socket] of held.splice(0)) server.emit('connection', socket);
  };
}
