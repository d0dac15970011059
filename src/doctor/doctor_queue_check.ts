/**
 * doctor_queue_check: check 7, deferred queue build-up. The queue (Postfix:
 * postqueue -j; affix: its store) by reason class (connection timeouts,
 * often outbound port 25 blocked by the provider; refused connections; DNS
 * failures; greylisting; rate limiting; TLS; blacklists; full mailboxes
 * ...) and by destination, with a qshape-like age histogram, the oldest
 * message and the dominant cause; held messages are noted. Without a queue
 * to read, the deferrals of the log are summarised the same way.
 *
 * Parameters: maximal_queue_lifetime (as the age that matters)
 * See: doctor_reasons.ts (the classes), doctor_qshape.ts, postfix/auxiliary/qshape
 */

import { formatSeconds } from '../logscan/logscan_describe.ts';
import { paramValue } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { type Finding, finding, plural } from './doctor_finding.ts';
import { whenText } from './doctor_log_group.ts';
import { formatQshape, qshape } from './doctor_qshape.ts';
import type { QueuedMessage } from './doctor_queue.ts';
import { addressDomain, classifyReason, REASON_INFO, type ReasonClass } from './doctor_reasons.ts';

interface ClassGroup {
  readonly cls: ReasonClass;
  recipients: number;
  readonly domains: Map<string, number>;
  readonly examples: string[];
  oldest: number;
}

/** A deferred message with no recipient left waits for its notification (bounce failed). */
const NOTIFICATION: QueuedMessage['recipients'][number] = {
  address: '(notification pending)',
  reason: 'bounce failed',
};

function pending(m: QueuedMessage): QueuedMessage['recipients'] {
  return m.recipients.length > 0 ? m.recipients : [NOTIFICATION];
}

function byClass(messages: readonly QueuedMessage[]): ClassGroup[] {
  const groups = new Map<ReasonClass, ClassGroup>();
  for (const m of messages) {
    for (const r of pending(m)) {
      const cls = r.reason === null ? 'other' : classifyReason(r.reason);
      let g = groups.get(cls);
      if (g === undefined) {
        g = { cls, recipients: 0, domains: new Map(), examples: [], oldest: m.arrival };
        groups.set(cls, g);
      }
      g.recipients++;
      g.oldest = Math.min(g.oldest, m.arrival);
      const d = addressDomain(r.address);
      g.domains.set(d, (g.domains.get(d) ?? 0) + 1);
      if (g.examples.length < 4) g.examples.push(`${m.id} <${r.address}>: ${r.reason ?? '(no reason recorded yet)'}`);
    }
  }
  return [...groups.values()].sort((a, b) => b.recipients - a.recipients);
}

/** Words beyond REASON_INFO that depend on how widespread the class is. */
function classCause(g: ClassGroup, allDomains: number): string {
  const base = REASON_INFO[g.cls].cause;
  if (g.cls === 'connect_timeout' && g.domains.size >= 3 && g.domains.size >= allDomains * 0.8) {
    return `connections time out to ${g.domains.size} different destinations: this host almost certainly cannot connect out on port 25 (the provider blocks it, or a firewall)`;
  }
  return base;
}

function age(now: number, t: number): string {
  return formatSeconds(Math.max(0, (now - t) / 1000));
}

