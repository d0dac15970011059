/**
 * master_agents: runs the delivery agents master.cf names — smtp (also as
 * `relay`), lmtp, local, virtual — as services of the daemon: each service
 * builds its agent from its own configuration (main.cf plus its `-o`
 * overrides) and publishes it under its master.cf service name, which is
 * the transport name qmgr routes to. A reload builds a new agent and
 * closes the old one; a stop unpublishes and closes it.
 *
 * See: postfix/src/master/master_spawn.c; the agents' factories in
 *   src/smtp/smtp.ts, src/local/local.ts, src/virtual/virtual.ts
 */
import type { CleanupService } from '../cleanup/cleanup_service.ts';
import type { RunningService, ServiceContext, ServiceProgram } from '../config/master_service.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { LOCAL_AGENT_FACTORIES } from '../local/local.ts';
import type { DeliveryAgent, DeliveryOutcome, DeliveryRequest } from '../queue/deliver_request.ts';
import { type AgentProgramDeps, processLimit } from '../queue/deliver_util.ts';
import { SMTP_AGENT_FACTORIES } from '../smtp/smtp.ts';
import { VIRTUAL_AGENT_FACTORIES } from '../virtual/virtual.ts';

/** A delivery agent that holds resources (connections, tables) until closed. */
interface ClosableAgent extends DeliveryAgent {
  close(): Promise<void>;
}

/** What an agent factory may be given; each takes the parts it needs. */
interface AgentFactoryOptions {
  readonly config: ServiceContext['config'];
  readonly log: ServiceContext['log'];
  readonly dns?: DnsResolver;
  readonly cleanup?: CleanupService;
  readonly pass?: (transport: string, nexthop: string, request: DeliveryRequest) => Promise<DeliveryOutcome>;
}

type AgentFactory = (options: AgentFactoryOptions) => Promise<ClosableAgent>;

const FACTORIES: Readonly<Record<string, AgentFactory>> = {
  ...SMTP_AGENT_FACTORIES,
  ...LOCAL_AGENT_FACTORIES,
  ...VIRTUAL_AGENT_FACTORIES,
};

export interface AgentWiring extends AgentProgramDeps {
  /** The cleanup service local(8) forwards through (aliases, .forward). */
  cleanup(context: ServiceContext): CleanupService;
  /** Another transport's agent, for mailbox_transport and fallback_transport. */
  agent(name: string): DeliveryAgent | undefined;
}

/** One ServiceProgram per delivery agent program affix implements. */
export function agentPrograms(wiring: AgentWiring): ServiceProgram[] {
  return Object.entries(FACTORIES).map(([program, factory]) => agentProgram(program, factory, wiring));
}

function agentProgram(program: string, factory: AgentFactory, wiring: AgentWiring): ServiceProgram {
  const build = (context: ServiceContext) =>
    factory({
      config: context.config,
      log: context.log,
      cleanup: wiring.cleanup(context),
      pass: (transport, nexthop, request) => {
        const target = wiring.agent(transport);
        if (target === undefined) return Promise.reject(new Error(`mail transport unavailable: ${transport}`));
        return target.deliver({ ...request, transport, nexthop });
      },
    });
  return {
    name: program,
    async start(context: ServiceContext): Promise<RunningService> {
      const name = context.service.name;
      let agent = await build(context);
      wiring.publish(name, agent, processLimit(context));
      return {
        async reload(next: ServiceContext) {
          const old = agent;
          agent = await build(next);
          wiring.publish(name, agent, processLimit(next));
          await old.close();
        },
        async stop() {
          wiring.publish(name, null, 0);
          await agent.close();
        },
      };
    },
  };
}
