/**
 * queue_file_format: affix's queue file, byte for byte.
 *
 *   "AFXQ1\n"                         magic and format version
 *   'E' u32 length, JSON              the envelope (QueueEnvelope)
 *   'W' u32 8, u64 warnAt             when a delay warning is due, µs since the
 *                                     epoch, 0 = none; rewritten in place once
 *                                     the warning went out (Postfix's W record)
 *   'R'|'D' u32 length, JSON          one per recipient (QueueRecipient);
 *                                     'R' pending, 'D' done — rewritten in place
 *   'M'                               start of content: the message, LF line ends,
 *                                     up to the trailer
 *   'Z' u32 16, u32 headCrc, u32 contentCrc, u64 contentLength
 *                                     end marker: the file is complete and whole
 *
 * headCrc is the CRC-32 of every byte before 'M' with each recipient type
 * byte counted as 'R' and the warnAt value counted as zero, so marking a
 * recipient done or clearing the warning time never breaks it; files
 * written before the 'W' record existed still read (warnAt from 'E');
 * contentCrc is the CRC-32 of the content. A file without a valid trailer
 * is incomplete or damaged and is never delivered from.
 *
 * Diagnostics: QueueFileCorrupt with Postfix-like reasons (`missing end record`)
 * See: postfix/src/global/record.c, rec_type.h (the format this replaces)
 */
import { crc32 } from 'node:zlib';
import type { QueueEnvelope, QueueRecipient } from './queue_envelope.ts';

export const MAGIC = Buffer.from('AFXQ1\n', 'latin1');
export const TRAILER_LENGTH = 1 + 4 + 16;
const TYPE_ENVELOPE = 0x45; // 'E'
const TYPE_WARN = 0x57; // 'W'
const WARN_LENGTH = 8;
const TYPE_RCPT = 0x52; // 'R'
const TYPE_DONE = 0x44; // 'D'
const TYPE_CONTENT = 0x4d; // 'M'
const TYPE_END = 0x5a; // 'Z'
/** Bound on envelope and recipient records, so a damaged length cannot make us allocate gigabytes. */
const MAX_RECORD = 1 << 20;

export class QueueFileCorrupt extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'QueueFileCorrupt';
  }
}

