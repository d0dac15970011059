/**
 * postmap: `affix postmap`, Postfix's lookup table tool: builds the index of
 * a `key value` source file (`postmap hash:/etc/postfix/virtual`), adds from
 * stdin (-i), deletes (-d), queries (-q key, or -q - for keys on stdin),
 * lists (-s), with Postfix's flags, messages and exit statuses. The table
 * operations here are shared with postalias, which differs in its source
 * format and in printing `key: value`. Over 300 lines because it holds both
 * the command and those shared operations, as postmap.c does.
 *
 * Parameters: default_database_type, smtputf8_enable (read through readTableConfig)
 * Diagnostics: `postmap: fatal: ...` with status 1 for bad usage, a table that
 *   cannot be opened, or a failed lookup; warnings for bad source lines
 * Security: writes only `<file>.affixdb` next to a source file named on the command line
 * See: postfix/src/postmap/postmap.c
 */
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { readConfigFull } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { type Dict, DictLookupError, DictOpenError } from '../maps/dict.ts';
import { strerror, tablePath } from '../maps/dict_context.ts';
import { DICT_OPENERS, type DictOpenOptions, openDict3 } from '../maps/dict_open.ts';
import { type SourceRecord, sourceRecords } from '../maps/dict_source.ts';
import { indexMode, mkmapLoad, mkmapRefusal } from '../maps/mkmap.ts';
import type { CliIo, CliMain, CliMessages } from './cli_io.ts';
import { cliMessages } from './cli_io.ts';
import { getopt } from './getopt.ts';
import { tableOptions } from './postmap_options.ts';

/** The parameters postmap and postalias read. */
export interface TableConfig {
  readonly default_database_type: string;
  readonly smtputf8_enable: boolean;
  readonly alias_database: string;
  readonly myhostname: string;
}

/** Reads main.cf from -c DIR, $MAIL_CONFIG or /etc/postfix (the one place the configuration is read). */
export async function readTableConfig(io: CliIo, program: string, optionC: string | undefined): Promise<TableConfig> {
  const { config } = await readConfigFull({ optionC, env: io.env, cwd: io.cwd, processName: program });
  return {
    default_database_type: config.value('default_database_type'),
    smtputf8_enable: config.value('smtputf8_enable').toLowerCase() === 'yes',
    alias_database: config.value('alias_database'),
    myhostname: config.value('myhostname'),
  };
}

/** What differs between postmap and postalias when they query and list. */
export interface TableTool {
  readonly program: string;
  readonly msg: CliMessages;
  readonly io: CliIo;
  /** `\t` for postmap, `:\t` for postalias. */
  readonly separator: string;
  readonly defaultType: string;
  readonly options: DictOpenOptions;
}

/** `type:name`, or the default type with `name`. */
export function splitOperand(tool: TableTool, operand: string): { type: string; name: string } {
  const at = operand.indexOf(':');
  return at < 0
    ? { type: tool.defaultType, name: operand }
    : { type: operand.slice(0, at), name: operand.slice(at + 1) };
}

/** Runs a table operation, turning table errors into Postfix's fatal messages. */
export async function tableFatal<T>(
  tool: TableTool,
  what: string,
  dict: Dict | null,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof DictOpenError) tool.msg.fatal(err.message);
    if (err instanceof DictLookupError && dict !== null) {
      const tail = err.dictError === 'config' && what === 'query' ? '' : `: ${err.reason}`;
      tool.msg.fatal(`table ${dict.type}:${dict.name}: ${what} error${tail}`);
    }
    throw err;
  }
}

async function open(tool: TableTool, type: string, name: string, mode: DictOpenOptions['mode'] = 'read') {
  return tableFatal(tool, 'open', null, () => openDict3(type, name, { ...tool.options, mode }));
}

function emptyValueWarning(tool: TableTool, dict: Dict, key: string): void {
  tool.msg.warn(`table ${dict.type}:${dict.name}: key ${key}: empty string result is not allowed`);
  tool.msg.warn(`table ${dict.type}:${dict.name} should return NO RESULT in case of NOT FOUND`);
}

