/**
 * postconf: `affix postconf`, Postfix's configuration utility with Postfix
 * 3.7's flags, output and messages: shows main.cf parameters (all, named,
 * -n, -d, -x, -h, -H, -f), edits main.cf (name=value, -e, -X, -#), shows
 * and edits master.cf (-M, -F, -P), and lists table types, lock methods,
 * SASL and TLS support (-m, -l, -a, -A, -T). This file only wires the parts.
 *
 * Parameters: config_directory (via -c or MAIL_CONFIG)
 * Diagnostics: `postconf: warning: ...` on stderr, each distinct text once;
 *   `postconf: fatal: ...` with exit status 1 (standard output is then
 *   discarded, as postconf's buffered output is)
 * Security: writes main.cf or master.cf only when asked to edit, via FILE.tmp
 * See: postfix/src/postconf/postconf.c
 */
import { ConfigError } from '../config/config_error.ts';
import { type ParamClass, unusedMainParameters, unusedMasterParameters } from '../config/user_params.ts';
import { printable } from '../log/log_printable.ts';
import { type CliIo, type CliMain, cliMessages } from './cli_io.ts';
import { getopt } from './getopt.ts';
import { configLocation, loadPostconfConfig, mainPath, masterPath, readMainSettings } from './postconf_config.ts';
import { editMain } from './postconf_edit_main.ts';
import { editMaster } from './postconf_edit_master.ts';
import { type ShowOutput, showParameters } from './postconf_main.ts';
import { showMasterEntries, showMasterFields, showMasterParams } from './postconf_master_print.ts';
import {
  EDIT_MODES,
  FLAG_BITS,
  MAJOR_MODES,
  MASTER_MODES,
  OPTSTRING,
  optionConflict,
  PCF,
  usageText,
} from './postconf_options.ts';
import {
  bounceTemplatesText,
  LOCK_TYPES,
  mapTypes,
  nameLines,
  SASL_CLIENT_TYPES,
  SASL_SERVER_TYPES,
  tlsInfo,
} from './postconf_other.ts';

const PROGRAM = 'postconf';

/** -C class names (case-insensitive) and what they select. */
const PARAM_CLASSES: Readonly<Record<string, readonly ParamClass[]>> = {
  builtin: ['builtin'],
  service: ['service'],
  user: ['user'],
  all: ['builtin', 'service', 'user'],
};

interface Command {
  mode: number;
  optionC: string | undefined;
  classes: Set<ParamClass>;
  overrides: string[];
  tlsMode: string;
  operands: readonly string[];
}

/** Reads the flags as postconf's getopt loop does; dies on what it dies of. */
function parseCommandLine(argv: readonly string[], show: ShowOutput, usage: () => never): Command {
  const parsed = getopt(argv, OPTSTRING, false); // "+": options end at the first operand, as on Linux
  if (!parsed.ok) {
    cliMessages(show.io, PROGRAM).getoptError(parsed.error);
    return usage();
  }
  const cmd: Command = {
    mode: 0,
    optionC: undefined,
    classes: new Set(PARAM_CLASSES['all']),
    overrides: [],
    tlsMode: '',
    operands: parsed.result.operands,
  };
  for (const { flag, arg } of parsed.result.options) {
    switch (flag) {
      case 'c':
        cmd.optionC = arg;
        break;
      case 'C':
        cmd.classes = parseClasses(arg ?? '', show);
        cmd.mode |= PCF.PARAM_CLASS;
        break;
      case 'o':
        cmd.mode |= PCF.MAIN_OVER;
        cmd.overrides.push(arg ?? '');
        break;
      case 'T':
        if (cmd.mode & PCF.SHOW_TLS) show.fatal('At most one -T <mode> option may be specified');
        cmd.mode |= PCF.SHOW_TLS;
        cmd.tlsMode = arg ?? '';
        break;
      case 'b':
      case 't':
        if (cmd.mode & (PCF.EXP_DSN_TEMPL | PCF.DUMP_DSN_TEMPL)) show.fatal('specify one of -b and -t');
        cmd.mode |= FLAG_BITS[flag]!;
        break;
      case 'v':
        break; // verbose logging: affix has none to add
      case 'E':
        return usage();
      default:
        cmd.mode |= FLAG_BITS[flag]!;
    }
  }
  if ((cmd.mode & MAJOR_MODES) === 0) cmd.mode |= PCF.MAIN_PARAM;
  if (cmd.mode & (PCF.MAIN_PARAM | MASTER_MODES) && cmd.operands[0]?.includes('=')) cmd.mode |= PCF.EDIT_CONF;
  const conflict = optionConflict(cmd.mode);
  if (conflict !== null) show.fatal(conflict);
  if (cmd.mode & PCF.EDIT_CONF && cmd.operands.length === 0) show.fatal('-e requires name=value argument');
  return cmd;
}

