/**
 * postfix_tools: runs real Postfix 3.7 commands (postconf, postmap ...) as
 * the reference the tests compare affix with.
 */
import { spawnSync } from 'node:child_process';

export interface ToolResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `program args` with `input` on stdin; never throws for a non-zero exit. */
export function runTool(program: string, args: readonly string[], input = ''): ToolResult {
  const r = spawnSync(program, args, { input, encoding: 'utf8', env: { ...process.env, LANG: 'C' } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