/** -q key: the first table with the key prints its value; resolves whether one had it. */
export async function tableQuery(tool: TableTool, operands: readonly string[], key: string): Promise<boolean> {
  for (const operand of operands) {
    const { type, name } = splitOperand(tool, operand);
    const dict = await open(tool, type, name);
    const value = await tableFatal(tool, 'query', dict, () => dict.lookup(key));
    if (value === null) continue;
    if (value === '') emptyValueWarning(tool, dict, key);
    tool.io.stdout.write(`${value}\n`);
    return true;
  }
  return false;
}

/** The lines of a stream without their newlines (vstring_get_nonl). */
export async function* inputLines(input: Readable): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      nl = rest.indexOf('\n');
    }
  }
  if (rest !== '') yield rest;
}

/** -q -: each stdin line is a key; prints `key<sep>value` for those found. */
export async function tableQueries(tool: TableTool, operands: readonly string[], keys: AsyncIterable<string>) {
  const dicts: (Dict | null)[] = operands.map(() => null);
  let found = false;
  // Output is written at the end, as Postfix's buffered stdout: a fatal error loses it.
  let out = '';
  for await (const key of keys) {
    for (let n = 0; n < operands.length; n++) {
      const { type, name } = splitOperand(tool, operands[n]!);
      dicts[n] ??= await open(tool, type, name);
      const dict = dicts[n]!;
      const value = await tableFatal(tool, 'query', dict, () => dict.lookup(key));
      if (value === null) continue;
      if (value === '') emptyValueWarning(tool, dict, key);
      out += `${key}${tool.separator}${value}\n`;
      found = true;
      break;
    }
  }
  tool.io.stdout.write(out);
  return found;
}

/** -s: lists the first table. */
export async function tableSequence(tool: TableTool, operand: string): Promise<void> {
  const { type, name } = splitOperand(tool, operand);
  const dict = await open(tool, type, name);
  if (dict.entries === undefined) tool.msg.fatal(`table ${type}:${name}: sequence operation is not supported`);
  let out = '';
  await tableFatal(tool, 'sequence', dict, async () => {
    for await (const [key, value] of dict.entries!()) {
      if (key === '') tool.msg.warn(`table ${type}:${name}: empty lookup key value is not allowed`);
      else if (value === '') emptyValueWarning(tool, dict, key);
      out += `${key}${tool.separator}${value}\n`;
    }
  });
  tool.io.stdout.write(out);
}

/** -d key (or -d - for keys on stdin): deletes from every table; resolves whether any had a key. */
export async function tableDelete(tool: TableTool, operands: readonly string[], keys: AsyncIterable<string> | string) {
  const dicts: Dict[] = [];
  const one = typeof keys === 'string';
  let found = false;
  const remove = async (dict: Dict, key: string) => {
    if (dict.delete === undefined) tool.msg.fatal(`${dict.type}:${dict.name} map requires O_RDONLY access mode`);
    found = (await tableFatal(tool, 'delete', dict, () => dict.delete!(key))) || found;
  };
  for (const operand of operands) {
    const { type, name } = splitOperand(tool, operand);
    const dict = await open(tool, type, name, 'update');
    if (one) {
      await remove(dict, keys);
      await tableFatal(tool, 'delete', dict, async () => dict.close?.());
    } else dicts.push(dict);
  }
  if (one) return found;
  for await (const key of keys) for (const dict of dicts) await remove(dict, key);
  for (const dict of dicts) await tableFatal(tool, 'delete', dict, async () => dict.close?.());
  return found;
}

/** Builds (or with `stdinName`, updates from stdin) one table from its source records. */
export async function tableBuild(
  tool: TableTool,
  operand: string,
  records: (text: string, path: string) => Iterable<SourceRecord>,
  incremental: boolean,
  savePerm: boolean,
  extra: (dict: Dict) => Promise<void> = async () => undefined,
): Promise<void> {
  const { type, name } = splitOperand(tool, operand);
  if (!incremental && type === 'proxy') tool.msg.fatal("can't create maps via the proxy service");
  let text: string;
  let mode = 0o644;
  if (incremental) {
    text = '';
    for await (const line of inputLines(tool.io.stdin)) text += `${line}\n`;
  } else {
    const path = tablePath({ cwd: tool.io.cwd }, name);
    try {
      text = await readFile(path, 'utf8');
      mode = indexMode((await stat(path)).mode, savePerm);
    } catch (err) {
      tool.msg.fatal(`open ${name}: ${strerror(err)}`);
    }
  }
  const refusal = mkmapRefusal(type, Object.hasOwn({ ...DICT_OPENERS, ...tool.options.openers }, type));
  if (refusal !== null) tool.msg.fatal(refusal);
  const dict = await tableFatal(tool, 'open', null, () =>
    openDict3(type, name, { ...tool.options, mode: incremental ? 'append' : 'create', createMode: mode }),
  );
  await tableFatal(tool, 'write', dict, async () => {
    await mkmapLoad(dict, records(text, incremental ? 'stdin' : name), tool.msg);
    await extra(dict);
    await dict.close?.();
  });
}

