/**
 * queue_id: Postfix's queue IDs. Short form (default): the microseconds of
 * the moment as five upper-case hex digits, then a number that makes it
 * unique as hex (`DFC8A16044F`). Long form (enable_long_queue_ids): seconds
 * in base 52, microseconds as four base-52 digits, `z`, then the unique
 * number in base 51 (`4jchFw2qPlzBrJw`). Postfix uses the file's inode as
 * the unique number; affix, which names a message before its file exists,
 * uses a per-process counter started at a random value. The processes of
 * one daemon (smtpd workers, src/cli/master_workers.ts) each take their own
 * residue of the counter (a slot), so two of them never make the same ID.
 *
 * Parameters: enable_long_queue_ids
 * Security: parseQueueId accepts only [0-9A-Za-z_], so an ID never names a path
 * See: postfix/src/global/mail_queue.c (mail_queue_id_ok, MQID_*)
 */
import { randomInt } from 'node:crypto';

declare const queueIdBrand: unique symbol;
/** A queue ID that passed parseQueueId() or was made by QueueIdGenerator. */
export type QueueId = string & { readonly [queueIdBrand]: true };

const QUEUE_ID = /^[0-9A-Za-z_]{1,255}$/;

/** Like mail_queue_id_ok(): the only way from text to a QueueId. */
export function parseQueueId(text: string): QueueId | null {
  return QUEUE_ID.test(text) ? (text as QueueId) : null;
}

/** The "safe" alphabet of long IDs: digits and consonants. */
const LONG_DIGITS = '0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz';
const LONG_INODE_DIGITS = LONG_DIGITS.replace('z', '');

function encode(n: number, digits: string, minWidth: number): string {
  let out = '';
  do {
    out = digits[n % digits.length] + out;
    n = Math.floor(n / digits.length);
  } while (n > 0);
  return out.padStart(minWidth, digits[0]);
}

function decode(text: string, digits: string): number {
  let n = 0;
  for (const ch of text) n = n * digits.length + digits.indexOf(ch);
  return n;
}

/** True for a long-form ID: ten base-52 digits, the `z` separator, the base-51 number. */
export function isLongQueueId(id: string): boolean {
  return /^[0-9A-Za-y]{10}z[0-9A-Za-y]+$/.test(id);
}

/**
 * The hashed subdirectory name(s) for `id` at `depth` levels: the first hex
 * digits of the microsecond field (for long IDs decoded and re-encoded as
 * five hex digits, as Postfix does).
 */
export function hashDirs(id: string, depth: number): string[] {
  let hex = id;
  if (isLongQueueId(id)) {
    const usec = decode(id.slice(6, 10), LONG_DIGITS);
    hex = usec.toString(16).toUpperCase().padStart(5, '0');
  }
  return [...hex.slice(0, depth)];
}

/** Which of `count` processes makes the IDs: each uses only counter values ≡ index (mod count). */
export interface QueueIdSlot {
  readonly index: number;
  readonly count: number;
}

const COUNTER_MIN = 0x10000;
const COUNTER_MAX = 0xfffffff;

/** The least counter value at or above `value` that belongs to `slot`. */
function inSlot(value: number, slot: QueueIdSlot): number {
  return value + ((slot.index - (value % slot.count) + slot.count) % slot.count);
}

export class QueueIdGenerator {
  readonly #long: boolean;
  readonly #clock: () => number;
  readonly #step: number;
  readonly #first: number;
  #counter: number;

  /** `clock` returns microseconds since the epoch (tests fix it). */
  constructor(long: boolean, clock: () => number = microsNow, slot: QueueIdSlot = { index: 0, count: 1 }) {
    this.#long = long;
    this.#clock = clock;
    this.#step = slot.count;
    // Postfix's inode part is at least 5 hex digits; stay in that range so IDs keep their usual length.
    this.#first = inSlot(COUNTER_MIN, slot);
    this.#counter = inSlot(randomInt(COUNTER_MIN, 0x7fffff), slot);
  }

  next(): QueueId {
    const micros = this.#clock();
    const seconds = Math.floor(micros / 1e6);
    const usec = micros % 1e6;
    this.#counter = this.#counter + this.#step > COUNTER_MAX ? this.#first : this.#counter + this.#step;
    const id = this.#long
      ? `${encode(seconds, LONG_DIGITS, 6)}${encode(usec, LONG_DIGITS, 4)}z${encode(this.#counter, LONG_INODE_DIGITS, 1)}`
      : `${usec.toString(16).toUpperCase().padStart(5, '0')}${this.#counter.toString(16).toUpperCase()}`;
    return id as QueueId;
  }
}

/** Microseconds since the epoch. */
export function microsNow(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
