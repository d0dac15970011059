/**
 * master_worker_anvil: the client counters (anvil) across the processes of
 * one daemon. The master keeps them (ServiceHub.anvilCounters); an smtpd
 * worker asks for each count over the fork channel, as Postfix's smtpd asks
 * its anvil server, so a connection or rate limit holds for the whole daemon
 * whichever process a client reaches. Clients in
 * smtpd_client_event_limit_exceptions (by default $mynetworks) are never
 * counted, so they cost no round trip.
 */
import type { Anvil, AnvilService, Rate } from '../smtpd/smtpd_anvil.ts';

/** A worker's question. */
export type AnvilRequest =
  | { readonly t: 'anvil'; readonly seq: number; readonly op: 'connect'; readonly key: string; readonly unitMs: number }
  | { readonly t: 'anvil'; readonly seq: number; readonly op: 'disconnect'; readonly key: string }
  | {
      readonly t: 'anvil';
      readonly seq: number;
      readonly op: 'event';
      readonly key: string;
      readonly what: Exclude<Rate, 'connect'>;
      readonly unitMs: number;
    }
  | { readonly t: 'anvil'; readonly seq: number; readonly op: 'peek'; readonly key: string; readonly what: Rate };

/** The master's answer to request `seq`. */
export interface AnvilReply {
  readonly t: 'anvil';
  readonly seq: number;
  readonly value: number | [number, number];
}

/** The master's side: counts `request` in `anvil`; null for a disconnect, which needs no answer. */
export function answerAnvil(anvil: Anvil, request: AnvilRequest): AnvilReply | null {
  const { seq } = request;
  switch (request.op) {
    case 'connect':
      return { t: 'anvil', seq, value: anvil.connect(request.key, request.unitMs) };
    case 'disconnect':
      anvil.disconnect(request.key);
      return null;
    case 'event':
      return { t: 'anvil', seq, value: anvil.event(request.key, request.what, request.unitMs) };
    case 'peek':
      return { t: 'anvil', seq, value: anvil.peek(request.key, request.what) };
  }
}

/** A worker's side: an AnvilService that asks the master through `send`; feed the master's replies to `answered`. */
export function remoteAnvil(send: (request: AnvilRequest) => void): {
  service: AnvilService;
  answered(reply: AnvilReply): void;
} {
  const waiting = new Map<number, (value: AnvilReply['value']) => void>();
  let seq = 0;
  const ask = (request: (seq: number) => AnvilRequest) =>
    new Promise<AnvilReply['value']>((resolve) => {
      seq++;
      waiting.set(seq, resolve);
      send(request(seq));
    });
  return {
    service: {
      connect: async (key, unitMs) =>
        (await ask((n) => ({ t: 'anvil', seq: n, op: 'connect', key, unitMs }))) as [number, number],
      disconnect: (key) => send({ t: 'anvil', seq: 0, op: 'disconnect', key }),
      event: async (key, what, unitMs) =>
        (await ask((n) => ({ t: 'anvil', seq: n, op: 'event', key, what, unitMs }))) as number,
      peek: async (key, what) => (await ask((n) => ({ t: 'anvil', seq: n, op: 'peek', key, what }))) as number,
    },
    answered(reply) {
      const resolve = waiting.get(reply.seq);
      waiting.delete(reply.seq);
      resolve?.(reply.value);
    },
  };
}