const USAGE = '[-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...';

/** The keys of a message on stdin for -h (headers) and -b (body lines), without MIME processing. */
async function* messageKeys(input: Readable, headers: boolean, body: boolean): AsyncGenerator<string> {
  let header: string | null = null;
  let inBody = false;
  for await (const line of inputLines(input)) {
    if (!inBody) {
      if (header !== null && (line.startsWith(' ') || line.startsWith('\t'))) {
        header += `\n${line}`;
        continue;
      }
      if (header !== null && headers) yield header;
      header = null;
      if (line === '') {
        inBody = true;
        if (!body) return;
        continue;
      }
      header = line;
      continue;
    }
    yield line;
  }
  if (header !== null && headers) yield header;
}

export const main: CliMain = async (argv, io) => {
  const msg = cliMessages(io, 'postmap');
  const parsed = getopt(argv, 'bc:d:fFhimnNopq:rsuUvw');
  if (!parsed.ok) {
    msg.getoptError(parsed.error);
    return msg.usage(`postmap ${USAGE}`);
  }
  const keys = { header: false, body: false, mime: false };
  const { configDir, query, delkey, sequence, update, savePerm, flags } = tableOptions(msg, parsed.result, (flag) => {
    if (flag === 'b') keys.body = true;
    else if (flag === 'h') keys.header = true;
    else if (flag === 'm') keys.mime = true;
    else if (flag === 'F') msg.fatal('option -F (file contents as values) is not supported by affix');
  });
  let config: TableConfig;
  try {
    config = await readTableConfig(io, 'postmap', configDir);
  } catch (err) {
    if (err instanceof ConfigError) msg.fatal(err.message);
    throw err;
  }
  const anyKey = keys.header || keys.body || keys.mime;
  if (query !== '-' && anyKey) msg.fatal('specify -b -h or -m only with "-q -"');
  if (keys.mime && !keys.header && !keys.body) msg.warn('ignoring -m option without -b or -h');
  else if (keys.mime) msg.fatal('option -m (MIME processing) is not supported by affix');
  flags.utf8 = flags.utf8 && config.smtputf8_enable;
  const tool: TableTool = {
    program: 'postmap',
    msg,
    io,
    separator: '\t',
    defaultType: config.default_database_type,
    options: { log: msg, flags, env: io.env, cwd: io.cwd },
  };
  const operands = parsed.result.operands;
  if (delkey !== undefined) {
    if (operands.length < 1) msg.usage(`postmap ${USAGE}`);
    const found = await tableDelete(tool, operands, delkey === '-' ? inputLines(io.stdin) : delkey);
    return found ? 0 : 1;
  }
  if (query !== undefined) {
    if (operands.length < 1) msg.usage(`postmap ${USAGE}`);
    if (query === '-') {
      // -m alone leaves plain line-by-line queries, as in Postfix.
      const message = keys.header || keys.body;
      const input = message ? messageKeys(io.stdin, keys.header, keys.body) : inputLines(io.stdin);
      return (await tableQueries(tool, operands, input)) ? 0 : 1;
    }
    return (await tableQuery(tool, operands, query)) ? 0 : 1;
  }
  if (sequence) {
    if (operands.length < 1) return 1;
    await tableSequence(tool, operands[0]!);
    return 0;
  }
  if (operands.length < 1) msg.usage(`postmap ${USAGE}`);
  for (const operand of operands) await tableBuild(tool, operand, sourceRecords, update, savePerm);
  return 0;
};
