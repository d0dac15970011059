/**
 * postalias: `affix postalias`, Postfix's alias database tool: builds the
 * index of an aliases(5) file (`name: value, ...`), adds from stdin (-i),
 * deletes (-d), queries (-q) and lists (-s), printing `key: value`. Also
 * `affix newaliases` (sendmail -bi), which runs postalias on $alias_database.
 * As Postfix built with NIS support (Debian), a build adds the `@` marker
 * entry and the YP_LAST_MODIFIED and YP_MASTER_NAME entries.
 *
 * Parameters: alias_database, default_database_type, myhostname, smtputf8_enable
 * Diagnostics: as postmap; newaliases exits 75 (EX_TEMPFAIL) on fatal errors, as Postfix's sendmail
 * Security: writes only `<file>.affixdb` next to an aliases file named on the command line or in main.cf
 * See: postfix/src/postalias/postalias.c, postfix/src/sendmail/sendmail.c (SM_MODE_NEWALIAS)
 */
import { basename, dirname } from 'node:path';
import { ConfigError } from '../config/config_error.ts';
import { CHARS_COMMA_SP, splitQuoted } from '../config/config_split.ts';
import { aliasRecords } from '../maps/alias_source.ts';
import { casefold } from '../maps/dict.ts';
import type { CliIo, CliMain } from './cli_io.ts';
import { cliMessages } from './cli_io.ts';
import { getopt } from './getopt.ts';
import {
  inputLines,
  readTableConfig,
  type TableConfig,
  type TableTool,
  tableBuild,
  tableDelete,
  tableQueries,
  tableQuery,
  tableSequence,
} from './postmap.ts';
import { tableOptions } from './postmap_options.ts';

const USAGE = '[-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [map_type:]file...';

export const main: CliMain = async (argv, io) => {
  const msg = cliMessages(io, 'postalias');
  const parsed = getopt(argv, 'Nc:d:finopq:rsuvw');
  if (!parsed.ok) {
    msg.getoptError(parsed.error);
    return msg.usage(`postalias ${USAGE}`);
  }
  const { configDir, query, delkey, sequence, update, savePerm, flags } = tableOptions(msg, parsed.result);
  let config: TableConfig;
  try {
    config = await readTableConfig(io, 'postalias', configDir);
  } catch (err) {
    if (err instanceof ConfigError) msg.fatal(err.message);
    throw err;
  }
  flags.utf8 = flags.utf8 && config.smtputf8_enable;
  const tool: TableTool = {
    program: 'postalias',
    msg,
    io,
    separator: ':\t',
    defaultType: config.default_database_type,
    options: { log: msg, flags, env: io.env, cwd: io.cwd },
  };
  const operands = parsed.result.operands;
  if (delkey !== undefined) {
    if (operands.length < 1) msg.usage(`postalias ${USAGE}`);
    return (await tableDelete(tool, operands, delkey === '-' ? inputLines(io.stdin) : delkey)) ? 0 : 1;
  }
  if (query !== undefined) {
    if (operands.length < 1) msg.usage(`postalias ${USAGE}`);
    if (query === '-') return (await tableQueries(tool, operands, inputLines(io.stdin))) ? 0 : 1;
    return (await tableQuery(tool, operands, query)) ? 0 : 1;
  }
  if (sequence) {
    if (operands.length < 1) return 1;
    await tableSequence(tool, operands[0]!);
    return 0;
  }
  if (operands.length < 1) msg.usage(`postalias ${USAGE}`);
  // Alias names are folded here, so that the YP_* entries can be stored as they are.
  const fold = (key: string) => (flags.fold_fix ? casefold(key, flags.utf8 ?? true) : key);
  const writer: TableTool = { ...tool, options: { ...tool.options, flags: { ...flags, fold_fix: false } } };
  for (const operand of operands) {
    const records = function* (text: string, path: string) {
      for (const r of aliasRecords(text, path)) yield r.kind === 'entry' ? { ...r, key: fold(r.key) } : r;
    };
    await tableBuild(writer, operand, records, update, savePerm, async (dict) => {
      const marks: [string, string][] = [
        ['@', '@'],
        ['YP_LAST_MODIFIED', String(Math.floor(Date.now() / 1000)).padStart(10, '0')],
        ['YP_MASTER_NAME', config.myhostname],
      ];
      for (const [key, value] of marks) {
        // An update replaces these silently (DICT_FLAG_DUP_REPLACE in postalias.c).
        if (update) await dict.delete?.(key);
        await dict.update!(key, value);
      }
    });
  }
  return 0;
};

/** sendmail's option letters; those newaliases does not use are accepted and ignored. */
const SENDMAIL_OPTIONS = 'A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx';

/** EX_TEMPFAIL: what Postfix's sendmail exits with on a fatal error. */
const EX_TEMPFAIL = 75;

/** `affix newaliases [-C config] [-oA[type:]file]`: postalias on each $alias_database table. */
export const newaliasesMain: CliMain = async (argv: readonly string[], io: CliIo) => {
  const msg = cliMessages(io, 'newaliases');
  const parsed = getopt(argv, SENDMAIL_OPTIONS);
  if (!parsed.ok) msg.getoptError(parsed.error);
  let configDir: string | undefined;
  const configOption = (arg: string) => (basename(arg) === 'main.cf' ? dirname(arg) : arg);
  if (parsed.ok) {
    for (const { flag, arg } of parsed.result.options)
      if (flag === 'C' && arg !== undefined) configDir = configOption(arg);
  } else {
    // getopt failed further on; -C options before the bad one still count, as in sendmail's first pass.
    for (let i = 0; i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--'; i++) {
      if (argv[i] === '-C' && argv[i + 1] !== undefined) configDir = configOption(argv[++i]!);
      else if (argv[i]!.startsWith('-C')) configDir = configOption(argv[i]!.slice(2));
    }
  }
  let config: TableConfig;
  try {
    config = await readTableConfig(io, 'newaliases', configDir);
  } catch (err) {
    if (err instanceof ConfigError) msg.fatal(err.message, EX_TEMPFAIL);
    throw err;
  }
  if (!parsed.ok) {
    // sendmail parses its options twice, so getopt complains twice.
    msg.getoptError(parsed.error);
    return msg.usage('newaliases [options]', EX_TEMPFAIL);
  }
  let aliasMaps: string | undefined;
  for (const { flag, arg } of parsed.result.options) {
    if (flag !== 'o' || !arg?.startsWith('A')) continue;
    if (arg.length === 1) msg.fatal('-oA requires pathname', EX_TEMPFAIL);
    aliasMaps = arg.slice(1);
  }
  if (parsed.result.operands.length > 0) msg.fatal('alias initialization mode requires no recipient', EX_TEMPFAIL);
  const maps = aliasMaps !== undefined ? [aliasMaps] : splitQuoted(config.alias_database, CHARS_COMMA_SP);
  if (maps.length === 0) return 0;
  return main([...(configDir === undefined ? [] : ['-c', configDir]), '--', ...maps], io);
};
