/**
 * dns_packet_check: the bounds checks dns-packet leaves out. Walks a DNS
 * message record by record before it is decoded: every name and every
 * record must end inside the message, A data must be 4 bytes and AAAA 16, and
 * the records must end where the decoder says they do (dns-packet reads A
 * and MX data without looking at RDLENGTH, so a lying RDLENGTH would shift
 * every later record).
 *
 * Security: the first look at untrusted network input; returns a reason
 *   instead of throwing, and never reads past the buffer
 * See: postfix/src/dns/dns_lookup.c (dns_get_fixed, dns_get_rr: "bad address length")
 * Standards: RFC 1035 section 4.1
 */
import * as packet from 'dns-packet';

const HEADER = 12;
const TYPE_A = 1;
const TYPE_AAAA = 28;

/** Why the message is malformed, or null when its records are well delimited. */
export function packetProblem(buf: Buffer): string | null {
  const walked = walk(buf);
  return typeof walked === 'string' ? walked : null;
}

/** The offset where the last record ends, or why the message is malformed. */
function walk(buf: Buffer): number | string {
  if (buf.length < HEADER) return 'short header';
  const questions = buf.readUInt16BE(4);
  const records = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  let pos = HEADER;
  for (let i = 0; i < questions; i++) {
    const end = skipName(buf, pos);
    if (end === null || end + 4 > buf.length) return 'truncated question';
    pos = end + 4;
  }
  for (let i = 0; i < records; i++) {
    const end = skipName(buf, pos);
    if (end === null || end + 10 > buf.length) return 'truncated resource record';
    const type = buf.readUInt16BE(end);
    const rdlength = buf.readUInt16BE(end + 8);
    if (end + 10 + rdlength > buf.length) return 'resource data past the end of the message';
    if (type === TYPE_A && rdlength !== 4) return `bad address length: ${rdlength}`;
    if (type === TYPE_AAAA && rdlength !== 16) return `bad address length: ${rdlength}`;
    pos = end + 10 + rdlength;
  }
  return pos;
}

/** Decodes a message that passed packetProblem(); a reason when the decoder disagrees or fails. */
export function decodePacket(buf: Buffer): { packet: packet.DecodedPacket } | { problem: string } {
  const end = walk(buf);
  if (typeof end === 'string') return { problem: end };
  try {
    const decoded = packet.decode(buf);
    if (packet.decode.bytes !== end) return { problem: 'resource data length does not match its record' };
    return { packet: decoded };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/** The offset after the (possibly compressed) name at `pos`, or null if it runs off the buffer. */
function skipName(buf: Buffer, pos: number): number | null {
  for (let labels = 0; labels < 128; labels++) {
    if (pos >= buf.length) return null;
    const len = buf[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 <= buf.length ? pos + 2 : null;
    if ((len & 0xc0) !== 0) return null;
    pos += 1 + len;
  }
  return null;
}
