/**
 * log_generator_parts: the pieces of log_generator that hold no state: the
 * time stamp in each framing, base-52 digits for long queue IDs, and a
 * binary heap of lines scheduled for later (retries, expiries and the rest
 * of each message's lines, thousands at a time in a large log).
 */
/** How the lines are framed: syslog (`Nov  1`), postlogd (`Nov 01`), RFC 3339. */
export type Framing = 'rfc3164' | 'postlogd' | 'rfc3339';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const LONG_DIGITS = '0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz';
export const TLS_TAIL =
  'TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function stamp(ms: number, framing: Framing): string {
  const d = new Date(ms);
  const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const day = d.getDate();
  if (framing === 'postlogd') return `${MONTHS[d.getMonth()]} ${pad2(day)} ${hms}`;
  if (framing === 'rfc3164') return `${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${hms}`;
  const usec = String(Math.floor((ms % 1000) * 1000)).padStart(6, '0');
  const off = -d.getTimezoneOffset();
  const z = `${off < 0 ? '-' : '+'}${pad2(Math.floor(Math.abs(off) / 60))}:${pad2(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(day)}T${hms}.${usec}${z}`;
}

export function encode(n: number, digits: string, width: number): string {
  let out = '';
  do {
    out = digits[n % digits.length] + out;
    n = Math.floor(n / digits.length);
  } while (n > 0);
  return out.padStart(width, digits[0]);
}

/** A pending line: when it is written, and its text after the stamp and host. */
export interface Pending {
  readonly at: number;
  readonly text: string;
}

/** Lines scheduled for later, earliest first (a binary heap: the log can have thousands pending). */
export class LineHeap {
  readonly #a: Pending[] = [];
  #order = 0;
  readonly #seq: number[] = [];

  get size(): number {
    return this.#a.length;
  }

  peek(): Pending | undefined {
    return this.#a[0];
  }

  #less(i: number, j: number): boolean {
    const a = this.#a[i]!;
    const b = this.#a[j]!;
    return a.at < b.at || (a.at === b.at && this.#seq[i]! < this.#seq[j]!);
  }

  #swap(i: number, j: number): void {
    [this.#a[i], this.#a[j]] = [this.#a[j]!, this.#a[i]!];
    [this.#seq[i], this.#seq[j]] = [this.#seq[j]!, this.#seq[i]!];
  }

  push(p: Pending): void {
    this.#a.push(p);
    this.#seq.push(this.#order++);
    let i = this.#a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): Pending | undefined {
    const top = this.#a[0];
    const last = this.#a.pop();
    const lastSeq = this.#seq.pop();
    if (this.#a.length > 0 && last !== undefined) {
      this.#a[0] = last;
      this.#seq[0] = lastSeq!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.#a.length && this.#less(l, m)) m = l;
        if (r < this.#a.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
