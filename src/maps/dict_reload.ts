/**
 * dict_reload: a file-backed value that follows its file. The file's identity
 * (inode, size, mtime) is checked at most once a second; when it changed,
 * the value is loaded again, so a rebuilt table or an edited /etc/passwd is
 * seen without a restart. While the file stays the same, lookups cost no I/O.
 *
 * See: postfix/src/util/dict.c (dict_changed_name: Postfix restarts instead)
 */
import { stat } from 'node:fs/promises';

/** What decides whether a file changed. */
export interface FileIdentity {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The identity of `path`, or null when it does not exist. Other errors are thrown. */
export async function fileIdentity(path: string): Promise<FileIdentity | null> {
  try {
    const st = await stat(path);
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const sameIdentity = (a: FileIdentity | null, b: FileIdentity | null): boolean =>
  a === b || (a !== null && b !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs);

/** How often the identity is checked, in milliseconds. */
export const RELOAD_CHECK_INTERVAL = 1000;

export class ReloadingFile<T> {
  readonly #path: string;
  readonly #load: (identity: FileIdentity | null) => Promise<T>;
  readonly #now: () => number;
  #identity: FileIdentity | null = null;
  #value: T | undefined;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<T> | null = null;

  /** `load` gets the identity it was called for (null: the file is missing). */
  constructor(path: string, load: (identity: FileIdentity | null) => Promise<T>, now: () => number) {
    this.#path = path;
    this.#load = load;
    this.#now = now;
  }

  /** The current value, loading or reloading first when the file changed. */
  get(): Promise<T> {
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #refresh(): Promise<T> {
    const now = this.#now();
    if (this.#value !== undefined && now - this.#checkedAt < RELOAD_CHECK_INTERVAL) return this.#value;
    const identity = await fileIdentity(this.#path);
    this.#checkedAt = now;
    if (this.#value !== undefined && sameIdentity(identity, this.#identity)) return this.#value;
    const value = await this.#load(identity);
    this.#identity = identity;
    this.#value = value;
    return value;
  }
}
