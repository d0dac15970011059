/**
 * rewrite_helpers: builds a RewriteContext for a test from main.cf text, on a
 * machine with fixed interfaces (127.0.0.1, ::1, 192.0.2.10), and records
 * what it logs as `info: ...`, `warning: ...` and `error: ...` lines.
 */
import type { TestContext } from 'node:test';
import { readConfig } from '../../src/config/config.ts';
import type { SystemFacts } from '../../src/config/system_defaults.ts';
import type { RewriteContext, RewriteLog } from '../../src/rewrite/rewrite_context.ts';
import { openRewriteContext, type RewriteContextOptions } from '../../src/rewrite/rewrite_init.ts';
import { configDir } from '../peers/tmpdir.ts';

export const TEST_SYSTEM: SystemFacts = {
  hostname: 'mx.example.test',
  interfaces: [
    { address: '127.0.0.1', family: 'IPv4', prefix: 8 },
    { address: '192.0.2.10', family: 'IPv4', prefix: 24 },
    { address: '::1', family: 'IPv6', prefix: 128 },
  ],
  pid: 4242,
  processName: 'trivial-rewrite',
};

export interface RecordingLog extends RewriteLog {
  readonly lines: string[];
}

export function recordingLog(): RecordingLog {
  const lines: string[] = [];
  return {
    lines,
    info: (text) => lines.push(`info: ${text}`),
    warn: (text) => lines.push(`warning: ${text}`),
    error: (text) => lines.push(`error: ${text}`),
  };
}

/** A context for `mainCf` (written to a temporary config directory), and its log. */
export async function rewriteContext(
  t: TestContext,
  mainCf: string,
  options: RewriteContextOptions = {},
): Promise<{ ctx: RewriteContext; log: RecordingLog; dir: string }> {
  const dir = configDir(t, mainCf);
  const config = await readConfig(dir, { system: TEST_SYSTEM });
  const log = recordingLog();
  const ctx = await openRewriteContext(config, log, { dict: { cwd: dir }, ...options });
  return { ctx, log, dir };
}
