/**
 * dns_server: a real authoritative DNS server for tests, on 127.0.0.1 and one
 * ephemeral port (UDP and TCP), built on dns-packet. Zones are data; a name
 * can misbehave on purpose (NXDOMAIN, SERVFAIL, REFUSED, silence, a slow or
 * truncated answer, a garbled packet), and every question asked is logged.
 *
 *   const dns = await startDnsServer(t, {
 *     zone: {
 *       'example.test': { MX: [[10, 'mx.example.test']], TXT: ['v=spf1 -all'] },
 *       'mx.example.test': { A: ['192.0.2.10'] },
 *       'nullmx.test': { MX: [[0, '.']] },
 *       'flaky.test': { fault: 'servfail' },
 *       'slow.test': { A: ['192.0.2.1'], delay: 300 },
 *     },
 *   });
 *   const resolver = new DnsResolver({ servers: dns.servers });
 *
 * A name missing from the zone is NXDOMAIN (NODATA when it is the parent of a
 * name in the zone); a name without records of the asked type is NODATA.
 * Negative answers carry an SOA whose minimum is `negativeTtl`.
 *
 * Added for email authentication (issue 7): `host` and `port` place the
 * server elsewhere on loopback (port 53 for tools that only read
 * /etc/resolv.conf, as root); `authenticData` sets the AD bit, as a
 * validating resolver does for a signed zone, except on names marked
 * `insecure`; TLSA records for DANE.
 * Security: listens on 127.0.0.0/8 only.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { TestContext } from 'node:test';
import * as packet from 'dns-packet';

export type DnsServerType = 'A' | 'AAAA' | 'MX' | 'PTR' | 'TXT' | 'CNAME' | 'SOA' | 'NS' | 'TLSA' | 'SRV';

/**
 * How a name misbehaves: an error rcode, `drop` (no answer: the client times
 * out), or `malformed` (an answer whose records cannot be parsed).
 */
export type DnsFault = 'nxdomain' | 'servfail' | 'refused' | 'formerr' | 'notimp' | 'drop' | 'malformed';

/** The records of one name, and how the server treats questions about it. */
export interface DnsNode {
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
  /** [preference, exchange]; exchange `.` makes a null MX (RFC 7505). */
  readonly MX?: readonly (readonly [number, string])[];
  readonly PTR?: readonly string[];
  /** One TXT record per entry: a string (split into 255-byte chunks when longer) or explicit chunks. */
  readonly TXT?: readonly (string | readonly string[])[];
  readonly CNAME?: string;
  /** [usage, selector, matching type, data in hex] (RFC 6698). */
  readonly TLSA?: readonly (readonly [number, number, number, string])[];
  /** With `authenticData`: answers about this name come without AD (an unsigned zone). */
  readonly insecure?: boolean;
  /** TTL of this name's records; default the server's `ttl`. */
  readonly ttl?: number;
  /** A fault for every question about this name, or per type. */
  readonly fault?: DnsFault | Partial<Record<DnsServerType, DnsFault>>;
  /** Milliseconds to wait before answering. */
  readonly delay?: number;
  /** UDP answers come back empty with TC set, so the client must ask again over TCP. */
  readonly truncate?: boolean;
}

export type DnsZone = Readonly<Record<string, DnsNode>>;

export interface DnsServerOptions {
  readonly zone?: DnsZone;
  /** Default TTL of records, seconds (300). */
  readonly ttl?: number;
  /** SOA minimum (and TTL) in NXDOMAIN/NODATA answers; null: no SOA at all (60). */
  readonly negativeTtl?: number | null;
  /** Loopback address to listen on (127.0.0.1). */
  readonly host?: string;
  /** Port for UDP and TCP (ephemeral). */
  readonly port?: number;
  /** Set AD in answers (a validating resolver vouching for them), except for `insecure` names. */
  readonly authenticData?: boolean;
}

/** One question the server received. */
export interface DnsQueryLog {
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
}