function record(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** The payload of a 'W' record: warnAt in µs, 0 for none. */
export function encodeWarn(warnAt: number | null): Buffer {
  const payload = Buffer.alloc(WARN_LENGTH);
  payload.writeBigUInt64BE(BigInt(Math.max(0, Math.round(warnAt ?? 0))));
  return payload;
}

/** The bytes before the content: magic, envelope, warning time, recipients, and the 'M' marker. */
export function encodeHead(envelope: QueueEnvelope, recipients: readonly QueueRecipient[]): Buffer {
  const parts = [
    MAGIC,
    record(TYPE_ENVELOPE, Buffer.from(JSON.stringify(envelope), 'utf8')),
    record(TYPE_WARN, encodeWarn(envelope.warnAt)),
  ];
  for (const r of recipients) parts.push(record(TYPE_RCPT, Buffer.from(JSON.stringify(r), 'utf8')));
  parts.push(Buffer.from([TYPE_CONTENT]));
  return Buffer.concat(parts);
}

/**
 * CRC-32 of a head as written, with done marks counted as pending and the
 * warning time (at `warnOffset`, its payload) counted as zero.
 */
export function headCrc(head: Buffer, rcptTypeOffsets: readonly number[], warnOffset: number | null): number {
  if (rcptTypeOffsets.length === 0 && warnOffset === null) return crc32(head);
  const copy = Buffer.from(head);
  for (const at of rcptTypeOffsets) copy[at] = TYPE_RCPT;
  if (warnOffset !== null) copy.fill(0, warnOffset, warnOffset + WARN_LENGTH);
  return crc32(copy);
}

/** Where encodeHead() put the warning time's payload: after magic and the envelope record. */
export function warnOffsetOf(head: Buffer): number {
  const afterEnvelope = MAGIC.length + 5 + head.readUInt32BE(MAGIC.length + 1);
  return afterEnvelope + 5;
}

export function encodeTrailer(headChecksum: number, contentChecksum: number, contentLength: number): Buffer {
  const t = Buffer.alloc(TRAILER_LENGTH);
  t[0] = TYPE_END;
  t.writeUInt32BE(16, 1);
  t.writeUInt32BE(headChecksum >>> 0, 5);
  t.writeUInt32BE(contentChecksum >>> 0, 9);
  t.writeBigUInt64BE(BigInt(contentLength), 13);
  return t;
}

export interface DecodedTrailer {
  readonly headCrc: number;
  readonly contentCrc: number;
  readonly contentLength: number;
}

export function decodeTrailer(t: Buffer): DecodedTrailer {
  if (t.length !== TRAILER_LENGTH || t[0] !== TYPE_END || t.readUInt32BE(1) !== 16) {
    throw new QueueFileCorrupt('missing end record');
  }
  return { headCrc: t.readUInt32BE(5), contentCrc: t.readUInt32BE(9), contentLength: Number(t.readBigUInt64BE(13)) };
}

export interface DecodedRecipient {
  readonly recipient: QueueRecipient;
  readonly done: boolean;
  /** Byte offset of the recipient's type byte, rewritten to mark it done. */
  readonly typeOffset: number;
}

export interface DecodedHead {
  readonly envelope: QueueEnvelope;
  readonly recipients: readonly DecodedRecipient[];
  /** Where the content starts (after the 'M' byte). */
  readonly contentOffset: number;
  /** CRC over the head, done marks counted as pending, the warning time as zero. */
  readonly crc: number;
  /** Offset of the 'W' payload, or null in files written before it existed. */
  readonly warnOffset: number | null;
}

/**
 * Parses the head from `buf`, which must hold at least the whole head.
 * Returns null when `buf` ends before the head does (read more and retry).
 */
export function decodeHead(buf: Buffer): DecodedHead | null {
  if (buf.length < MAGIC.length) return null;
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new QueueFileCorrupt('bad file format: no AFXQ1 header');
  let at = MAGIC.length;
  let envelope: QueueEnvelope | null = null;
  let warnOffset: number | null = null;
  const recipients: DecodedRecipient[] = [];
  for (;;) {
    if (at >= buf.length) return null;
    const type = buf[at]!;
    if (type === TYPE_CONTENT) break;
    if (at + 5 > buf.length) return null;
    const len = buf.readUInt32BE(at + 1);
    if (len > MAX_RECORD) throw new QueueFileCorrupt(`bad record length: record type ${type} length ${len}`);
    if (at + 5 + len > buf.length) return null;
    if (type === TYPE_WARN) {
      const before = envelope as QueueEnvelope | null;
      if (before === null || warnOffset !== null || recipients.length > 0 || len !== WARN_LENGTH) {
        throw new QueueFileCorrupt(`unexpected record type ${type} at offset ${at}`);
      }
      warnOffset = at + 5;
      const warnAt = Number(buf.readBigUInt64BE(warnOffset));
      envelope = { ...before, warnAt: warnAt === 0 ? null : warnAt };
      at += 5 + len;
      continue;
    }
    const payload = buf.subarray(at + 5, at + 5 + len).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      throw new QueueFileCorrupt(`bad record data: record type ${type} length ${len}`);
    }
    if (type === TYPE_ENVELOPE && envelope === null) envelope = value as QueueEnvelope;
    else if ((type === TYPE_RCPT || type === TYPE_DONE) && envelope !== null) {
      recipients.push({ recipient: value as QueueRecipient, done: type === TYPE_DONE, typeOffset: at });
    } else throw new QueueFileCorrupt(`unexpected record type ${type} at offset ${at}`);
    at += 5 + len;
  }
  if (envelope === null) throw new QueueFileCorrupt('missing envelope record');
  const contentOffset = at + 1;
  const crc = headCrc(
    buf.subarray(0, contentOffset),
    recipients.filter((r) => r.done).map((r) => r.typeOffset),
    warnOffset,
  );
  return { envelope, recipients, contentOffset, crc, warnOffset };
}

/** The type byte that marks a recipient done, written at its typeOffset. */
export const DONE_MARK = Buffer.from([TYPE_DONE]);
