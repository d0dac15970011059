/**
 * cli_long_options: --name and --name=value taken out of a command line,
 * the rest left in order for getopt.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitLongOptions } from '../../src/cli/cli_long_options.ts';

const known = (name: string) => ['json', 'top'].includes(name);
const VALUED = new Set(['top']);

test('splitLongOptions keeps every value in order and leaves short options and operands', () => {
  const r = splitLongOptions(['-c', '/etc', '--top', '5', 'x', '--json', '--top=7', '--', '--top'], known, VALUED);
  assert.ok(r.ok);
  assert.deepEqual(
    [...r.long],
    [
      ['top', ['5', '7']],
      ['json', ['']],
    ],
  );
  assert.deepEqual(r.short, ['-c', '/etc', 'x', '--', '--top']);
});

test('splitLongOptions names an unknown option and a valued option without its value', () => {
  assert.deepEqual(splitLongOptions(['--nope'], known, VALUED), { ok: false, error: 'unknown option: --nope' });
  assert.deepEqual(splitLongOptions(['--top'], known, VALUED), { ok: false, error: 'option --top needs a value' });
});
