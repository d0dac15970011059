/**
 * affix_master: an affix master started in the test's own process on a
 * test configuration, running the implemented services (built on `hub`, so
 * a test can reach cleanup directly), and stopped at once when the test ends.
 *
 *   const hub = new ServiceHub();
 *   await startTestMaster(t, inst.configDir, hub);
 *   await hub.cleanup('cleanup')!.submit(request, content);
 */
import type { TestContext } from 'node:test';
import { type MasterHandle, startMaster } from '../../src/cli/master.ts';
import { createPrograms, ServiceHub } from '../../src/cli/master_programs.ts';

export async function startTestMaster(
  t: TestContext,
  configDir: string,
  hub = new ServiceHub(),
): Promise<MasterHandle> {
  const master = await startMaster({ optionC: configDir, env: {}, signals: false, programs: createPrograms(hub), hub });
  t.after(() => master.stop('immediate'));
  return master;
}
