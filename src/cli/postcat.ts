/**
 * postcat: `affix postcat [-bdehoqv] [-c dir] [files...]`, Postfix's queue
 * file viewer: `-q ID` looks the ID up in maildrop, incoming, active,
 * deferred and hold; otherwise the arguments are file names, or standard
 * input is read when there are none. What it prints, and how that differs
 * from Postfix's postcat (affix's queue file is its own format), is
 * described in postcat_format.ts. The content is read line by line, so a
 * large message is never held in memory whole.
 *
 * Parameters: queue_directory, hash_queue_names, hash_queue_depth
 * Diagnostics: `fatal: bad mail queue ID: X`, `fatal: open queue file ID: No
 *   such file or directory`, `fatal: open FILE: ...`, `warning: FILE: input
 *   is not a valid queue file`, `warning: FILE: REASON` for a damaged file
 *   (what can be read is still shown); exit 1 on fatal errors
 * Security: -q names pass parseQueueId; a file is parsed with the bounded
 *   record reader of queue_file_format.ts
 * See: postfix/src/postcat/postcat.c
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { relative } from 'node:path';
import { strerror } from '../global/strerror.ts';
import {
  type DecodedHead,
  decodeHead,
  decodeTrailer,
  QueueFileCorrupt,
  TRAILER_LENGTH,
} from '../queue/queue_file_format.ts';
import { parseQueueId } from '../queue/queue_id.ts';
import { type CliIo, type CliMain, type CliMessages, cliMessages } from './cli_io.ts';
import { getopt } from './getopt.ts';
import { type PostcatFile, type PostcatFlags, PostcatPrinter } from './postcat_format.ts';
import { readToolConfig, ToolOutput, toolStore } from './postqueue_tool.ts';

const USAGE =
  'postcat [-b (body text)] [-c config_dir] [-d (decimal record type)] [-e (envelope records)] [-h (header text)] [-q (access queue)] [-v] [file(s)...]';

/** The queues -q searches, in Postfix's order. */
const SEARCH = ['maildrop', 'incoming', 'active', 'deferred', 'hold'] as const;

/** A file's head, checked as far as it goes; `problem` says what is wrong with the rest. */
interface Parsed {
  readonly head: DecodedHead;
  readonly size: number;
  readonly endAt: number;
  readonly problem: string | null;
}

/** Reads `length` bytes at `position` into `buf`; resolves to how many it got. */
type ReadAt = (buf: Buffer, length: number, position: number) => Promise<number>;

/** Where a queue file's bytes come from: a file (read where needed) or standard input (read whole). */
interface Source {
  readonly total: number;
  readonly readAt: ReadAt;
  lines(start: number, size: number): AsyncIterable<[string, number]>;
}

/** Reads and checks the head and trailer of a queue file. */
async function parseFile(file: { read: ReadAt }, total: number): Promise<Parsed | null> {
  let length = Math.min(64 * 1024, total);
  let head: DecodedHead | null = null;
  for (;;) {
    const buf = Buffer.alloc(length);
    const bytesRead = await file.read(buf, length, 0);
    try {
      head = decodeHead(buf.subarray(0, bytesRead));
    } catch {
      return null;
    }
    if (head !== null || length >= total) break;
    length = Math.min(length * 4, total);
  }
  if (head === null) return null;
  let problem: string | null = null;
  let size = Math.max(0, total - head.contentOffset - TRAILER_LENGTH);
  if (total < head.contentOffset + TRAILER_LENGTH) {
    problem = 'missing end record';
    size = Math.max(0, total - head.contentOffset);
  } else {
    const t = Buffer.alloc(TRAILER_LENGTH);
    await file.read(t, TRAILER_LENGTH, total - TRAILER_LENGTH);
    try {
      const trailer = decodeTrailer(t);
      if (trailer.headCrc !== head.crc) problem = 'envelope checksum mismatch';
      else if (head.contentOffset + trailer.contentLength + TRAILER_LENGTH !== total) problem = 'message size mismatch';
    } catch (err) {
      if (!(err instanceof QueueFileCorrupt)) throw err;
      problem = err.message;
      size = Math.max(0, total - head.contentOffset);
    }
  }
  return { head, size, endAt: head.contentOffset + size, problem };
}

/** Each content line of the `size` bytes from `start` in `chunks`, with its offset. */
async function* splitLines(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  start: number,
): AsyncGenerator<[string, number]> {
  let carry = Buffer.alloc(0);
  let at = start;
  for await (const chunk of chunks) {
    let buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let from = 0;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, from)) {
      yield [buf.subarray(from, nl).toString('utf8'), at];
      at += nl + 1 - from;
      from = nl + 1;
    }
    buf = buf.subarray(from);
    carry = Buffer.from(buf);
  }
  if (carry.length > 0) yield [carry.toString('utf8'), at];
}

