/**
 * tmpdir: a temporary directory for one test, removed when the test ends.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext, prefix = 'affix-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A config directory holding `main.cf` and `master.cf` with the given texts. */
export function configDir(t: TestContext, mainCf: string, masterCf = ''): string {
  const dir = tempDir(t, 'affix-conf-');
  writeFileSync(join(dir, 'main.cf'), mainCf);
  writeFileSync(join(dir, 'master.cf'), masterCf);
  return dir;
}
