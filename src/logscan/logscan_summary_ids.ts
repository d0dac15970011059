/**
 * logscan_summary_ids: the queue IDs the summary remembers, as a hash
 * table in typed arrays looked up by the ID where it lies in a line: no ID
 * is cut into a string or hashed by V8 to be looked up. A short ID
 * (upper-case hex, up to 12 digits) is its own number; a longer one is
 * hashed from its characters and kept as a string. Each ID gets a record
 * number, used again once the ID is removed, for the caller's own arrays.
 * A Map with messages constantly added and removed copies its table every
 * few hundred messages, and once it lives in the old generation each copy
 * is garbage there (the heap of a summary grew 6 MB per million lines
 * between major collections); this table allocates only to grow. IDs are
 * kept in the order they were added, for oldest-first eviction.
 *
 * See: logscan_summary_state.ts (what the summary keeps per ID)
 */

import { detach } from './logscan_counter.ts';

const EMPTY = 0;
/** Short IDs up to this long are numbers: value * 16 + length (`0ABC12` is not `00ABC12`), below 2^53. */
const MAX_NUMERIC = 12;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** A 31-bit hash, never 0 (0 is an empty slot). */
function mix(h: number): number {
  let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return ((x ^ (x >>> 16)) & 0x7fffffff) | 1;
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

export class QueueIdTable {
  /** Open addressing with linear probing: record + 1, or EMPTY; at most half full. */
  #slots = new Int32Array(1024);
  #mask = 1023;
  /** Per record: its key (a number, or -1 and the string in #keyText), hash, generation, and whether it is in use. */
  #keyNumber = new Float64Array(512);
  readonly #keyText: (string | null)[] = [];
  #keyHash = new Int32Array(512);
  #generation = new Int32Array(512);
  #live = new Uint8Array(512);
  #records = 0;
  readonly #free: number[] = [];
  /** Records in the order they were added: record and generation pairs, stale ones skipped. */
  #order = new Int32Array(1024);
  #orderHead = 0;
  #orderTail = 0;
  #size = 0;
  /** The ID last read: its number (-1 for a string) and hash. */
  #number = -1;
  #hash = 0;
  /** Whether the last add() made a record. */
  created = false;

  /** IDs remembered now. */
  get size(): number {
    return this.#size;
  }

  /** Reads the ID `text` has from `start` to `end` into #number and #hash. */
  #read(text: string, start: number, end: number): void {
    const length = end - start;
    if (length <= MAX_NUMERIC) {
      let n = 0;
      let i = start;
      for (; i < end; i++) {
        const d = hexValue(text.charCodeAt(i));
        if (d < 0) break;
        n = n * 16 + d;
      }
      if (i === end) {
        this.#number = n * 16 + length;
        this.#hash = mix((n >>> 0) ^ Math.imul(Math.floor(n / 4294967296), 0x9e3779b1) ^ length);
        return;
      }
    }
    let h = 0x811c9dc5 ^ length;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    this.#number = -1;
    this.#hash = mix(h);
  }

  /** The slot of the ID just read, or -1 - the empty slot where it would go. */
  #slot(text: string, start: number, end: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    const n = this.#number;
    for (let i = this.#hash & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === EMPTY) return -1 - i;
      const record = s - 1;
      if (this.#keyHash[record] !== this.#hash) continue;
      if (n >= 0 ? this.#keyNumber[record] === n : this.#sameText(record, text, start, end)) return i;
    }
  }

  #sameText(record: number, text: string, start: number, end: number): boolean {
    const key = this.#keyText[record];
    return key !== null && key !== undefined && key.length === end - start && text.startsWith(key, start);
  }

  /** The record of the ID `text` has from `start` to `end`, -1 when it has none. */
  find(text: string, start: number, end: number): number {
    this.#read(text, start, end);
    const slot = this.#slot(text, start, end);
    return slot < 0 ? -1 : this.#slots[slot]! - 1;
  }

  /** The record of the ID, made when it has none (`created` then says so). */
  add(text: string, start: number, end: number): number {
    this.#read(text, start, end);
    const slot = this.#slot(text, start, end);
    this.created = slot < 0;
    if (slot >= 0) return this.#slots[slot]! - 1;
    const record = this.#newRecord();
    this.#keyNumber[record] = this.#number;
    // a copy: the line goes, the ID stays
    this.#keyText[record] = this.#number >= 0 ? null : detach(text.slice(start, end));
    this.#keyHash[record] = this.#hash;
    this.#live[record] = 1;
    this.#slots[-1 - slot] = record + 1;
    this.#size++;
    if (this.#orderTail === this.#order.length) this.#compactOrder();
    this.#order[this.#orderTail++] = record;
    this.#order[this.#orderTail++] = this.#generation[record]!;
    if (this.#size * 2 > this.#slots.length) this.#rehash(this.#slots.length * 2);
    return record;
  }

  #newRecord(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const record = this.#records++;
    if (record === this.#keyNumber.length) {
      const capacity = record * 2;
      this.#keyNumber = grown(this.#keyNumber, new Float64Array(capacity));
      this.#keyHash = grown(this.#keyHash, new Int32Array(capacity));
      this.#generation = grown(this.#generation, new Int32Array(capacity));
      this.#live = grown(this.#live, new Uint8Array(capacity));
    }
    return record;
  }

  /** Drops the stale pairs from the order; grows it when most pairs are live. */
  #compactOrder(): void {
    const order = this.#order;
    const next = this.#size * 4 > order.length ? new Int32Array(order.length * 2) : order;
    let n = 0;
    for (let i = this.#orderHead; i < this.#orderTail; i += 2) {
      const record = order[i]!;
      const generation = order[i + 1]!;
      if (this.#live[record] === 1 && this.#generation[record] === generation) {
        next[n++] = record;
        next[n++] = generation;
      }
    }
    this.#order = next;
    this.#orderHead = 0;
    this.#orderTail = n;
  }

  /** Removes a record that find() or add() returned; its number may be given to the next new ID. */
  remove(record: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = this.#keyHash[record]! & mask;
    while (slots[i] !== record + 1) i = (i + 1) & mask;
    // backward-shift deletion: no tombstones, so constant turnover keeps probe runs short
    for (let j = (i + 1) & mask; slots[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.#keyHash[slots[j]! - 1]! & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[i] = slots[j]!;
        i = j;
      }
    }
    slots[i] = EMPTY;
    this.#keyText[record] = null;
    this.#live[record] = 0;
    this.#generation[record] = (this.#generation[record]! + 1) | 0;
    this.#free.push(record);
    this.#size--;
  }

  /** Removes the `count` IDs added longest ago (fewer when fewer are left). */
  evictOldest(count: number): void {
    const order = this.#order;
    let n = 0;
    while (n < count && this.#orderHead < this.#orderTail) {
      const record = order[this.#orderHead]!;
      const generation = order[this.#orderHead + 1]!;
      this.#orderHead += 2;
      if (this.#live[record] === 1 && this.#generation[record] === generation) {
        this.remove(record);
        n++;
      }
    }
  }

  #rehash(capacity: number): void {
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (const s of this.#slots) {
      if (s === EMPTY) continue;
      let i = this.#keyHash[s - 1]! & mask;
      while (slots[i] !== EMPTY) i = (i + 1) & mask;
      slots[i] = s;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
