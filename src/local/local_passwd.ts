/**
 * local_passwd: the system accounts local delivery needs — a recipient's
 * uid, gid, home and shell by name, and a name by uid (the owner of an
 * :include: file or alias database). Node has no getpwnam(), so this reads
 * /etc/passwd (re-read when it changes), as the maps layer does for
 * `unix:passwd.byname`; accounts known only through NSS modules are not seen.
 *
 * Security: reads one fixed file; names are matched exactly after case folding
 * See: postfix/src/global/mypwd.c
 */
import { readFile, stat } from 'node:fs/promises';

export interface Passwd {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

export class PasswdFile {
  readonly #path: string;
  #mtime = -1;
  #byName = new Map<string, Passwd>();
  #byUid = new Map<number, Passwd>();

  constructor(path = '/etc/passwd') {
    this.#path = path;
  }

  async #load(): Promise<void> {
    const st = await stat(this.#path);
    if (st.mtimeMs === this.#mtime) return;
    const byName = new Map<string, Passwd>();
    const byUid = new Map<number, Passwd>();
    for (const line of (await readFile(this.#path, 'utf8')).split('\n')) {
      const f = line.split(':');
      if (f.length < 7 || f[0] === '') continue;
      const entry: Passwd = { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
      if (!byName.has(entry.name)) byName.set(entry.name, entry);
      if (!byUid.has(entry.uid)) byUid.set(entry.uid, entry);
    }
    this.#byName = byName;
    this.#byUid = byUid;
    this.#mtime = st.mtimeMs;
  }

  /** getpwnam(): throws when the file cannot be read (a temporary error). */
  async byName(name: string): Promise<Passwd | null> {
    await this.#load();
    return this.#byName.get(name) ?? null;
  }

  async byUid(uid: number): Promise<Passwd | null> {
    await this.#load();
    return this.#byUid.get(uid) ?? null;
  }
}
