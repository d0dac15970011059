/**
 * test_envelope: a QueueEnvelope for tests: a local submission from
 * `sender` at `arrival` (microseconds) with no client, ENVID, RET, warning
 * time, SMTPUTF8 or 8-bit body, and no full name or attributes; any field
 * can be given instead.
 *
 *   store.create(id, 'incoming', testEnvelope('a@example.test', now * 1000), [rcpt], content)
 */
import type { QueueEnvelope } from '../../src/queue/queue_envelope.ts';

export function testEnvelope(sender: string, arrival: number, more: Partial<QueueEnvelope> = {}): QueueEnvelope {
  return {
    sender,
    arrival,
    client: null,
    envid: null,
    ret: null,
    warnAt: null,
    smtputf8: false,
    body8bit: false,
    rewriteContext: 'local',
    fullName: '',
    attributes: {},
    ...more,
  };
}
