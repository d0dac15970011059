/**
 * dns_transport: one question, one answer. Sends a query over UDP to each
 * server in turn, `tries` rounds of `timeout` ms each, as res_send() does;
 * asks again over TCP when the UDP answer is truncated. A server that answers
 * SERVFAIL, REFUSED or NOTIMP, or cannot be reached, is skipped for the next.
 *
 * Security: answers are untrusted network input. A UDP socket per server is
 *   connected to it, so datagrams from other hosts are dropped by the kernel;
 *   the query ID is random (16 bits) and the source port ephemeral; an answer
 *   counts only with the right ID, the QR bit, and the question asked. TCP
 *   answers are bounded by their 16-bit length.
 * Added for DANE (issue 7): `dnssec` asks for DNSSEC-validated answers (AD
 *   and the EDNS0 DO bit, RFC 6840 section 5.7); the caller reads `ad` of the
 *   answer, set only when the (validating, trusted) resolver vouches for it;
 *   TLSA may be asked for besides the DnsType's.
 * Standards: RFC 1035 sections 4.2.1 and 4.2.2, RFC 7766 (TCP fallback)
 * See: glibc res_send.c (send_dg, send_vc)
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createConnection } from 'node:net';
import * as packet from 'dns-packet';
import { strerror } from '../global/strerror.ts';
import { decodePacket } from './dns_packet_check.ts';
import type { DnsType } from './dns_rr.ts';
import { type DnsServer, formatDnsServer as show } from './dns_servers.ts';

export interface DnsTransportOptions {
  readonly servers: readonly DnsServer[];
  /** Milliseconds to wait for each server on each try. */
  readonly timeout: number;
  /** Rounds over all servers. */
  readonly tries: number;
  /** Added for DANE (issue 7): set AD and DO in the query (RFC 6840 section 5.7, RFC 3225). */
  readonly dnssec?: boolean;
}

/** The types a query may ask for: affix's DnsType, and TLSA (RFC 6698) for DANE. */
export type DnsQueryType = DnsType | 'TLSA';

export type DnsTransportError = 'timeout' | 'network' | 'servfail' | 'refused' | 'notimp' | 'malformed';

export type DnsExchange =
  | {
      readonly kind: 'answer';
      readonly packet: packet.DecodedPacket;
      readonly rcode: number;
      readonly tcp: boolean;
      /** The AD bit: the resolver validated the answer with DNSSEC. */
      readonly ad?: boolean;
    }
  | { readonly kind: 'error'; readonly error: DnsTransportError; readonly detail: string };

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

const SKIP_RCODES: Readonly<Record<number, DnsTransportError>> = {
  [RCODE.SERVFAIL]: 'servfail',
  [RCODE.NOTIMP]: 'notimp',
  [RCODE.REFUSED]: 'refused',
};

type UdpEvent = { kind: 'reply'; buf: Buffer; server: DnsServer } | { kind: 'error'; server: DnsServer; err: Error };

/** Asks the servers for name/type and returns the first usable answer, or why there is none. */
export async function dnsExchange(name: string, type: DnsQueryType, o: DnsTransportOptions): Promise<DnsExchange> {
  const id = randomInt(0, 65536);
  const query = packet.encode({
    id,
    type: 'query',
    flags: packet.RECURSION_DESIRED | (o.dnssec ? packet.AUTHENTIC_DATA : 0),
    questions: [{ name, type, class: 'IN' }],
    ...(o.dnssec
      ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK } as packet.Answer] }
      : {}),
  });
  const udp = new UdpExchange(id);
  let last: DnsExchange = { kind: 'error', error: 'timeout', detail: 'no server to ask' };
  try {
    for (let attempt = 0; attempt < o.tries; attempt++) {
      for (const server of o.servers) {
        udp.send(server, query);
        const [reply, from] = await udpAnswer(udp, server, Date.now() + o.timeout, id, name, type);
        if (reply.kind === 'error') {
          if (reply.error === 'malformed') return reply;
          last = reply;
          continue;
        }
        const skip = SKIP_RCODES[reply.rcode];
        if (skip !== undefined) {
          last = { kind: 'error', error: skip, detail: `${show(from)} answered ${skip.toUpperCase()}` };
          continue;
        }
        if (!reply.packet.flag_tc) return reply;
        const viaTcp = await tcpExchange(from, query, id, name, type, o.timeout);
        if (viaTcp.kind === 'answer' && SKIP_RCODES[viaTcp.rcode] === undefined) return viaTcp;
        last = viaTcp;
      }
    }
    return last;
  } finally {
    udp.close();
  }
}

