/**
 * logscan_read: the lines of a log, in batches, from a file or a stream
 * (stdin: `journalctl -u postfix | affix logs summary -`). A source whose
 * first bytes are gzip's magic (`mail.log.2.gz`, affix's
 * `mail.log.20261129-090517.gz`, or a gzipped stdin) is decompressed on the
 * fly, whatever its name. Reads 64 KiB at a time (a file: synchronously,
 * see fileChunks) and yields the lines of each chunk as one array, or the
 * chunk's text whole with its bytes (readLineTexts), so memory stays
 * constant and a 500 MB log costs no per-line promise. A chunk is cut after
 * its last newline, so no character is split; an all-ASCII chunk is
 * decoded as Latin-1, the fastest way. A line longer than 64 KiB is cut
 * there.
 *
 * Diagnostics: rejects with the fs or zlib error (ENOENT, Z_DATA_ERROR ...)
 */
import { isAscii } from 'node:buffer';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * 64 KiB: a chunk's text stays under V8's large-object size, so it lives and
 * dies in the young generation; 1 MiB chunks went to the large-object space
 * and raised peak memory by half.
 */
const CHUNK = 1 << 16;
const MAX_LINE = 1 << 16;

/** A file to read, or an open stream (stdin) with the name to report it by. */
export type LogSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stream'; readonly name: string; readonly stream: Readable };

export function sourceName(source: LogSource): string {
  return source.kind === 'file' ? source.path : source.name;
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Chunks read between two turns of the event loop (4 MiB). */
const TURN = 64;

/**
 * The file's bytes, a chunk at a time, read synchronously: a 64 KiB read
 * from the page cache takes microseconds, while a promise-based read makes
 * a round trip through the thread pool for each chunk. A plain file is read
 * into one buffer, used again for each chunk (its lines are copied out as
 * strings before the next read); a gzipped one gets a fresh buffer each
 * time, as gunzip may still hold the last. Every few MiB the event loop
 * gets a turn, so the tasks of V8's garbage collector run and memory stays
 * as low as with asynchronous reads. Anything but a regular file is read
 * as a stream.
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'r');
  // a FIFO or a device (`/dev/stdin`) may block: it is read like a stream
  if (!fstatSync(fd).isFile()) {
    yield* streamChunks(createReadStream(path, { fd, highWaterMark: CHUNK }));
    return;
  }
  try {
    let reuse: Buffer | null = null;
    for (let n = 1; ; n++) {
      const buffer = reuse ?? Buffer.allocUnsafe(CHUNK);
      const bytesRead = readSync(fd, buffer, 0, CHUNK, null);
      if (bytesRead === 0) return;
      if (n === 1 && bytesRead >= 2 && !isGzip(buffer)) reuse = Buffer.allocUnsafe(CHUNK);
      if (n % TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      yield bytesRead === CHUNK ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}

async function* streamChunks(stream: Readable): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
  } finally {
    // a reader that stops early (a trace found its message) must not leave the input open
    stream.destroy();
  }
}

/** The bytes of `chunks`, gunzipped when they start with gzip's magic. */
async function* plainChunks(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await chunks.next();
    if (next.done === true) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (!isGzip(head)) {
    if (head.length > 0) yield head;
    yield* chunks;
    return;
  }
  async function* compressed(): AsyncGenerator<Buffer> {
    yield head;
    yield* chunks;
  }
  const gunzip = createGunzip({ chunkSize: CHUNK });
  const input = Readable.from(compressed(), { objectMode: false });
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/**
 * Whole lines of a log as read: their text, lines separated by newlines
 * (the last has none), and the bytes the text was decoded from when every
 * character is one byte (ASCII: the text's indices are the bytes'), for a
 * reader that compares several bytes at once.
 */
export interface LineText {
  readonly text: string;
  readonly bytes: Buffer | null;
}

function decoded(bytes: Buffer): LineText {
  return isAscii(bytes) ? { text: bytes.toString('latin1'), bytes } : { text: bytes.toString('utf8'), bytes: null };
}

/**
 * The text of a byte stream in whole lines, one LineText per chunk read: an
 * empty line is an empty string between two newlines, and `split('\n')`
 * gives the lines. A line longer than 64 KiB is yielded alone, cut there.
 * The bytes are valid until the next chunk is asked for.
 */
async function* lineTexts(chunks: AsyncGenerator<Buffer>): AsyncGenerator<LineText> {
  // the start of a line cut at a chunk's end, kept in one buffer: no new buffer per chunk
  let carry = Buffer.allocUnsafe(MAX_LINE + CHUNK);
  let carried = 0;
  /** Appends `bytes` to the carry, in a larger buffer when they do not fit (a stream's chunks can be large). */
  const keep = (bytes: Buffer) => {
    if (carried + bytes.length > carry.length) {
      const larger = Buffer.allocUnsafe(carried + bytes.length);
      carry.copy(larger, 0, 0, carried);
      carry = larger;
    }
    bytes.copy(carry, carried);
    carried += bytes.length;
  };
  for await (const chunk of plainChunks(chunks)) {
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      keep(chunk);
      if (carried > MAX_LINE) {
        yield decoded(carry.subarray(0, MAX_LINE));
        carried = 0;
      }
      continue;
    }
    // the line begun in the last chunk is finished alone, so the rest is decoded in place, not copied
    let from = 0;
    if (carried > 0) {
      from = chunk.indexOf(10) + 1;
      keep(chunk.subarray(0, from - 1));
      yield decoded(carry.subarray(0, carried));
    }
    if (from <= last) yield decoded(chunk.subarray(from, last));
    carried = 0;
    keep(chunk.subarray(last + 1));
  }
  if (carried > 0) yield decoded(carry.subarray(0, carried));
}

async function* lineBatches(texts: AsyncGenerator<LineText>): AsyncGenerator<string[]> {
  for await (const { text } of texts) yield text.split('\n');
}

/** Lines of a byte stream (stdin), one array per chunk read. */
export function streamLineBatches(stream: Readable): AsyncGenerator<string[]> {
  return lineBatches(lineTexts(streamChunks(stream)));
}

/**
 * The whole lines of one source, one LineText per chunk read: for a reader
 * that walks the lines in place rather than cutting each one
 * (logscan_scan.ts forEachLogLine).
 */
export function readLineTexts(source: LogSource): AsyncGenerator<LineText> {
  return lineTexts(source.kind === 'file' ? fileChunks(source.path) : streamChunks(source.stream));
}

/** Lines of one source, one array per chunk read. */
export function readLineBatches(source: LogSource): AsyncGenerator<string[]> {
  return lineBatches(readLineTexts(source));
}
