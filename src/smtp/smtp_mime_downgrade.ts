/**
 * smtp_mime_downgrade: the 8BITMIME to 7-bit conversion the client applies
 * when the server does not announce 8BITMIME, as Postfix's mime_state()
 * with MIME_OPT_DOWNGRADE does. @zone-eu/mailsplit finds the MIME
 * structure (headers, boundaries, nested messages); the conversion itself
 * follows Postfix exactly:
 *
 * - only a part whose Content-Transfer-Encoding says 8bit or binary is
 *   changed: its encoding header is removed and a new one is added at the
 *   end of its headers — `7bit` for multipart/* and message/* (except
 *   message/global), `quoted-printable` for a leaf — and a leaf's body is
 *   quoted-printable encoded line by line (soft breaks before 76 columns,
 *   `=XX` for controls, `=` and 8-bit bytes, a trailing blank encoded);
 * - everything else goes out byte for byte: every other header, parts that
 *   declare 7bit, quoted-printable or base64 (so their DKIM body hashes
 *   still hold), boundaries, preambles and epilogues, and 8-bit data in a
 *   part that does not declare 8bit (Postfix does not invent MIME);
 * - a nested message/rfc822 is looked into, so its 8bit parts are
 *   converted too.
 *
 * Parameters: disable_mime_output_conversion (read by the caller);
 *   Postfix's mime_nesting_limit at its default (100): the registry does
 *   not have it yet
 * Diagnostics: MimeDowngradeError `5.6.0 MIME nesting exceeds safety
 *   limit`, or `5.6.3 unable to convert MIME message to 7-bit` when the
 *   structure cannot be parsed; the message is then bounced, as Postfix does.
 *   A structure mailsplit cannot represent byte for byte goes out unconverted
 *   (never with a byte lost)
 * Security: parses untrusted content, held whole in memory (it is queued
 *   mail, so within message_size_limit); mailsplit's node and header limits apply
 * See: postfix/src/global/mime_state.c (mime_state_downgrade, MIME_OPT_DOWNGRADE),
 *   postfix/src/smtp/smtp_proto.c (SMTP_MIME_DOWNGRADE)
 */
import { Readable } from 'node:stream';
import { Splitter, type SplitterChunk } from '@zone-eu/mailsplit';

/** Postfix's default mime_nesting_limit. */
export const MIME_NESTING_LIMIT = 100;

/** The message cannot be converted: it is bounced with this status and text. */
export class MimeDowngradeError extends Error {
  readonly dsn: string;
  constructor(dsn: string, text: string) {
    super(text);
    this.name = 'MimeDowngradeError';
    this.dsn = dsn;
  }
}

const HEX = '0123456789ABCDEF';
const EQ = 0x3d;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;

/** A node as mailsplit describes it (the fields used here). */
type Node = Extract<SplitterChunk, { type: 'node' }>;

/** Quoted-printable encoding of lines, byte for byte as mime_state_downgrade(). */
class QpLines {
  #pending: Buffer[] = [];

