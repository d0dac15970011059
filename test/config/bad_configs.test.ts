/**
 * Bad configurations, each paired with the exact line affix must print
 * (test/config/bad/<case>/expected, `$DIR` standing for the config
 * directory), as chasquid's t-20-bad_configs does: a case fails as
 * expected, not by chance or by an unrelated error.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { runCommand } from '../../src/cli/cli_io.ts';
import { main } from '../../src/cli/postfix.ts';
import { tempDir } from '../peers/tmpdir.ts';

const CASES = join(import.meta.dirname, 'bad');

for (const name of readdirSync(CASES).sort()) {
  test(`postfix check fails on bad config "${name}" with the expected message and exit 1`, async (t) => {
    const dir = tempDir(t);
    cpSync(join(CASES, name), dir, { recursive: true });
    // Log to a file in the case's directory, below the lines the expected message names.
    appendFileSync(join(dir, 'main.cf'), `maillog_file = ${dir}/mail.log\nmaillog_file_prefixes = ${dir}\n`);
    let stderr = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([]),
      env: {},
      cwd: dir,
    };
    const status = await runCommand(() => main(['-c', dir, 'check'], io));
    const expected = readFileSync(join(CASES, name, 'expected'), 'utf8')
      .trimEnd()
      .replaceAll('$DIR', dir);
    assert.equal(status, 1);
    assert.ok(stderr.split('\n').includes(expected), `expected line:\n${expected}\nin stderr:\n${stderr}`);
  });
}
