/**
 * logscan_summary_ids: the queue ID table behaves as a Map of IDs in the
 * order they were added, under random additions, removals and oldest-first
 * evictions: short hex IDs (numbers), IDs that differ only in leading
 * zeros, long and lower-case IDs (strings), read inside longer texts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { QueueIdTable } from '../../src/logscan/logscan_summary_ids.ts';

const IDS = [
  'ABC123',
  '0ABC123',
  '00ABC123',
  'DFC8A16044F',
  'DFC8A16044E',
  '123456789ABC',
  '123456789ABCD',
  '4jchFw2qPlzBrJw',
  '4jchG85FYpzBrJb',
  'abc123',
  'NOQUEUE',
];

type Op =
  | { readonly kind: 'add' | 'remove' | 'find'; readonly id: number }
  | { readonly kind: 'evict'; readonly n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('add', 'remove', 'find') as fc.Arbitrary<'add' | 'remove' | 'find'>,
    id: fc.nat(IDS.length - 1),
  }),
  fc.record({ kind: fc.constant('evict' as const), n: fc.nat(4) }),
);

test('QueueIdTable finds, adds, removes and evicts as a Map in insertion order would', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const table = new QueueIdTable();
      const model = new Map<string, number>();
      for (const o of ops) {
        if (o.kind === 'evict') {
          table.evictOldest(o.n);
          for (const key of [...model.keys()].slice(0, o.n)) model.delete(key);
          continue;
        }
        const id = IDS[o.id]!;
        // the ID inside a line, as the summary reads it
        const text = `x ${id}: text`;
        const found = table.find(text, 2, 2 + id.length);
        assert.equal(found >= 0, model.has(id), `find ${id}`);
        if (found >= 0) assert.equal(found, model.get(id));
        if (o.kind === 'add') {
          const r = table.add(id, 0, id.length);
          assert.equal(table.created, !model.has(id));
          if (!model.has(id)) model.set(id, r);
          assert.equal(r, model.get(id));
        } else if (o.kind === 'remove' && found >= 0) {
          table.remove(found);
          model.delete(id);
        }
        assert.equal(table.size, model.size);
      }
    }),
  );
});

test('QueueIdTable grows past its first size and keeps every ID apart', () => {
  const table = new QueueIdTable();
  const ids = Array.from({ length: 5000 }, (_, i) => (0x8179f100000 + i * 7919).toString(16).toUpperCase());
  const records = ids.map((id) => table.add(id, 0, id.length));
  assert.equal(new Set(records).size, ids.length);
  assert.equal(table.size, ids.length);
  for (let i = 0; i < ids.length; i += 2) table.remove(table.find(ids[i]!, 0, ids[i]!.length));
  for (let i = 0; i < ids.length; i++) assert.equal(table.find(ids[i]!, 0, ids[i]!.length) >= 0, i % 2 === 1);
  table.evictOldest(1000);
  assert.equal(table.size, 1500);
  assert.equal(table.find(ids[1]!, 0, ids[1]!.length), -1, 'the oldest went first');
  assert.ok(table.find(ids[4999]!, 0, ids[4999]!.length) >= 0);
});
