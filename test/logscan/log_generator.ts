/**
 * log_generator: writes a Postfix 3.7 mail log of any size from the line
 * shapes of the real log postfix-samples/maillog-loopback-experiment.log,
 * varied: queue IDs (short or long, unique unless asked to reuse some),
 * senders, recipients, clients, sizes, delays, and outcomes (local, virtual
 * and remote delivery, deferral and retry, expiry, remote and local bounces
 * with their notifications, local forwarding, a content filter with its
 * re-injection service, smtpd and postscreen rejects, cleanup header
 * checks, hold, discard, warnings). Deterministic for a seed. Retries are
 * scheduled later in the log, so messages interleave as in a real one.
 * Used by test/logscan and bench/logscan. Over 300 lines: one class whose
 * scenarios share its random state and clock; the stateless parts are in
 * log_generator_parts.ts.
 */

import { encode, type Framing, LineHeap, LONG_DIGITS, type Pending, stamp, TLS_TAIL } from './log_generator_parts.ts';

export type { Framing } from './log_generator_parts.ts';

export interface GeneratorOptions {
  readonly seed?: number;
  readonly framing?: Framing;
  readonly longIds?: boolean;
  /** Local time of the first line (default 2026-11-29 06:00). */
  readonly start?: Date;
  /** Fraction of messages that reuse the queue ID of an earlier, removed message (default 0). */
  readonly reuseIds?: number;
  readonly host?: string;
  /**
   * How many remote addresses mail comes from and goes to (default: about
   * half a million, so every log meets new ones). A fixed pool, as a real
   * server has its correspondents, makes the per-address tables stop growing.
   */
  readonly correspondents?: number;
}

export class LogGenerator {
  readonly #framing: Framing;
  readonly #long: boolean;
  readonly #reuse: number;
  readonly #host: string;
  readonly #pool: number;
  #seed: number;
  #now: number;
  #inode = 0x100000;
  /** Queue IDs whose message was removed, and when: candidates for reuse. */
  readonly #removed: { readonly id: string; readonly at: number }[] = [];
  /** Lines scheduled for later (retries, expiry, and the rest of each message's lines). */
  readonly #later = new LineHeap();
  /** What each scenario produced, for tests. */
  readonly stats = { messages: 0, reusedIds: 0 };

  constructor(options: GeneratorOptions = {}) {
    this.#seed = options.seed ?? 1;
    this.#framing = options.framing ?? 'rfc3164';
    this.#long = options.longIds ?? false;
    this.#reuse = options.reuseIds ?? 0;
    this.#host = options.host ?? 'mx';
    this.#pool = options.correspondents ?? 0;
    this.#now = (options.start ?? new Date(2026, 10, 29, 6, 0, 0)).getTime();
  }

  /** mulberry32 */
  #random(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) | 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  #int(lo: number, hi: number): number {
    return lo + Math.floor(this.#random() * (hi - lo + 1));
  }

