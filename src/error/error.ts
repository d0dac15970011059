/**
 * error: the `error` and `retry` services of master.cf (both run the error
 * program) as affix runs them: each registers an error(8) agent under its
 * service name, so qmgr's `error` and `retry` transports reach it. A
 * service of another name running `error` is refused, as in Postfix.
 *
 * Diagnostics: fatal `bad error service name: NAME`
 * See: postfix/src/error/error.c (error_service)
 */
import type { RunningService, ServiceContext, ServiceProgram } from '../config/master_service.ts';
import { type AgentProgramDeps, processLimit } from '../queue/deliver_util.ts';
import { errorAgent } from './error_agent.ts';

export function errorProgram(deps: AgentProgramDeps): ServiceProgram {
  return {
    name: 'error',
    async start(context: ServiceContext): Promise<RunningService> {
      const name = context.service.name;
      if (name !== 'error' && name !== 'retry') context.log.fatal(`bad error service name: ${name}`);
      const mode = name === 'retry' ? 'retry' : 'error';
      deps.publish(name, errorAgent(context.log, mode), processLimit(context));
      return {
        async reload(next: ServiceContext) {
          deps.publish(name, errorAgent(next.log, mode), processLimit(next));
        },
        async stop() {
          deps.publish(name, null, 0);
        },
      };
    },
  };
}
