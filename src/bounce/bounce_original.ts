/**
 * bounce_original: the original message as a notification returns it. The
 * queued content is read once per notification run: all of it when it fits
 * bounce_size_limit, else only its primary header block (a truncated
 * message would break the MIME structure, so Postfix returns headers only).
 * A message that cannot be read yields null, and the notification says
 * `--- Undelivered message unavailable ---`: telling the sender about a
 * delivery problem does not have to be perfect.
 *
 * Parameters: bounce_size_limit
 * Security: the content is copied as bytes, never parsed beyond finding
 *   the end of the header block and the Message-ID (threaded bounces)
 * See: postfix/src/bounce/bounce_notify_util.c (bounce_mail_alloc, bounce_original)
 */
import type { QueueMessage, QueueStore } from '../queue/queue_store.ts';

/** The original's lines (without their LF), and how many form the primary header block. */
export interface OriginalCopy {
  readonly lines: readonly Buffer[];
  readonly headerLines: number;
  /** False when only the header block was read (the message exceeds bounce_size_limit). */
  readonly complete: boolean;
  /** `<id>` of the first Message-ID header, for References/In-Reply-To, or null. */
  readonly messageId: string | null;
}

/** IS_HEADER(): a continuation line, or a line that starts like a header (`Name:`). */
export function isHeaderLine(line: Buffer): boolean {
  if (line.length > 0 && (line[0] === 0x20 || line[0] === 0x09)) return true;
  let i = 0;
  while (i < line.length && line[i]! > 0x20 && line[i]! < 0x7f && line[i] !== 0x3a) i++;
  if (i === 0) return false;
  while (i < line.length && (line[i] === 0x20 || line[i] === 0x09)) i++;
  return line[i] === 0x3a;
}

/** Whether the original goes back whole: within bounce_size_limit (and of known size). */
export function fitsBounceLimit(message: QueueMessage, bounce_size_limit: number): boolean {
  return message.size > 0 && message.size <= bounce_size_limit;
}

/** Reads the original: whole when it fits bounce_size_limit, else its header block; null when unreadable. */
export async function readOriginal(
  store: QueueStore,
  message: QueueMessage,
  bounce_size_limit: number,
): Promise<OriginalCopy | null> {
  const whole = fitsBounceLimit(message, bounce_size_limit);
  const lines: Buffer[] = [];
  let headerLines = -1;
  let carry: Buffer | null = null;
  const take = (line: Buffer): boolean => {
    lines.push(line);
    if (headerLines < 0 && !isHeaderLine(line)) headerLines = lines.length - 1;
    return whole || headerLines < 0;
  };
  try {
    const stream = store.content(message);
    try {
      reading: for await (const chunk of stream as AsyncIterable<Buffer>) {
        let buf: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk]);
        carry = null;
        let start = 0;
        for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
          const more = take(Buffer.from(buf.subarray(start, nl)));
          start = nl + 1;
          if (!more) break reading;
        }
        buf = buf.subarray(start);
        carry = buf.length > 0 ? Buffer.from(buf) : null;
      }
      if (carry !== null) take(carry);
    } finally {
      stream.destroy();
    }
  } catch {
    return null;
  }
  if (headerLines < 0) headerLines = lines.length;
  return { lines, headerLines, complete: whole, messageId: messageIdOf(lines.slice(0, headerLines)) };
}

/** The `<...>` of the first Message-ID header (unfolded), or null. */
function messageIdOf(headers: readonly Buffer[]): string | null {
  for (let i = 0; i < headers.length; i++) {
    const text = headers[i]!.toString('latin1');
    if (!/^message-id[ \t]*:/i.test(text)) continue;
    let value = text.slice(text.indexOf(':') + 1);
    for (let j = i + 1; j < headers.length && /^[ \t]/.test(headers[j]!.toString('latin1')); j++) {
      value += headers[j]!.toString('latin1');
    }
    const m = /<[^<>\s]*>/.exec(value);
    return m === null ? null : m[0];
  }
  return null;
}
