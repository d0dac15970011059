/**
 * reference: runs real Postfix 3.7 postmap/postalias and affix's on the same
 * files in one temporary directory, so the table tests compare answers,
 * messages and exit statuses instead of guessing them.
 */
import { spawnSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { main as postaliasMain } from '../../src/cli/postalias.ts';
import { main as postmapMain } from '../../src/cli/postmap.ts';
import { runCli } from '../peers/cli_capture.ts';
import { missingPrograms } from '../peers/programs.ts';
import { tempDir } from '../peers/tmpdir.ts';

export interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The reason to skip tests that need the real tools, or undefined. */
export const skipReason = missingPrograms(['postmap', 'postalias']);

/** A work directory holding main.cf (compatibility_level = 3.6) and an empty master.cf. */
export function workDir(t: TestContext, mainCf = 'compatibility_level = 3.6\n'): string {
  const dir = tempDir(t, 'affix-maps-');
  writeFileSync(join(dir, 'main.cf'), mainCf);
  writeFileSync(join(dir, 'master.cf'), '');
  return dir;
}

/**
 * Writes a table source file dated in the past: Postfix re-reads a texthash
 * file changed in the last second, repeating its warnings.
 */
export function writeSource(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  const past = new Date('2020-01-01T00:00:00Z');
  utimesSync(path, past, past);
  return path;
}

/** The environment both implementations run with. */
export const TEST_ENV: Readonly<Record<string, string>> = { LANG: 'C', affix_test_lower: 'from-env' };

function real(program: string, dir: string, args: readonly string[], input: string): Run {
  const r = spawnSync(`/usr/sbin/${program}`, ['-c', dir, ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], ...TEST_ENV },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs real postmap with `-c dir` in `dir`. */
export const realPostmap = (dir: string, args: readonly string[], input = ''): Run => real('postmap', dir, args, input);
export const realPostalias = (dir: string, args: readonly string[], input = ''): Run =>
  real('postalias', dir, args, input);

/** Runs affix postmap with `-c dir` in `dir`. */
export const affixPostmap = (dir: string, args: readonly string[], input?: string, env?: Record<string, string>) =>
  runCli(postmapMain, ['-c', dir, ...args], {
    cwd: dir,
    env: env ?? TEST_ENV,
    ...(input === undefined ? {} : { stdin: input }),
  });
export const affixPostalias = (dir: string, args: readonly string[], input?: string) =>
  runCli(postaliasMain, ['-c', dir, ...args], {
    cwd: dir,
    env: TEST_ENV,
    ...(input === undefined ? {} : { stdin: input }),
  });

/**
 * Real output with the index file names affix uses: `FILE.db` (Berkeley DB)
 * becomes `FILE.affixdb`, the deliberate difference of a drop-in index.
 */
export function asAffix(run: Run): Run {
  return { ...run, stderr: run.stderr.replace(/(\S+)\.db\b/g, '$1.affixdb') };
}

/** Output lines sorted, for listings whose order Postfix does not define (hash tables). */
export function sortedLines(text: string): string[] {
  return text.split('\n').filter(Boolean).sort();
}
