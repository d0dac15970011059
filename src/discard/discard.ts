/**
 * discard: the `discard` service of master.cf as affix runs it: a
 * discard(8) agent registered under the service's name.
 *
 * See: postfix/src/discard/discard.c
 */
import type { RunningService, ServiceContext, ServiceProgram } from '../config/master_service.ts';
import { type AgentProgramDeps, processLimit } from '../queue/deliver_util.ts';
import { discardAgent } from './discard_agent.ts';

export function discardProgram(deps: AgentProgramDeps): ServiceProgram {
  return {
    name: 'discard',
    async start(context: ServiceContext): Promise<RunningService> {
      const name = context.service.name;
      deps.publish(name, discardAgent(context.log), processLimit(context));
      return {
        async reload(next: ServiceContext) {
          deps.publish(name, discardAgent(next.log), processLimit(next));
        },
        async stop() {
          deps.publish(name, null, 0);
        },
      };
    },
  };
}