/** name_mask_opt("-C option", ...): comma or space separated, any case. */
function parseClasses(text: string, show: ShowOutput): Set<ParamClass> {
  const classes = new Set<ParamClass>();
  for (const name of text.split(/[, \t\r\n]+/).filter((n) => n !== '')) {
    const selected = PARAM_CLASSES[name.toLowerCase()];
    if (selected === undefined) show.fatal(`unknown -C option value "${name}" in "${text}"`);
    for (const c of selected) classes.add(c);
  }
  return classes;
}

/** Runs one postconf command; output goes to `show.out`. */
async function run(argv: readonly string[], show: ShowOutput): Promise<number> {
  const usage = (): never => cliMessages(show.io, PROGRAM).usage(usageText(PROGRAM));
  const cmd = parseCommandLine(argv, show, usage);
  const { mode, operands } = cmd;
  const loc = configLocation(cmd.optionC, show.io);
  const warn = (text: string) => show.warn(text);

  if (mode & (PCF.EXP_DSN_TEMPL | PCF.DUMP_DSN_TEMPL)) {
    if (operands.length > 1) show.fatal('options -b and -t require at most one template file');
    show.out.push(await bounceTemplatesText((mode & PCF.EXP_DSN_TEMPL) !== 0, loc.path, operands[0], show.io));
    return 0;
  }
  if (mode & PCF.SHOW_MAPS) {
    await readMainSettings(loc, [], warn);
    show.out.push(nameLines(await mapTypes()));
  } else if (mode & PCF.SHOW_LOCKS) {
    show.out.push(nameLines(LOCK_TYPES));
  } else if (mode & MASTER_MODES && !(mode & EDIT_MODES)) {
    const pc = await loadPostconfConfig({ loc, overrides: cmd.overrides, defaultsOnly: false, masterMode: true }, warn);
    if (mode & PCF.MASTER_FLD) showMasterFields(pc.params, mode, operands, show);
    else if (mode & PCF.MASTER_PARAM) showMasterParams(pc.params, mode, operands, show);
    else showMasterEntries(pc.params, mode, operands, show);
    show.flush();
    unusedMasterParameters(pc.sources).forEach(warn);
  } else if (mode & PCF.SHOW_SASL_SERV) {
    show.out.push(nameLines(SASL_SERVER_TYPES));
  } else if (mode & PCF.SHOW_SASL_CLNT) {
    show.out.push(nameLines(SASL_CLIENT_TYPES));
  } else if (mode & PCF.SHOW_TLS) {
    const info = tlsInfo(cmd.tlsMode);
    if (info === null) {
      show.warn(`unknown 'postconf -T' mode: ${cmd.tlsMode}`);
      return 1;
    }
    show.out.push(info);
  } else if (mode & EDIT_MODES) {
    if (operands.length === 0) show.fatal('missing service argument');
    if (mode & MASTER_MODES) {
      const path = masterPath(loc);
      await editMaster(mode, operands, path.shown, path.fs, show);
    } else {
      const path = mainPath(loc);
      await editMain(mode, operands, path.shown, path.fs, show);
    }
  } else {
    const defaultsOnly = (mode & PCF.SHOW_DEFS) !== 0;
    const pc = await loadPostconfConfig({ loc, overrides: cmd.overrides, defaultsOnly, masterMode: false }, warn);
    showParameters(pc.params, mode, cmd.classes, operands, show);
    show.flush();
    if (!defaultsOnly) {
      unusedMainParameters(pc.sources).forEach(warn);
      unusedMasterParameters(pc.sources).forEach(warn);
    }
  }
  return 0;
}

/** `affix postconf [-c DIR] [flags] [name[=value]...]`. */
export const main: CliMain = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const msg = cliMessages(io, PROGRAM);
  const warned = new Set<string>();
  const out: string[] = [];
  const show: ShowOutput = {
    io,
    out,
    warn(text) {
      // Like Postfix's msg(3): each byte that is not printable ASCII shows as `?`.
      const shown = printable(text, false);
      if (warned.has(shown)) return;
      warned.add(shown);
      msg.warn(shown);
    },
    fatal: (text) => msg.fatal(printable(text, false)),
    flush() {
      io.stdout.write(out.join(''));
      out.length = 0;
    },
  };
  try {
    const status = await run(argv, show);
    show.flush();
    return status;
  } catch (err) {
    if (err instanceof ConfigError) return show.fatal(err.message);
    throw err;
  }
};
