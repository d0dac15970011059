/**
 * dict_context: what a table type's opener is given (Postfix's dict_open
 * arguments plus the few outside facts affix passes in instead of reading
 * globals), and helpers several openers share: path resolution, Postfix's
 * `open X: reason` wording, and the read-only check.
 *
 * Security: paths come from the configuration or the command line, never from mail
 * See: postfix/src/util/dict_open.c, postfix/src/util/dict.h
 */
import { isAbsolute, resolve } from 'node:path';
import { type Dict, type DictFlags, type DictLog, type DictMode, DictOpenError } from './dict.ts';

/** The context of one open: the parsed `type:name`, flags, mode, and how to open nested tables. */
export interface DictOpenContext {
  readonly type: string;
  readonly name: string;
  readonly flags: DictFlags;
  readonly mode: DictMode;
  readonly log: DictLog;
  /** The environment for `environ:` (a command passes its own). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory that relative table paths are resolved against. */
  readonly cwd: string;
  /** Milliseconds since the epoch; tests move it to see a rebuilt index. */
  readonly now: () => number;
  /** The passwd and group files `unix:passwd.byname` and `unix:group.byname` read. */
  readonly passwdFile: string;
  readonly groupFile: string;
  /** Permissions of an index file a build creates (postmap copies the source's group/other bits). */
  readonly createMode: number;
  /** Opens a nested table (`unionmap:{...}`, `proxy:type:name`) with the same options. */
  open(spec: string): Promise<Dict>;
}

/** Opens one table type. Throws DictOpenError with Postfix's reason when it cannot. */
export type DictOpener = (ctx: DictOpenContext) => Promise<Dict>;

/** The absolute path of a table file named relative to the caller's directory. */
export function tablePath(ctx: Pick<DictOpenContext, 'cwd'>, name: string): string {
  return isAbsolute(name) ? name : resolve(ctx.cwd, name);
}

/** strerror() texts for the errors a table file open meets. */
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  EMFILE: 'Too many open files',
  EINVAL: 'Invalid argument',
};

/** The `%m` text for a Node.js file error. */
export function strerror(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return STRERROR[e.code ?? ''] ?? e.message ?? String(err);
}

/** True for a Node.js error with this code. */
export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}

/** Throws Postfix's refusal for a type that can only be read (`X:Y map requires O_RDONLY access mode`). */
export function requireReadOnly(ctx: DictOpenContext): void {
  if (ctx.mode !== 'read') throw new DictOpenError(`${ctx.type}:${ctx.name} map requires O_RDONLY access mode`);
}