/** A file on disk as a Source; the content is streamed from it. */
async function fileSource(path: string, file: FileHandle): Promise<Source> {
  return {
    total: (await file.stat()).size,
    readAt: async (buf, length, position) => (await file.read(buf, 0, length, position)).bytesRead,
    lines: (start, size) =>
      splitLines(
        size <= 0 ? [] : (createReadStream(path, { start, end: start + size - 1 }) as AsyncIterable<Buffer>),
        start,
      ),
  };
}

/** Standard input as a Source: it cannot seek, so it is read whole first. */
async function stdinSource(io: CliIo): Promise<Source> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin as AsyncIterable<Buffer | string>)
    chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  const all = Buffer.concat(chunks);
  return {
    total: all.length,
    readAt: async (buf, length, position) => all.copy(buf, 0, position, Math.min(all.length, position + length)),
    lines: (start, size) => splitLines([all.subarray(start, start + Math.max(0, size))], start),
  };
}

/** postcat() on one file: everything the flags ask for. */
async function postcatFile(
  msg: CliMessages,
  printer: PostcatPrinter,
  input: string | CliIo,
  shown: string,
  missing: string,
): Promise<void> {
  let file: FileHandle | null = null;
  let source: Source;
  if (typeof input === 'string') {
    try {
      file = await open(input, 'r');
    } catch (err) {
      return msg.fatal(`${missing}: ${strerror(err)}`);
    }
    source = await fileSource(input, file);
  } else {
    source = await stdinSource(input);
  }
  try {
    await show(msg, printer, source, shown);
  } finally {
    await file?.close();
  }
}

async function show(msg: CliMessages, printer: PostcatPrinter, source: Source, shown: string): Promise<void> {
  const parsed = await parseFile({ read: source.readAt }, source.total);
  if (parsed === null) {
    msg.warn(`${shown}: input is not a valid queue file`);
    return;
  }
  const h = parsed.head;
  const f: PostcatFile = {
    path: shown,
    envelope: h.envelope,
    recipients: h.recipients.map((r) => ({ recipient: r.recipient, done: r.done, at: r.typeOffset })),
    envelopeAt: 6,
    contentAt: h.contentOffset,
    size: parsed.size,
    endAt: parsed.endAt,
  };
  await printer.start(f);
  if (printer.wantsContent) {
    for await (const [text, at] of source.lines(h.contentOffset, parsed.size)) await printer.line(text, at);
  }
  await printer.end(f);
  if (parsed.problem !== null) msg.warn(`${shown}: ${parsed.problem}`);
}

export const main: CliMain = async (argv: readonly string[], io: CliIo) => {
  const msg = cliMessages(io, 'postcat');
  const parsed = getopt(argv, 'bc:dehoqrs:v');
  if (!parsed.ok) {
    msg.getoptError(parsed.error);
    return msg.usage(USAGE);
  }
  const has = (f: string) => parsed.result.options.some((o) => o.flag === f);
  let optionC: string | undefined;
  for (const o of parsed.result.options) {
    if (o.flag === 'c') optionC = o.arg;
    if (o.flag === 's' && !/^\d+$/.test(o.arg ?? '')) msg.fatal(`bad offset: ${o.arg}`);
  }
  const any = has('e') || has('h') || has('b');
  const flags: PostcatFlags = {
    envelope: !any || has('e'),
    header: !any || has('h'),
    body: !any || has('b'),
    verbose: has('v'),
    decimal: has('d'),
    offset: has('o'),
  };
  const config = await readToolConfig(io, msg, 'postcat', optionC, 1);
  const out = new ToolOutput(io);
  const printer = new PostcatPrinter(flags, (text) => out.write(text));
  try {
    const names = parsed.result.operands;
    if (names.length === 0) {
      await postcatFile(msg, printer, io, 'stdin', 'open stdin');
    } else if (has('q')) {
      const store = toolStore(config, io.cwd);
      for (const name of names) {
        const id = parseQueueId(name);
        if (id === null) return msg.fatal(`bad mail queue ID: ${name}`);
        let queue: (typeof SEARCH)[number] | null = null;
        for (let tries = 0; tries < 2 && queue === null; tries++) {
          for (const q of SEARCH) if (queue === null && (await store.stat(q, id)) !== null) queue = q;
        }
        if (queue === null) return msg.fatal(`open queue file ${name}: No such file or directory`);
        const path = store.pathOf(queue, id);
        await postcatFile(msg, printer, path, relative(store.root, path), `open queue file ${name}`);
      }
    } else {
      for (const name of names) await postcatFile(msg, printer, name, name, `open ${name}`);
    }
  } finally {
    await out.flush();
  }
  return 0;
};
