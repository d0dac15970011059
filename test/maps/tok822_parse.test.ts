/**
 * tok822_parse against Postfix's own golden output: golden/tok822_parse.ref
 * and golden/tok822_limit.ref are Postfix's files (postfix/src/global),
 * copied unchanged. Each `>>>input<<<` block holds the parse tree, the
 * internal and external forms, and the warnings Postfix's tok822_parse test
 * program printed for that input (parsed with a 20-token limit, as there).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tok822Externalize, tok822Internalize, tok822Parse, tok822Scan } from '../../src/maps/tok822_parse.ts';
import { type Tok822, tok822IsOp } from '../../src/maps/tok822_tree.ts';

const GOLDEN = join(import.meta.dirname, 'golden');
const TOKEN_LIMIT = 20;

const NAMES: Readonly<Record<string, string>> = {
  comment: 'comment',
  atom: 'atom',
  qstring: 'quoted string',
  domlit: 'domain literal',
};

/** tok822_print(): the parse tree as the test program prints it. */
function printTree(list: Tok822 | null, indent: number): string {
  let out = '';
  const pad = ' '.repeat(indent);
  for (let tp = list; tp !== null; tp = tp.next) {
    if (tok822IsOp(tp.type)) out += `${pad} OP "${tp.type}"\n`;
    else if (tp.type === 'addr') out += `${pad} address\n${printTree(tp.head, indent + 2)}`;
    else if (tp.type === 'startgrp') out += `${pad} group ":"\n`;
    else out += `${pad} ${NAMES[tp.type]} "${tp.text}"\n`;
  }
  return out;
}

/** What the tok822_parse test program prints for one input line. */
function render(input: string): string {
  const list = tok822Parse(input, TOKEN_LIMIT);
  let out = `>>>${input}<<<\n\nParse tree:\n${printTree(list, 0)}\n`;
  out += `Internalized:\n${tok822Internalize(list)}\n\n`;
  for (const [title, line] of [
    ['Externalized, no newlines inserted:', false],
    ['Externalized, newlines inserted:', true],
  ] as const) {
    const warnings: string[] = [];
    const text = tok822Externalize(list, { truncate: true, line, warn: (w) => warnings.push(w) });
    out += warnings.map((w) => `unknown: warning: ${w}\n`).join('');
    out += `${title}\n${text}\n\n`;
  }
  return out;
}

/** The `>>>input<<<` blocks of a .ref file, with their inputs. */
function blocks(file: string): { input: string; expected: string }[] {
  const text = readFileSync(join(GOLDEN, file), 'utf8');
  return text
    .split(/^(?=>>>)/m)
    .filter((b) => b.startsWith('>>>'))
    .map((expected) => ({ input: /^>>>(.*)<<<$/m.exec(expected)![1]!, expected }));
}

for (const file of ['tok822_parse.ref', 'tok822_limit.ref']) {
  const cases = blocks(file);
  test(`${file}: the golden file has its cases`, () => {
    assert.ok(cases.length >= (file === 'tok822_parse.ref' ? 15 : 1));
  });
  for (const c of cases) {
    test(`tok822_parse (${file}) prints Postfix's tree and forms for ${JSON.stringify(c.input.slice(0, 60))}`, () => {
      assert.equal(render(c.input), c.expected);
    });
  }
}

test('tok822Scan makes a quoted string of an atom with a blank escaped by a backslash', () => {
  const list = tok822Scan('wietse\\ venema@porcupine.org');
  assert.equal(list.head?.type, 'qstring');
  assert.equal(list.head?.text, 'wietse venema');
});

test('tok822Scan keeps an IPv6 address literal as one domain literal token', () => {
  const list = tok822Scan('user@[IPv6:2001:db8::1]');
  assert.deepEqual(
    [list.head?.type, list.head?.next?.type, list.tail?.type, list.tail?.text],
    ['atom', '@', 'domlit', 'IPv6:2001:db8::1'],
  );
});

test('tok822Scan scans a source route into operators and atoms', () => {
  const types: string[] = [];
  for (let tp = tok822Scan('@a,@b:user@c').head; tp !== null; tp = tp.next) types.push(tp.type);
  assert.deepEqual(types, ['@', 'atom', ',', '@', 'atom', ':', 'atom', '@', 'atom']);
});

test('tok822Parse moves a nested comment out of the address and keeps it in external form', () => {
  const list = tok822Parse('user@example.com (a (nested) comment)');
  assert.equal(list?.type, 'addr');
  assert.equal(list?.next?.type, 'comment');
  assert.equal(tok822Externalize(list), 'user@example.com (a (nested) comment)');
});

test('tok822Parse returns null for text without tokens', () => {
  assert.equal(tok822Parse('  \t '), null);
});