async function queueFindings(run: DoctorRun, messages: readonly QueuedMessage[], source: string): Promise<Finding[]> {
  const now = run.now;
  const out: Finding[] = [];
  const deferred = messages.filter(
    (m) => m.queue === 'deferred' || (m.queue === 'active' && m.recipients.some((r) => r.reason !== null)),
  );
  const held = messages.filter((m) => m.queue === 'hold');
  const counts = ['maildrop', 'incoming', 'active', 'deferred', 'hold']
    .map((q) => `${q} ${messages.filter((m) => m.queue === q).length}`)
    .join(', ');
  if (deferred.length === 0) {
    out.push(
      finding({
        severity: 'ok',
        check: 'queue',
        id: 'queue.empty',
        title: 'no deferred mail',
        evidence: [`${source}: ${counts}`],
        cause: 'the queue is not building up',
        fix: '',
      }),
    );
  } else {
    const items = deferred.flatMap((m) => pending(m).map((r) => ({ address: r.address, arrival: m.arrival })));
    const groups = byClass(deferred);
    const domains = new Set(items.map((i) => addressDomain(i.address)));
    const oldest = deferred.reduce((a, b) => (b.arrival < a.arrival ? b : a));
    const dominant = groups[0]!;
    const lifetime = paramValue(run.config, 'maximal_queue_lifetime');
    const severe = now - oldest.arrival > 86_400_000 || deferred.length > 1000;
    out.push(
      finding({
        severity: severe ? 'error' : 'warning',
        check: 'queue',
        id: 'queue.deferred',
        title: `${plural(deferred.length, 'message')} deferred (${plural(items.length, 'recipient')}, ${plural(domains.size, 'destination')}); oldest ${age(now, oldest.arrival)}; mostly: ${REASON_INFO[dominant.cls].label}`,
        evidence: [
          `${source}: ${counts}`,
          ...formatQshape(qshape(items, now, 4)),
          `oldest: ${oldest.id} from <${oldest.sender}>, ${age(now, oldest.arrival)} in the queue (bounced after maximal_queue_lifetime = ${lifetime})`,
          `e.g. ${dominant.examples[0]}`,
          ...groups
            .slice(0, 3)
            .map(
              (g) => `${g.recipients} × ${REASON_INFO[g.cls].label} (${[...g.domains.keys()].slice(0, 4).join(', ')})`,
            ),
        ],
        cause: classCause(dominant, domains.size),
        fix: `${REASON_INFO[dominant.cls].fix}; once fixed, \`postqueue -f\` retries now`,
      }),
    );
    for (const g of groups.slice(1, 6)) {
      out.push(
        finding({
          severity: g.cls === 'greylist' ? 'info' : 'warning',
          check: 'queue',
          id: `queue.class_${g.cls}`,
          title: `${plural(g.recipients, 'recipient')} deferred: ${REASON_INFO[g.cls].label} (${[...g.domains.entries()]
            .map(([d, n]) => `${d} ${n}`)
            .slice(0, 4)
            .join(', ')})`,
          evidence: g.examples,
          cause: classCause(g, domains.size),
          fix: REASON_INFO[g.cls].fix,
        }),
      );
    }
  }
  if (held.length > 0) {
    out.push(
      finding({
        severity: 'info',
        check: 'queue',
        id: 'queue.hold',
        title: `${plural(held.length, 'message')} on hold`,
        evidence: held.slice(0, 6).map(
          (m) =>
            `${m.id} from <${m.sender}>, ${age(now, m.arrival)} old, to ${m.recipients
              .map((r) => r.address)
              .slice(0, 3)
              .join(', ')}`,
        ),
        cause:
          'a HOLD action (access table, header_checks) or `postsuper -h` put them aside: they are not delivered until released',
        fix: 'inspect with `postcat -q ID`; release with `postsuper -H ID` (or delete with `postsuper -d ID`)',
      }),
    );
  }
  return out;
}

async function logFindings(run: DoctorRun): Promise<Finding[]> {
  const facts = await run.logFacts();
  if (facts === null) return [];
  const deferred = facts.deliveries.values().filter((g) => g.status === 'deferred');
  if (deferred.length === 0) return [];
  const byCls = new Map<ReasonClass, { count: number; domains: Set<string>; samples: string[] }>();
  for (const g of deferred) {
    let c = byCls.get(g.cls);
    if (c === undefined) {
      c = { count: 0, domains: new Set(), samples: [] };
      byCls.set(g.cls, c);
    }
    c.count += g.count;
    c.domains.add(g.domain);
    for (const s of g.samples) if (c.samples.length < 3) c.samples.push(s);
  }
  const sorted = [...byCls.entries()].sort((a, b) => b[1].count - a[1].count);
  const [cls, top] = sorted[0]!;
  const total = sorted.reduce((n, [, c]) => n + c.count, 0);
  const allDomains = new Set(deferred.map((g) => g.domain)).size;
  const fake: ClassGroup = {
    cls,
    recipients: top.count,
    domains: new Map([...top.domains].map((d) => [d, 1])),
    examples: [],
    oldest: 0,
  };
  return [
    finding({
      severity: 'info',
      check: 'queue',
      id: 'queue.log_deferrals',
      title: `the log shows ${plural(total, 'deferral')} (the queue itself was not read); mostly: ${REASON_INFO[cls].label}`,
      evidence: [
        ...sorted.map(([c, v]) => `${v.count} × ${REASON_INFO[c].label} (${[...v.domains].slice(0, 4).join(', ')})`),
        ...top.samples,
        ...deferred
          .sort((a, b) => b.count - a.count)
          .slice(0, 4)
          .map((g) => `${g.domain}: ${whenText(g)}`),
      ],
      cause: classCause(fake, allDomains),
      fix: REASON_INFO[cls].fix,
    }),
  ];
}

export async function queueCheck(run: DoctorRun): Promise<Finding[]> {
  const q = await run.queue();
  if (q !== null && q.error === null) return queueFindings(run, q.messages, q.source);
  return logFindings(run);
}
