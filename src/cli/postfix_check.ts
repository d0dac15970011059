/**
 * postfix_check: `affix postfix check`, the integrity check `postfix start`
 * also runs. Fatal: main.cf or master.cf that cannot be read, a parameter
 * value a daemon would die of. Warnings: group- or world-writable files,
 * files not owned by root (when run as root), parameters set in main.cf
 * that affix does not honour yet, master.cf services it does not run.
 *
 * Parameters: config_directory, queue_directory, data_directory
 * See: postfix/conf/postfix-script (check-fatal, check-warn)
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import type { ServiceProgram } from '../config/master_service.ts';
import { isParamName } from '../config/params.ts';

export interface CheckFindings {
  /** Postfix's fatal texts: the mail system must not start. */
  readonly fatal: string[];
  readonly warnings: string[];
  /** What affix ignores of this configuration (unhonoured parameters, services it does not run). */
  readonly notImplemented: string[];
}

/** Files and directories whose permissions `postfix check` looks at. */
function checkedPaths(config: Config): string[] {
  const paths: string[] = [];
  const addTree = (dir: string) => {
    try {
      paths.push(dir);
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isFile()) paths.push(join(dir, e.name));
      }
    } catch {
      // a directory that does not exist yet is created at start
    }
  };
  addTree(config.configDir);
  for (const name of ['queue_directory', 'data_directory']) {
    const dir = resolve(config.value(name));
    try {
      statSync(dir);
      paths.push(dir);
    } catch {
      // created at start
    }
  }
  return paths;
}

function permissionWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const asRoot = process.getuid?.() === 0;
  for (const path of checkedPaths(config)) {
    const st = statSync(path);
    if (asRoot && st.uid !== 0 && path.startsWith(config.configDir)) warnings.push(`not owned by root: ${path}`);
    if ((st.mode & 0o022) !== 0 && !st.isSymbolicLink()) warnings.push(`group or other writable: ${path}`);
  }
  return warnings;
}

/** Runs every check; never throws for a configuration problem. */
export function postfixCheck(config: Config, programs: readonly ServiceProgram[]): CheckFindings {
  const fatal = config.validate().map((e) => e.message);
  const warnings = permissionWarnings(config);
  const notImplemented: string[] = [];
  for (const s of config.settings()) {
    if (s.path !== null && config.isKnown(s.name) && !isParamName(s.name)) {
      notImplemented.push(
        `${s.path}, line ${s.line}: ${s.name} is not implemented by affix yet; its setting has no effect`,
      );
    }
  }
  const implemented = new Set(programs.map((p) => p.name));
  for (const service of config.masterCf?.services ?? []) {
    const program = service.command.split('/').pop() ?? service.command;
    if (!implemented.has(program)) {
      notImplemented.push(
        `${config.masterCf?.path}, line ${service.line}: service ${service.name}/${service.type}: program ${program} is not implemented by affix yet; it will not run`,
      );
    }
  }
  return { fatal, warnings, notImplemented };
}
