import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readLogicalLines } from '../../src/config/config_lines.ts';

test('config_lines joins continuation lines as is and skips blank and comment lines inside them', () => {
  const text = 'a = x\n\n# c\n   y\nb = 1\n  ,2\nc=3';
  const { lines, warnings } = readLogicalLines(text, 'main.cf');
  assert.deepEqual(
    lines.map((l) => [l.text, l.line, l.lastLine]),
    [
      ['a = x   y', 1, 4],
      ['b = 1  ,2', 5, 6],
      ['c=3', 7, 7],
    ],
  );
  assert.deepEqual(warnings, []);
});

test('config_lines warns about text that continues nothing, once per logical line', () => {
  const { lines, warnings } = readLogicalLines('  a = 1\n  more\nb = 2\n', '/etc/postfix/main.cf');
  assert.deepEqual(
    lines.map((l) => l.text),
    ['b = 2'],
  );
  assert.deepEqual(warnings, ['/etc/postfix/main.cf: logical line must not start with whitespace: "  a = 1  more"']);
});

test('config_lines keeps no trailing comment: `#` after text is part of the value', () => {
  const { lines } = readLogicalLines('x = a # b\n', 'main.cf');
  assert.equal(lines[0]?.text, 'x = a # b');
});

test('config_lines truncates at a NUL byte with Postfix warning', () => {
  const { lines, warnings } = readLogicalLines('x = a\0b\n', 'f');
  assert.equal(lines[0]?.text, 'x = a');
  assert.deepEqual(warnings, ['f, line 1: text after null byte may be ignored']);
});
