/**
 * qmgr_clock: the time qmgr lives by, and its timers: the system clock in
 * the daemon, a ManualClock in tests, which moves only when told and fires
 * the timers that fall due in order, so a test can prove retry times,
 * expiry and delay warnings without waiting for them.
 *
 * See: postfix/src/util/events.c (event_time, event_request_timer)
 */

/** A timer's handle; cancel it with clearTimer(). */
export interface QmgrTimer {
  readonly due: number;
}

export interface QmgrClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now. */
  setTimer(ms: number, fn: () => void): QmgrTimer;
  clearTimer(timer: QmgrTimer): void;
}

interface SystemTimer extends QmgrTimer {
  readonly handle: NodeJS.Timeout;
}

/** The real clock; timers do not keep the process alive. */
export const systemClock: QmgrClock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    const timer: SystemTimer = { due: Date.now() + ms, handle };
    return timer;
  },
  clearTimer(timer) {
    clearTimeout((timer as SystemTimer).handle);
  },
};

interface ManualTimer extends QmgrTimer {
  readonly seq: number;
  readonly fn: () => void;
}

/** A clock for tests: time stands still until advance(). */
export class ManualClock implements QmgrClock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<ManualTimer>();

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): QmgrTimer {
    const timer: ManualTimer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.add(timer);
    return timer;
  }

  clearTimer(timer: QmgrTimer): void {
    this.#timers.delete(timer as ManualTimer);
  }

  /** When the next timer falls due, or null. */
  get nextDue(): number | null {
    let next: number | null = null;
    for (const t of this.#timers) if (next === null || t.due < next) next = t.due;
    return next;
  }

  /**
   * Moves time forward by `ms`, firing each timer at its due time, in order;
   * after each, `settle` (e.g. qmgr.idle()) lets the work it started finish.
   */
  async advance(ms: number, settle?: () => Promise<void>): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      let first: ManualTimer | null = null;
      for (const t of this.#timers) {
        if (t.due <= end && (first === null || t.due < first.due || (t.due === first.due && t.seq < first.seq)))
          first = t;
      }
      if (first === null) break;
      this.#timers.delete(first);
      this.#now = Math.max(this.#now, first.due);
      first.fn();
      await settle?.();
    }
    this.#now = end;
    await settle?.();
  }
}