  /** Encodes the complete lines in `chunk`; keeps a partial last line for later. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl >= 0; nl = chunk.indexOf(LF, start)) {
      this.#pending.push(chunk.subarray(start, nl));
      out.push(encodeLine(Buffer.concat(this.#pending)), Buffer.from('\n'));
      this.#pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) this.#pending.push(Buffer.from(chunk.subarray(start)));
    return out;
  }

  /** The last line of the part, whose line end belongs to the boundary that follows (or to nothing). */
  end(): Buffer[] {
    if (this.#pending.length === 0) return [];
    const line = Buffer.concat(this.#pending);
    this.#pending = [];
    return [encodeLine(line)];
  }
}

/** One line: soft breaks (`=`) once the output passes 72 bytes, and the trailing blank encoded. */
function encodeLine(line: Buffer): Buffer {
  const out: number[] = [];
  let cur: number[] = [];
  const put = (c: number) => {
    cur.push(EQ, HEX.charCodeAt(c >> 4), HEX.charCodeAt(c & 0xf));
  };
  for (const c of line) {
    if (cur.length > 72) {
      out.push(...cur, EQ, LF);
      cur = [];
    }
    if ((c < 32 && c !== TAB) || c === EQ || c > 126) put(c);
    else cur.push(c);
  }
  const last = cur[cur.length - 1];
  if (last === SPACE || last === TAB) {
    cur.pop();
    put(last);
  }
  out.push(...cur);
  return Buffer.from(out);
}

/** The header block with its Content-Transfer-Encoding removed and `Content-Transfer-Encoding: label` at its end. */
export function relabel(headers: Buffer, label: string): Buffer {
  const text = headers.toString('latin1');
  const lines = text.split('\n');
  const kept: string[] = [];
  let i = 0;
  let dropping = false;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' || line === '\r') break;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = /^content-transfer-encoding[ \t]*:/i.test(line);
    if (!dropping) kept.push(line);
  }
  const eol = (kept[kept.length - 1] ?? lines[i] ?? '').endsWith('\r') ? '\r' : '';
  kept.push(`Content-Transfer-Encoding: ${label}${eol}`);
  // The end of the block (its blank line) as it was; a block that ended the message gets a line end.
  const rest = lines.slice(i);
  const tail = rest.length === 0 || (rest.length === 1 && rest[0] === '') ? [''] : rest;
  return Buffer.from([...kept, ...tail].join('\n'), 'latin1');
}

const depthOf = (node: Node): number => {
  let depth = 0;
  for (let p = node.parentNode; p; p = p.parentNode) depth++;
  return depth;
};

const is8bit = (encoding: string | false) => encoding === '8bit' || encoding === 'binary';

/** A header declaring 8bit or binary somewhere: without one there is nothing to convert. */
const DECLARES_8BIT = /content-transfer-encoding[ \t]*:\s*"?(8bit|binary)\b/i;

/**
 * The content converted to 7 bit where Postfix converts it (see above).
 * `depth` is the nesting of the message itself (0 for the top level). The
 * message is read whole first (it is bounded by message_size_limit).
 */
export async function* mimeDowngrade(content: AsyncIterable<Buffer>, depth = 0): AsyncGenerator<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(chunk);
  yield* await convert(Buffer.concat(chunks), depth);
}

/**
 * Splits `input` with mailsplit and converts it. Alongside, the parts are
 * put back together unchanged: when that does not give `input` back (a
 * structure mailsplit cannot represent), the message goes out as it is
 * rather than lose a byte.
 */
async function convert(input: Buffer, depth: number): Promise<Buffer[]> {
  if (!DECLARES_8BIT.test(input.toString('latin1'))) return [input];
  const splitter = new Splitter({ defaultInlineEmbedded: true, maxChildNodes: 100_000, maxHeadSize: 16 << 20 });
  const out: Buffer[] = [];
  const same: Buffer[] = [];
  let qp: QpLines | null = null;
  let nested: Buffer[] | null = null;
  const endPart = async () => {
    if (qp !== null) out.push(...qp.end());
    qp = null;
    if (nested !== null) {
      const inner = Buffer.concat(nested);
      nested = null;
      out.push(...(await convert(inner, depth + 1)));
    }
  };
  try {
    Readable.from([input]).pipe(splitter);
    for await (const chunk of splitter as AsyncIterable<SplitterChunk>) {
      if (chunk.type === 'node') {
        await endPart();
        const node = chunk;
        if (depth + depthOf(node) > MIME_NESTING_LIMIT) {
          throw new MimeDowngradeError('5.6.0', 'MIME nesting exceeds safety limit');
        }
        const headers = node.getHeaders();
        same.push(headers);
        const type = node.contentType || 'text/plain';
        const message = type.startsWith('message/') && type !== 'message/global';
        // A message/rfc822 that mailsplit leaves whole (an attachment) is looked into as Postfix does.
        const lookInto =
          type === 'message/rfc822' &&
          node.messageNode !== true &&
          (!node.encoding || node.encoding === '7bit' || is8bit(node.encoding));
        if (!is8bit(node.encoding)) {
          out.push(headers);
        } else {
          out.push(relabel(headers, node.multipart || message ? '7bit' : 'quoted-printable'));
          if (!lookInto && !node.multipart && node.messageNode !== true) qp = new QpLines();
        }
        if (lookInto) nested = [];
      } else {
        same.push(chunk.value);
        if (chunk.type === 'body' && nested !== null) nested.push(Buffer.from(chunk.value));
        else if (chunk.type === 'body' && qp !== null) out.push(...(qp as QpLines).push(chunk.value));
        else {
          if (chunk.type === 'data') await endPart();
          out.push(chunk.value);
        }
      }
    }
    await endPart();
  } catch (err) {
    if (err instanceof MimeDowngradeError) throw err;
    throw new MimeDowngradeError('5.6.3', 'unable to convert MIME message to 7-bit');
  } finally {
    splitter.destroy();
  }
  return Buffer.concat(same).equals(input) ? out : [input];
}