/** The first answer to our question within the deadline, and the server it came from. */
async function udpAnswer(
  udp: UdpExchange,
  server: DnsServer,
  deadline: number,
  id: number,
  name: string,
  type: DnsQueryType,
): Promise<[DnsExchange, DnsServer]> {
  for (;;) {
    const event = await udp.next(server, deadline);
    if (event === null) return [{ kind: 'error', error: 'timeout', detail: `no answer from ${show(server)}` }, server];
    if (event.kind === 'error') {
      return [{ kind: 'error', error: 'network', detail: `${show(server)}: ${strerror(event.err)}` }, server];
    }
    const reply = checkReply(event.buf, id, name, type);
    if (reply !== null) return [reply, event.server];
  }
}

/** The decoded answer if it answers our question; null for a stray datagram. */
function checkReply(buf: Buffer, id: number, name: string, type: DnsQueryType): DnsExchange | null {
  const result = decodePacket(buf);
  if ('problem' in result) return { kind: 'error', error: 'malformed', detail: result.problem };
  const decoded = result.packet;
  const q = decoded.questions?.[0];
  if (
    decoded.id !== id ||
    !decoded.flag_qr ||
    q === undefined ||
    q.type !== type ||
    q.name.toLowerCase() !== name.toLowerCase()
  )
    return null;
  const flags = decoded.flags ?? 0;
  return { kind: 'answer', packet: decoded, rcode: flags & 0xf, tcp: false, ad: (flags & packet.AUTHENTIC_DATA) !== 0 };
}

/** UDP sockets for one query, one per server, kept across tries so a late answer still counts. */
class UdpExchange {
  readonly #id: number;
  readonly #sockets = new Map<DnsServer, Socket>();
  readonly #queue: UdpEvent[] = [];
  #wake: (() => void) | null = null;

  constructor(id: number) {
    this.#id = id;
  }

  send(server: DnsServer, query: Buffer): void {
    let socket = this.#sockets.get(server);
    if (socket === undefined) {
      socket = createSocket(server.family === 6 ? 'udp6' : 'udp4');
      this.#sockets.set(server, socket);
      socket.on('message', (buf) => {
        // Header check only: ID and QR bit. The question is checked after decoding.
        if (buf.length >= 12 && buf.readUInt16BE(0) === this.#id && (buf[2]! & 0x80) !== 0) {
          this.#push({ kind: 'reply', buf, server });
        }
      });
      socket.on('error', (err) => this.#push({ kind: 'error', server, err }));
      socket.connect(server.port, server.host, () => socket?.send(query));
    } else {
      socket.send(query);
    }
  }

  /** The next reply from any server, or an error from `server`; null at `deadline` (ms since the epoch). */
  async next(server: DnsServer, deadline: number): Promise<UdpEvent | null> {
    for (;;) {
      const i = this.#queue.findIndex((e) => e.kind === 'reply' || e.server === server);
      if (i >= 0) return this.#queue.splice(i, 1)[0]!;
      this.#queue.length = 0; // errors of servers already given up on
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  close(): void {
    for (const socket of this.#sockets.values()) {
      socket.removeAllListeners('message');
      socket.on('error', () => {});
      socket.close();
    }
  }

  #push(event: UdpEvent): void {
    this.#queue.push(event);
    this.#wake?.();
  }
}

/** The same query over TCP (RFC 1035 section 4.2.2: a 2-byte length before each message). */
function tcpExchange(
  server: DnsServer,
  query: Buffer,
  id: number,
  name: string,
  type: DnsQueryType,
  timeout: number,
): Promise<DnsExchange> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: server.host, port: server.port });
    let buffered = Buffer.alloc(0);
    let finished = false;
    const done = (result: DnsExchange) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ kind: 'error', error: 'timeout', detail: `no TCP answer from ${show(server)}` }),
      timeout,
    );
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      socket.write(Buffer.concat([len, query]));
    });
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      const reply = checkReply(buffered.subarray(2, 2 + buffered.readUInt16BE(0)), id, name, type);
      if (reply === null)
        done({ kind: 'error', error: 'malformed', detail: `${show(server)}: TCP answer to another question` });
      else done(reply.kind === 'answer' ? { ...reply, tcp: true } : reply);
    });
    socket.on('error', (err) => done({ kind: 'error', error: 'network', detail: `${show(server)}: ${strerror(err)}` }));
    socket.on('end', () => done({ kind: 'error', error: 'network', detail: `${show(server)}: TCP connection closed` }));
  });
}
