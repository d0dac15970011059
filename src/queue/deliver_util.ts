/**
 * deliver_util: what every delivery agent shares besides the
 * DeliveryAgent contract: dsn_split() for the `X.Y.Z text` form of a
 * nexthop or reply, the delays of a status line, and how the daemon frame
 * binds an agent to its master.cf service.
 *
 * See: postfix/src/global/dsn_util.c (dsn_split), deliver_request.c, msg_stats.h
 */
import type { ServiceContext } from '../config/master_service.ts';
import type { DeliveryAgent, DeliveryRequest } from './deliver_request.ts';

/** dsn_split(): an optional leading RFC 3463 status, then free text; `defaultDsn` when there is none. */
export function dsnSplit(defaultDsn: string, text: string): { readonly dsn: string; readonly text: string } {
  const m = /^\s*([245]\.\d{1,3}\.\d{1,3})(?=\s|$)\s*(.*)$/s.exec(text);
  return m === null ? { dsn: defaultDsn, text: text.trim() } : { dsn: m[1]!, text: m[2]! };
}

/** The delays (µs) of a status line that made no connection: a, b, 0, and the time spent in the agent. */
export function agentDelays(request: DeliveryRequest, nowMicros: number): [number, number, number, number] {
  const arrival = request.message.envelope.arrival;
  return [request.activeAt - arrival, request.requestedAt - request.activeAt, 0, nowMicros - request.requestedAt];
}

/** What the daemon frame gives a delivery agent's program. */
export interface AgentProgramDeps {
  /** Binds (or, with null, unbinds) the agent of master.cf service `name`, with its process limit. */
  publish(name: string, agent: DeliveryAgent | null, processLimit: number): void;
}

/** The process limit of a master.cf service: its maxproc, or default_process_limit. */
export function processLimit(context: ServiceContext): number {
  const max = context.service.maxproc;
  return max === null || max === 0 ? context.config.params.default_process_limit : max;
}