export interface DnsServer {
  readonly host: string;
  readonly port: number;
  /** The server in the form affix_dns_servers and DnsResolver take: `['127.0.0.1:PORT']`. */
  readonly servers: readonly string[];
  /** Every question received, in order. */
  readonly queries: readonly DnsQueryLog[];
  /** Questions about `name` (any case), optionally of one type. */
  queriesFor(name: string, type?: string): DnsQueryLog[];
  clearQueries(): void;
  /** Adds or replaces a name (null removes it). */
  set(name: string, node: DnsNode | null): void;
  close(): Promise<void>;
}

/** Largest UDP answer without EDNS0 (RFC 1035 section 4.2.1). */
const UDP_LIMIT = 512;
const CNAME_CHAIN_LIMIT = 8;

const RCODE = { nxdomain: 3, servfail: 2, refused: 5, formerr: 1, notimp: 4 } as const;

const norm = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** Starts a server; with a test context it is closed in t.after(). */
export async function startDnsServer(t: TestContext | null, options: DnsServerOptions = {}): Promise<DnsServer> {
  const zone = new Map<string, DnsNode>();
  for (const [name, node] of Object.entries(options.zone ?? {})) zone.set(norm(name), node);
  const ttl = options.ttl ?? 300;
  const negativeTtl = options.negativeTtl === undefined ? 60 : options.negativeTtl;
  const queries: DnsQueryLog[] = [];
  const host = options.host ?? '127.0.0.1';
  if (!host.startsWith('127.')) throw new Error(`dns_server: ${host} is not a loopback address`);
  const { udp, tcp, port } = await bindBoth(host, options.port ?? 0);
  const timers = new Set<NodeJS.Timeout>();
  const tcpClients = new Set<TcpSocket>();
  let closed = false;

  /** Builds the answer to one query, or null to stay silent. */
  async function answer(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | null> {
    let q: packet.DecodedPacket;
    try {
      q = packet.decode(query);
    } catch {
      return null;
    }
    const question = q.questions?.[0];
    if (question === undefined) return null;
    const name = norm(question.name);
    queries.push({ name, type: question.type, transport });
    const node = zone.get(name);
    const fault =
      node?.fault === undefined
        ? undefined
        : typeof node.fault === 'string'
          ? node.fault
          : node.fault[question.type as DnsServerType];
    if (node?.delay) await sleep(node.delay, timers);
    if (fault === 'drop') return null;
    const base = { id: q.id ?? 0, type: 'response' as const, questions: [question] };
    const ad = options.authenticData === true && node?.insecure !== true ? packet.AUTHENTIC_DATA : 0;
    const flags = packet.AUTHORITATIVE_ANSWER | ((q.flags ?? 0) & packet.RECURSION_DESIRED) | ad;
    if (fault === 'malformed') return malformed(q.id ?? 0, question);
    if (fault !== undefined) return packet.encode({ ...base, flags: flags | RCODE[fault] });
    const result = resolve(name, question.type as DnsServerType);
    const soa = negativeSoa(name);
    const reply = packet.encode({
      ...base,
      flags: flags | (result === 'nxdomain' ? RCODE.nxdomain : 0),
      answers: Array.isArray(result) ? result : [],
      authorities: Array.isArray(result) && result.length > 0 ? [] : soa,
    });
    if (transport === 'udp' && (node?.truncate === true || reply.length > UDP_LIMIT)) {
      return packet.encode({ ...base, flags: flags | packet.TRUNCATED_RESPONSE });
    }
    return reply;
  }

  /** The records answering name/type (following CNAMEs inside the zone), or 'nxdomain'. */
  function resolve(name: string, type: DnsServerType): packet.Answer[] | 'nxdomain' {
    const answers: packet.Answer[] = [];
    let current = name;
    for (let hops = 0; hops <= CNAME_CHAIN_LIMIT; hops++) {
      const node = zone.get(current);
      if (node === undefined) {
        const parent = [...zone.keys()].some((n) => n.endsWith(`.${current}`));
        return answers.length > 0 || parent ? answers : 'nxdomain';
      }
      if (node.CNAME !== undefined && type !== 'CNAME') {
        answers.push({ name: current, type: 'CNAME', ttl: node.ttl ?? ttl, data: norm(node.CNAME) });
        current = norm(node.CNAME);
        continue;
      }
      answers.push(...records(current, node, type));
      return answers;
    }
    return answers;
  }

  function records(name: string, node: DnsNode, type: DnsServerType): packet.Answer[] {
    const t = node.ttl ?? ttl;
    switch (type) {
      case 'A':
      case 'AAAA':
      case 'PTR':
        return (node[type] ?? []).map((data) => ({ name, type, ttl: t, data }) as packet.Answer);
      case 'CNAME':
        return node.CNAME === undefined ? [] : [{ name, type, ttl: t, data: node.CNAME }];
      case 'MX':
        return (node.MX ?? []).map(([preference, exchange]) => ({
          name,
          type,
          ttl: t,
          data: { preference, exchange },
        }));
      case 'TLSA':
        return (node.TLSA ?? []).map(([usage, selector, matchingType, hex]) => ({
          name,
          type,
          ttl: t,
          data: { usage, selector, matchingType, certificate: Buffer.from(hex, 'hex') },
        }));
      case 'TXT':
        return (node.TXT ?? []).map((txt) => ({
          name,
          type,
          ttl: t,
          data: typeof txt === 'string' ? chunks(txt) : [...txt],
        }));
      default:
        return [];
    }
  }

  function negativeSoa(name: string): packet.Answer[] {
    if (negativeTtl === null) return [];
    const apex = name.split('.').pop() ?? name;
    const data = {
      mname: `ns.${apex}`,
      rname: `hostmaster.${apex}`,
      serial: 1,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: negativeTtl,
    };
    return [{ name: apex, type: 'SOA', ttl: negativeTtl, data }];
  }

  udp.on('message', (msg, rinfo) => {
    void answer(msg, 'udp').then((reply) => {
      if (reply !== null && !closed) udp.send(reply, rinfo.port, rinfo.address);
    });
  });
  tcp.on('connection', (socket) => {
    tcpClients.add(socket);
    socket.on('close', () => tcpClients.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + query.length);
        void answer(Buffer.from(query), 'tcp').then((reply) => {
          if (reply === null || socket.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          socket.write(Buffer.concat([len, reply]));
        });
      }
    });
  });

  const server: DnsServer = {
    host,
    port,
    servers: [`${host}:${port}`],
    queries,
    queriesFor: (name, type) => queries.filter((q) => q.name === norm(name) && (type === undefined || q.type === type)),
    clearQueries: () => void queries.splice(0),
    set(name, node) {
      if (node === null) zone.delete(norm(name));
      else zone.set(norm(name), node);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      for (const socket of tcpClients) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
  t?.after(() => server.close());
  return server;
}

/** Splits a text into TXT character-strings of at most 255 bytes. */
function chunks(text: string): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out.length > 0 ? out : [Buffer.alloc(0)];
}

/** A reply that claims one answer record but ends in the middle of it. */
function malformed(id: number, question: packet.Question): Buffer {
  const full = packet.encode({
    id,
    type: 'response',
    flags: packet.AUTHORITATIVE_ANSWER,
    questions: [question],
    answers: [{ name: question.name, type: 'A', ttl: 60, data: '192.0.2.99' }],
  });
  return full.subarray(0, full.length - 3);
}

function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}

/** A UDP socket and a TCP listener on the same port (ephemeral when 0) of `host`. */
async function bindBoth(host: string, fixed: number): Promise<{ udp: Socket; tcp: Server; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(fixed, host, () => resolve());
    });
    const port = udp.address().port;
    const tcp = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    if (ok) return { udp, tcp, port };
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (attempt >= 20 || fixed !== 0) throw new Error(`dns_server: no port free for both UDP and TCP on ${host}`);
  }
}
