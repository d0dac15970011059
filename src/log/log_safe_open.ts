/**
 * log_safe_open: opens maillog_file for appending the way Postfix's
 * safe_open() does, so the log cannot be used to clobber another file: an
 * existing file must be a regular file with one hard link and no symlink on
 * the way (except root-owned symlinks in root-only directories, like
 * /dev/stdout); a new file is created exclusively, with maillog_file_permissions.
 *
 * Parameters: maillog_file, maillog_file_permissions
 * Diagnostics: throws an Error whose message is safe_open()'s reason
 * Security: refuses hard links and symlinks planted by other users
 * See: postfix/src/util/safe_open.c, postfix/src/util/logwriter.c
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { strerror } from '../global/strerror.ts';

const { O_APPEND, O_CREAT, O_EXCL, O_WRONLY } = constants;

/** maillog_file_permissions values Postfix accepts (after leading zeros), with their modes. */
export const LOGFILE_PERMISSIONS = { '644': 0o644, '640': 0o640, '600': 0o600 } as const;

/** The create mode a maillog_file_permissions value names, or null for a value Postfix ignores. */
export function parseLogfilePermissions(value: string): number | null {
  const key = value.replace(/^0+/, '');
  return Object.hasOwn(LOGFILE_PERMISSIONS, key) ? LOGFILE_PERMISSIONS[key as keyof typeof LOGFILE_PERMISSIONS] : null;
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** A root-owned symlink is trusted only in a directory that only root can write. */
function trustedSymlink(path: string, link: Stats): boolean {
  if (link.uid !== 0) return false;
  try {
    const parent = statSync(dirname(path));
    return parent.uid === 0 && (parent.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Opens an existing file; returns the fd, or null when it does not exist. */
function openExisting(path: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_APPEND);
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return null;
    throw new Error(`cannot open file: ${strerror(err)}`);
  }
  let why: string | null = null;
  const st = fstatSync(fd);
  if (st.nlink !== 1) {
    why = `file has ${st.nlink} hard links`;
  } else if (st.isDirectory()) {
    why = 'file is a directory';
  } else {
    let link: Stats | null = null;
    try {
      link = lstatSync(path);
    } catch (err) {
      why = `file status changed unexpectedly: ${strerror(err)}`;
    }
    if (link?.isSymbolicLink()) {
      if (!trustedSymlink(path, link)) why = 'file is a symbolic link';
    } else if (
      link !== null &&
      (link.dev !== st.dev || link.ino !== st.ino || link.nlink !== st.nlink || link.mode !== st.mode)
    ) {
      why = 'file status changed unexpectedly';
    }
  }
  if (why === null) return fd;
  closeSync(fd);
  throw new Error(why);
}

/**
 * Opens `path` with O_WRONLY | O_APPEND, creating it with `mode` when absent.
 * Throws an Error whose message says why the file is refused.
 */
export function safeOpenAppend(path: string, mode: number): number {
  const fd = openExisting(path);
  if (fd !== null) return fd;
  try {
    return openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, mode);
  } catch (err) {
    if (codeOf(err) !== 'EEXIST') throw new Error(`cannot create file exclusively: ${strerror(err)}`);
  }
  // Someone created it in between: open what is there now, carefully.
  const again = openExisting(path);
  if (again === null) throw new Error('cannot open file: No such file or directory');
  return again;
}