  #pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.#random() * list.length)]!;
  }

  #queueId(): string {
    const old = this.#removed[0];
    if (this.#reuse > 0 && old !== undefined && old.at < this.#now - 60_000 && this.#random() < this.#reuse) {
      this.#removed.shift();
      this.stats.reusedIds++;
      return old.id;
    }
    this.#inode += this.#int(1, 7);
    const usec = this.#int(0, 999_999);
    if (!this.#long)
      return `${usec.toString(16).toUpperCase().padStart(5, '0')}${this.#inode.toString(16).toUpperCase()}`;
    const sec = Math.floor(this.#now / 1000);
    return `${encode(sec, LONG_DIGITS, 6)}${encode(usec, LONG_DIGITS, 4)}z${encode(this.#inode, LONG_DIGITS.slice(0, 51), 1)}`;
  }

  #pid(base: number): number {
    return base + this.#int(0, 40);
  }

  #local(): string {
    return `${this.#pick(['carol', 'dave', 'alice', 'bob', 'erin', 'frank', 'grace', 'heidi'])}${this.#int(1, 400)}@${this.#pick(['example.test', 'Example.TEST', 'virt.test', 'mail.example.test'])}`;
  }

  #remote(): string {
    if (this.#pool > 0) {
      const k = this.#int(0, this.#pool - 1);
      return `${['user', 'info', 'sales', 'jo', 'admin'][k % 5]}${k}@${['remote.test', 'gmail.test', 'outlook.test', 'corp.test', 'mxdom.test', 'reject.test'][k % 6]}${k % 61}`;
    }
    return `${this.#pick(['user', 'info', 'sales', 'jo', 'admin'])}${this.#int(1, 300)}@${this.#pick(['remote.test', 'gmail.test', 'outlook.test', 'corp.test', 'mxdom.test', 'reject.test'])}${this.#int(0, 60)}`;
  }

  #client(): string {
    const ip = `192.0.2.${this.#int(1, 254)}`;
    return this.#random() < 0.3 ? `unknown[${ip}]` : `mail${this.#int(1, 90)}.sender${this.#int(1, 120)}.test[${ip}]`;
  }

  #delays(total: number): string {
    const a = Math.round(total * 40) / 100;
    const b = Math.round(total * 10) / 100;
    const c = Math.round(total * 30) / 100;
    const d = Math.round(total * 20) / 100;
    return `delay=${total}, delays=${a}/${b}/${c}/${d}`;
  }

  /** Writes the lines due up to now (and all of them with `flush`) through `out`. */
  #emit(out: (line: string) => void, lines: Pending[], flush = false): void {
    while (this.#later.size > 0 && (flush || this.#later.peek()!.at <= this.#now)) {
      const l = this.#later.pop()!;
      out(`${stamp(l.at, this.#framing)} ${this.#host} ${l.text}`);
    }
    for (const l of lines) {
      if (l.at > this.#now) this.#later.push(l);
      else out(`${stamp(l.at, this.#framing)} ${this.#host} ${l.text}`);
    }
    if (flush) while (this.#later.size > 0) this.#emit(out, [], true);
  }

  /** One message (or refused session), its lines written through `out`. */
  next(out: (line: string) => void): void {
    this.#now += this.#int(50, 1500);
    this.stats.messages++;
    const r = this.#random();
    const lines: Pending[] = [];
    if (r < 0.12) this.#refused(lines);
    else if (r < 0.15) this.#postscreen(lines);
    else if (r < 0.17) this.#headerCheck(lines);
    else this.#message(lines, r);
    this.#emit(out, lines);
  }

  /** Writes the lines still scheduled for later (end of the log). */
  finish(out: (line: string) => void): void {
    this.#emit(out, [], true);
  }

  #at(offsetMs: number, text: string): Pending {
    return { at: this.#now + offsetMs, text };
  }

  #refused(lines: Pending[]): void {
    const pid = this.#pid(12500);
    const client = this.#client();
    const to = this.#random() < 0.5 ? this.#local() : this.#remote();
    const from = this.#remote();
    const helo = client.startsWith('unknown') ? 'client.example.org' : client.replace(/\[.*$/, '');
    const env = `from=<${from}> to=<${to}> proto=ESMTP helo=<${helo}>`;
    const rejects = [
      `NOQUEUE: reject: RCPT from ${client}: 554 5.7.1 <${to}>: Relay access denied; ${env}`,
      `NOQUEUE: reject: RCPT from ${client}: 550 5.1.1 <${to}>: Recipient address rejected: User unknown in local recipient table; ${env}`,
      `NOQUEUE: reject: RCPT from ${client}: 554 5.7.1 Service unavailable; Client host [${client.replace(/^.*\[|\]$/g, '')}] blocked using zen.spamhaus.test; https://www.spamhaus.test/query/ip/x; ${env}`,
      `NOQUEUE: reject: RCPT from ${client}: 450 4.1.8 <${from}>: Sender address rejected: Domain not found; ${env}`,
      `NOQUEUE: reject: RCPT from ${client}: 504 5.5.2 <nodots>: Helo command rejected: need fully-qualified hostname; from=<${from}> to=<${to}> proto=ESMTP helo=<nodots>`,
      `NOQUEUE: reject_warning: RCPT from ${client}: 450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.7]; ${env}`,
      `NOQUEUE: hold: RCPT from ${client}: <${to}>: Recipient address quarantine test; ${env}`,
      `NOQUEUE: discard: RCPT from ${client}: <${to}>: Recipient address triggers DISCARD action; ${env}`,
      `NOQUEUE: warn: RCPT from ${client}: just a warning; ${env}`,
      `NOQUEUE: reject: MAIL from ${client}: 552 5.3.4 Message size exceeds fixed limit; from=<${from}> proto=ESMTP helo=<${helo}>`,
    ];
    const service = this.#random() < 0.1 ? 'postfix/rtest/smtpd' : 'postfix/smtpd';
    lines.push(this.#at(0, `${service}[${pid}]: connect from ${client}`));
    if (this.#random() < 0.2) {
      lines.push(this.#at(0, `${service}[${pid}]: warning: hostname ${helo} does not resolve to address 192.0.2.9`));
    }
    lines.push(this.#at(300, `${service}[${pid}]: ${this.#pick(rejects)}`));
    lines.push(
      this.#at(600, `${service}[${pid}]: disconnect from ${client} ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4`),
    );
  }

  #postscreen(lines: Pending[]): void {
    const pid = this.#pid(16800);
    const ip = `198.51.100.${this.#int(1, 254)}`;
    const port = this.#int(30000, 60000);
    lines.push(this.#at(0, `postfix/postscreen[${pid}]: CONNECT from [${ip}]:${port} to [127.0.0.1]:25`));
    lines.push(
      this.#at(0, `postfix/postscreen[${pid}]: PREGREET 16 after 0 from [${ip}]:${port}: EHLO c.example\\r\\n`),
    );
    lines.push(this.#at(2000, `postfix/dnsblog[${pid + 1}]: addr ${ip} listed by domain rbl.test as 127.0.0.2`));
    lines.push(
      this.#at(
        2000,
        `postfix/postscreen[${pid}]: NOQUEUE: reject: RCPT from [${ip}]:${port}: 550 5.7.1 Service unavailable; client [${ip}] blocked using rbl.test; from=<${this.#remote()}>, to=<${this.#local()}>, proto=ESMTP, helo=<c.example>`,
      ),
    );
    lines.push(this.#at(3000, `postfix/postscreen[${pid}]: DISCONNECT [${ip}]:${port}`));
  }

  #headerCheck(lines: Pending[]): void {
    const pid = this.#pid(18200);
    const cpid = this.#pid(18300);
    const id = this.#queueId();
    const client = this.#client();
    const from = this.#remote();
    const to = this.#local();
    const env = `from=<${from}> to=<${to}> proto=ESMTP helo=<good.example.test>`;
    lines.push(this.#at(0, `postfix/smtpd[${pid}]: connect from ${client}`));
    lines.push(this.#at(100, `postfix/smtpd[${pid}]: ${id}: client=${client}`));
    if (this.#random() < 0.7) {
      lines.push(
        this.#at(
          200,
          `postfix/cleanup[${cpid}]: ${id}: reject: header Subject: this is forbidden stuff from ${client}; ${env}: 5.7.1 forbidden subject`,
        ),
      );
      lines.push(
        this.#at(
          300,
          `postfix/smtpd[${pid}]: disconnect from ${client} ehlo=1 mail=1 rcpt=1 data=0/1 quit=1 commands=4/5`,
        ),
      );
    } else {
      lines.push(
        this.#at(
          200,
          `postfix/cleanup[${cpid}]: ${id}: message-id=<${this.#now}.${pid}@${client.replace(/\[.*$/, '')}>`,
        ),
      );
      lines.push(
        this.#at(
          200,
          `postfix/cleanup[${cpid}]: ${id}: hold: header X-Test: hold from ${client}; ${env}: held by header check`,
        ),
      );
      lines.push(
        this.#at(300, `postfix/smtpd[${pid}]: disconnect from ${client} ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`),
      );
      // the admin looks at the quarantine later and deletes it (postsuper -d ID)
      const later = this.#int(600, 7200) * 1000;
      lines.push(this.#at(later, `postfix/postsuper[${this.#pid(15000)}]: ${id}: removed`));
      lines.push(this.#at(later, `postfix/postsuper[${this.#pid(15000)}]: Deleted: 1 message`));
    }
  }

  /** A message that is queued, with its deliveries; `r` in [0.17, 1) picks how it arrives and ends. */
  #message(lines: Pending[], r: number): void {
    const id = this.#queueId();
    const qmgr = this.#pid(12280);
    const cpid = this.#pid(12570);
    const size = this.#int(250, 60_000);
    const nrcpt = this.#random() < 0.15 ? this.#int(2, 3) : 1;
    const recipients = Array.from({ length: nrcpt }, () => (this.#random() < 0.55 ? this.#local() : this.#remote()));
    let from: string;
    let t = 0;
    if (r < 0.3) {
      // sendmail -> pickup
      from = this.#local().replace(/@.*$/, '@example.test');
      lines.push(
        this.#at(t, `postfix/pickup[${this.#pid(12280)}]: ${id}: uid=${this.#pick([0, 5002, 1000])} from=<${from}>`),
      );
      lines.push(this.#at(t, `postfix/cleanup[${cpid}]: ${id}: message-id=<20261129.${id}@mx.example.test>`));
      lines.push(
        this.#at(t, `postfix/qmgr[${qmgr}]: ${id}: from=<${from}>, size=${size}, nrcpt=${nrcpt} (queue active)`),
      );
    } else {
      const submission = r < 0.4;
      const service = submission
        ? 'postfix/submission/smtpd'
        : this.#random() < 0.05
          ? 'postfix/smtps/smtpd'
          : 'postfix/smtpd';
      const pid = this.#pid(12900);
      const client = submission ? 'localhost[127.0.0.1]' : this.#client();
      from = submission ? this.#local() : this.#random() < 0.05 ? '' : this.#remote();
      lines.push(this.#at(t, `${service}[${pid}]: connect from ${client}`));
      if (this.#random() < 0.5)
        lines.push(this.#at(t, `${service}[${pid}]: Anonymous TLS connection established from ${client}: ${TLS_TAIL}`));
      const sasl = submission ? `, sasl_method=PLAIN, sasl_username=${from}` : '';
      t += 200;
      lines.push(this.#at(t, `${service}[${pid}]: ${id}: client=${client}${sasl}`));
      t += 50;
      const mid = `${this.#now}.${pid}@${client.replace(/\[.*$/, '')}`;
      lines.push(this.#at(t, `postfix/cleanup[${cpid}]: ${id}: message-id=<${mid}>`));
      t += 10;
      lines.push(
        this.#at(t, `postfix/qmgr[${qmgr}]: ${id}: from=<${from}>, size=${size}, nrcpt=${nrcpt} (queue active)`),
      );
      lines.push(
        this.#at(
          t,
          `${service}[${pid}]: disconnect from ${client} ehlo=1 mail=1 rcpt=${nrcpt} data=1 quit=1 commands=${4 + nrcpt}`,
        ),
      );
    }
    let pending = 0;
    // only a single-recipient message is deferred: its retry is the one that removes it
    for (const to of recipients) {
      t += 20;
      pending += this.#deliver(lines, id, from, size, to, t, qmgr, nrcpt === 1);
    }
    if (pending === 0) {
      lines.push(this.#at(t + 30, `postfix/qmgr[${qmgr}]: ${id}: removed`));
      this.#retire(id, this.#now + t + 30);
    }
  }

  /** The delivery of one recipient; returns 1 when the message stays queued for it (a later retry removes it). */
  #deliver(
    lines: Pending[],
    id: string,
    from: string,
    size: number,
    to: string,
    t: number,
    qmgr: number,
    mayDefer: boolean,
  ): number {
    const local = /@(?:example\.test|virt\.test|mail\.example\.test)$/i.test(to);
    const r = this.#random();
    const delay = Number((this.#random() * 2).toFixed(2));
    if (local) {
      const agent = /virt\.test$/i.test(to) ? 'virtual' : 'local';
      const pid = this.#pid(agent === 'local' ? 12570 : 12860);
      if (r < 0.05) {
        lines.push(
          this.#at(
            t,
            `postfix/local[${pid}]: ${id}: to=<${to}>, relay=local, ${this.#delays(delay)}, dsn=5.1.1, status=bounced (unknown user: "${to.replace(/@.*$/, '')}")`,
          ),
        );
        this.#notify(lines, id, from, t + 10, qmgr);
      } else if (r < 0.08 && agent === 'local') {
        const fwd = this.#queueId();
        const remote = this.#remote();
        lines.push(
          this.#at(
            t,
            `postfix/local[${pid}]: ${id}: to=<${to}>, relay=local, ${this.#delays(delay)}, dsn=2.0.0, status=sent (forwarded as ${fwd})`,
          ),
        );
        lines.push(
          this.#at(t, `postfix/qmgr[${qmgr}]: ${fwd}: from=<${from}>, size=${size + 300}, nrcpt=1 (queue active)`),
        );
        lines.push(
          this.#at(
            t + 40,
            `postfix/smtp[${this.#pid(12910)}]: ${fwd}: to=<${remote}>, orig_to=<${to}>, relay=mx.remote.test[203.0.113.5]:25, ${this.#delays(0.4)}, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4B${this.#int(1000, 9999)})`,
          ),
        );
        lines.push(this.#at(t + 50, `postfix/qmgr[${qmgr}]: ${fwd}: removed`));
      } else {
        const orig = this.#random() < 0.1 ? `, orig_to=<${to.replace(/@.*$/, '')}>` : '';
        const where = agent === 'virtual' && this.#random() < 0.5 ? 'maildir' : 'mailbox';
        lines.push(
          this.#at(
            t,
            `postfix/${agent}[${pid}]: ${id}: to=<${to}>${orig}, relay=${agent}, ${this.#delays(delay)}, dsn=2.0.0, status=sent (delivered to ${where})`,
          ),
        );
      }
      return 0;
    }
    const pid = this.#pid(12910);
    const mx = `mx${this.#int(1, 3)}.${to.replace(/^.*@/, '').toLowerCase()}`;
    const addr = `203.0.113.${this.#int(1, 254)}`;
    const relay = `${mx}[${addr}]:25`;
    if (r < 0.07) {
      // through the content filter, re-injected by a service pflogsumm does not count
      const next = this.#queueId();
      const rp = this.#pid(13370);
      lines.push(this.#at(t, `postfix/amavis/smtpd[${rp}]: connect from localhost[127.0.0.1]`));
      lines.push(this.#at(t, `postfix/amavis/smtpd[${rp}]: ${next}: client=localhost[127.0.0.1]`));
      lines.push(
        this.#at(t, `postfix/qmgr[${qmgr}]: ${next}: from=<${from}>, size=${size + 900}, nrcpt=1 (queue active)`),
      );
      lines.push(
        this.#at(
          t,
          `postfix/smtp[${pid}]: ${id}: to=<${to}>, relay=127.0.0.1[127.0.0.1]:10024, ${this.#delays(delay)}, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as ${next})`,
        ),
      );
      lines.push(
        this.#at(
          t,
          `postfix/amavis/smtpd[${rp}]: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`,
        ),
      );
      lines.push(
        this.#at(
          t + 400,
          `postfix/smtp[${pid}]: ${next}: to=<${to}>, relay=${relay}, conn_use=2, ${this.#delays(0.3)}, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 7C${this.#int(1000, 9999)})`,
        ),
      );
      lines.push(this.#at(t + 410, `postfix/qmgr[${qmgr}]: ${next}: removed`));
      return 0;
    }
    if (r < 0.75 || (!mayDefer && r >= 0.85)) {
      lines.push(
        this.#at(
          t,
          `postfix/smtp[${pid}]: ${id}: to=<${to}>, relay=${relay}, ${this.#delays(delay)}, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5D${this.#int(10000, 99999)})`,
        ),
      );
      return 0;
    }
    if (r < 0.85) {
      lines.push(
        this.#at(
          t,
          `postfix/smtp[${pid}]: ${id}: to=<${to}>, relay=${relay}, ${this.#delays(delay)}, dsn=5.1.1, status=bounced (host ${mx}[${addr}] said: 550 5.1.1 <${to}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))`,
        ),
      );
      this.#notify(lines, id, from, t + 10, qmgr);
      return 0;
    }
    // deferred, then retried: delivered, or expired and returned
    const reasons = [
      `connect to ${relay}: Connection refused`,
      `host ${mx}[${addr}] said: 450 4.7.1 <${to}>: Recipient address rejected: Greylisted, see http://postgrey.test/ (in reply to RCPT TO command)`,
      `conversation with ${mx}[${addr}] timed out while receiving the initial server greeting`,
    ];
    const reason = this.#pick(reasons);
    const defer = (at: number, total: number) => {
      if (reason.startsWith('connect to')) lines.push(this.#at(at, `postfix/smtp[${pid}]: ${reason}`));
      const rel = reason.startsWith('connect to') ? 'none' : relay;
      lines.push(
        this.#at(
          at,
          `postfix/smtp[${pid}]: ${id}: to=<${to}>, relay=${rel}, ${this.#delays(total)}, dsn=4.4.1, status=deferred (${reason})`,
        ),
      );
    };
    defer(t, delay);
    const retry = t + this.#int(300, 4000) * 1000;
    lines.push(this.#at(retry, `postfix/qmgr[${qmgr}]: ${id}: from=<${from}>, size=${size}, nrcpt=1 (queue active)`));
    const age = (retry - t) / 1000;
    if (this.#random() < 0.6) {
      lines.push(
        this.#at(
          retry + 100,
          `postfix/smtp[${pid}]: ${id}: to=<${to}>, relay=${relay}, ${this.#delays(Math.round(age))}, dsn=2.0.0, status=sent (250 2.0.0 Ok)`,
        ),
      );
      lines.push(this.#at(retry + 120, `postfix/qmgr[${qmgr}]: ${id}: removed`));
    } else {
      defer(retry + 100, Math.round(age));
      lines.push(
        this.#at(retry + 110, `postfix/qmgr[${qmgr}]: ${id}: from=<${from}>, status=expired, returned to sender`),
      );
      this.#notify(lines, id, from, retry + 120, qmgr);
      lines.push(this.#at(retry + 140, `postfix/qmgr[${qmgr}]: ${id}: removed`));
    }
    return 1;
  }

  /** The non-delivery notification to the sender, and its delivery. */
  #notify(lines: Pending[], id: string, from: string, at: number, qmgr: number): void {
    const nid = this.#queueId();
    lines.push(
      this.#at(at, `postfix/cleanup[${this.#pid(12570)}]: ${nid}: message-id=<20261129.${nid}@mx.example.test>`),
    );
    lines.push(
      this.#at(at, `postfix/qmgr[${qmgr}]: ${nid}: from=<>, size=${this.#int(2000, 4000)}, nrcpt=1 (queue active)`),
    );
    lines.push(this.#at(at, `postfix/bounce[${this.#pid(14100)}]: ${id}: sender non-delivery notification: ${nid}`));
    if (from === '') {
      lines.push(
        this.#at(
          at + 5,
          `postfix/qmgr[${qmgr}]: ${nid}: to=<double-bounce@mx.example.test>, relay=none, delay=0, delays=0/0/0/0, dsn=5.0.0, status=sent (undeliverable postmaster notification discarded)`,
        ),
      );
    } else if (/@example\.test$/i.test(from)) {
      lines.push(
        this.#at(
          at + 5,
          `postfix/local[${this.#pid(12570)}]: ${nid}: to=<${from}>, relay=local, delay=0.01, delays=0/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)`,
        ),
      );
    } else {
      lines.push(
        this.#at(
          at + 5,
          `postfix/smtp[${this.#pid(12910)}]: ${nid}: to=<${from}>, relay=mx.back.test[203.0.113.200]:25, ${this.#delays(0.5)}, dsn=2.0.0, status=sent (250 2.0.0 Ok)`,
        ),
      );
    }
    lines.push(this.#at(at + 10, `postfix/qmgr[${qmgr}]: ${nid}: removed`));
    this.#retire(nid, this.#now + at + 10);
  }

  /** Remembers a removed message's ID as free for reuse (only when reuse is asked for). */
  #retire(id: string, at: number): void {
    if (this.#reuse === 0) return;
    this.#removed.push({ id, at });
    if (this.#removed.length > 5000) this.#removed.shift();
  }
}

/** A whole log of `messages` messages as text (for tests; the benchmark streams). */
export function generateLog(messages: number, options: GeneratorOptions = {}): string {
  const g = new LogGenerator(options);
  const out: string[] = [];
  const write = (line: string) => out.push(line);
  for (let i = 0; i < messages; i++) g.next(write);
  g.finish(write);
  return `${out.join('\n')}\n`;
}
