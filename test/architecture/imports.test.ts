/**
 * The architecture rules of style.md §10 and §11, checked on the source:
 * imports point down the mail flow, there are no import cycles (type-only
 * ones included), and every file opens with a header comment.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** Lower layers first; a file may import only its own service or a lower layer. */
const LAYERS: readonly (readonly string[])[] = [
  ['global'],
  ['log'],
  ['config'],
  ['dns', 'maps'],
  ['queue', 'rewrite', 'auth'],
  ['cleanup', 'bounce', 'mailbox'],
  ['smtpd', 'qmgr', 'smtp', 'local', 'virtual', 'logscan', 'error', 'discard', 'pickup'],
  ['doctor'],
  ['cli'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const files = sourceFiles(SRC).map((f) => relative(ROOT, f));
const service = (file: string) => file.split('/')[1] ?? '';
const layer = (file: string) => LAYERS.findIndex((l) => l.includes(service(file)));

/** Relative imports of a source file (static, dynamic and type-only), as paths from the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => normalize(join(dirname(file), s)));
}

test('every source file belongs to a known service directory', () => {
  assert.deepEqual(
    files.filter((f) => layer(f) < 0),
    [],
  );
});

test('every import goes to the same service or a lower layer', () => {
  const wrong = files.flatMap((f) =>
    importsOf(f)
      .filter((to) => service(to) !== service(f) && layer(to) >= layer(f))
      .map((to) => `${f} imports ${to}`),
  );
  assert.deepEqual(wrong, []);
});

test('there are no import cycles, type-only imports included', () => {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((to) => files.includes(to))]));
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
      return;
    }
    state.set(f, 'visiting');
    for (const to of graph.get(f) ?? []) visit(to, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});

test('every source file opens with a header comment naming the file', () => {
  const missing = files.filter((f) => {
    const text = readFileSync(join(ROOT, f), 'utf8');
    const name = f.split('/').pop()!.replace(/\.ts$/, '');
    return !text.startsWith(`/**\n * ${name}`);
  });
  assert.deepEqual(missing, []);
});
