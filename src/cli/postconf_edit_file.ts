/**
 * postconf_edit_file: what main.cf and master.cf edits share: the file as
 * lines (bytes kept as they are), the test
 * for a line that is only a comment or blank, and the update through
 * `FILE.tmp` renamed into place, so that a reader never sees half a file.
 *
 * Diagnostics: ConfigError `open FILE.tmp: ...`, `open FILE for reading: ...`
 * Security: writes only FILE.tmp in the configuration directory, mode 0644
 * See: postfix/src/postconf/postconf_edit.c, postfix/src/global/edit_file.c
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { ConfigError } from '../config/config_error.ts';

/** Postfix's strerror() words for the errors an edit meets. */
function reason(err: NodeJS.ErrnoException): string {
  const reasons: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    EROFS: 'Read-only file system',
    ENOSPC: 'No space left on device',
  };
  return reasons[err.code ?? ''] ?? err.message;
}

/** ISSPACE(): the C locale's whitespace. */
export const isSpace = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';

/** Where the text of a line starts, or -1 for a comment or blank line (pcf_find_cf_info). */
export function contentStart(line: string): number {
  let i = 0;
  while (i < line.length && isSpace(line[i])) i++;
  return i >= line.length || line[i] === '#' ? -1 : i;
}

/** Bytes as a string of latin1 code units, so that any byte survives the round trip. */
export const fromArg = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
export const toShown = (text: string): string => Buffer.from(text, 'latin1').toString('utf8');

/** Reads `fsPath` as lines; an unterminated last line stays so, as with Postfix 3.7 (`last = 1new = 1`). */
export async function readEditLines(shownPath: string, fsPath: string): Promise<string[]> {
  let data: Buffer;
  try {
    // Postfix creates FILE.tmp first; an unwritable directory is reported before the missing file.
    await writeFile(`${fsPath}.tmp`, '', { mode: 0o644, flag: 'a' });
  } catch (err) {
    throw new ConfigError(`open ${shownPath}.tmp: ${reason(err as NodeJS.ErrnoException)}`);
  }
  try {
    data = await readFile(fsPath);
  } catch (err) {
    await unlink(`${fsPath}.tmp`).catch(() => undefined);
    throw new ConfigError(`open ${shownPath} for reading: ${reason(err as NodeJS.ErrnoException)}`);
  }
  return data
    .toString('latin1')
    .split(/(?<=\n)/)
    .filter((l) => l !== '');
}

/** Writes `text` to FILE.tmp and renames it over FILE (edit_file_close). */
export async function replaceFile(shownPath: string, fsPath: string, text: string): Promise<void> {
  const tmp = `${fsPath}.tmp`;
  try {
    await writeFile(tmp, Buffer.from(text, 'latin1'), { mode: 0o644 });
    await rename(tmp, fsPath);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new ConfigError(`close ${shownPath}.tmp: ${reason(err as NodeJS.ErrnoException)}`);
  }
}
