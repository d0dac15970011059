/**
 * dict_ht: an in-memory table (Postfix's "internal" type), the store behind
 * `texthash:` and `inline:`. Keys are folded as the flags say on store and
 * on lookup; entries list in insertion order (Postfix's own order is a
 * randomized hash order, so no caller can depend on it).
 *
 * See: postfix/src/util/dict_ht.c
 */
import { type Dict, type DictFlags, foldFixedKey } from './dict.ts';

export class DictHt implements Dict {
  readonly type: string;
  readonly name: string;
  readonly fixed = true;
  readonly #flags: DictFlags;
  readonly #table = new Map<string, string>();

  constructor(type: string, name: string, flags: DictFlags) {
    this.type = type;
    this.name = name;
    this.#flags = flags;
  }

  /** The stored form of `key`. */
  fold(key: string): string {
    return foldFixedKey(key, this.#flags);
  }

  has(key: string): boolean {
    return this.#table.has(this.fold(key));
  }

  /** Stores synchronously, for openers that fill the table while parsing. */
  put(key: string, value: string): void {
    this.#table.set(this.fold(key), value);
  }

  get size(): number {
    return this.#table.size;
  }

  async lookup(key: string): Promise<string | null> {
    return this.#table.get(this.fold(key)) ?? null;
  }

  async *entries(): AsyncIterable<readonly [string, string]> {
    yield* this.#table.entries();
  }
}
