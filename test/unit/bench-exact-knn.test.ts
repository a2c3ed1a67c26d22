import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SyntheticTable } from '../../src/bench/dataset.js';
import { exactTopK, recallAtK } from '../../src/bench/exact-knn.js';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

test('bench exact-knn - top k equals a full sort of every cosine score', async () => {
  // More rows than one slice, so the yielding path is exercised too.
  const table = new SyntheticTable('t1', 'work_items', 32, 12_000, 7);
  const queries = [table.query(3, 1), table.query(6_000, 2), table.query(11_999, 3)];
  const top = await exactTopK(table, table.count, queries, 10);
  for (const [q, query] of queries.entries()) {
    const sorted = Array.from({ length: table.count }, (_, i) => ({
      index: i,
      score: cosine(query, table.vector(i)),
    })).sort((a, b) => b.score - a.score);
    assert.deepEqual(
      top[q]!.map((n) => n.index),
      sorted.slice(0, 10).map((n) => n.index),
    );
  }
});

test('bench exact-knn - recall counts hits, near-ties at rank k, and nothing else', () => {
  const exact = [
    { index: 0, score: 0.9 },
    { index: 1, score: 0.8 },
    { index: 2, score: 0.7 },
    { index: 3, score: 0.7 - 1e-7 },
    { index: 4, score: 0.5 },
  ];
  const id = (i: number) => `id-${i}`;
  assert.equal(recallAtK(['id-0', 'id-1', 'id-2'], exact, id, 3), 1);
  // id-3 ties the 3rd score within float32 noise: as good an answer.
  assert.equal(recallAtK(['id-0', 'id-1', 'id-3'], exact, id, 3), 1);
  assert.equal(recallAtK(['id-0', 'id-1', 'id-4'], exact, id, 3), 2 / 3);
  assert.equal(recallAtK(['id-0', 'nope', 'id-9'], exact, id, 3), 1 / 3);
});

test('bench dataset - rows are pure functions of (seed, index)', () => {
  const a = new SyntheticTable('t1', 'users', 32, 100, 11);
  const b = new SyntheticTable('t1', 'users', 32, 100, 11);
  const other = new SyntheticTable('t1', 'users', 32, 100, 12);
  assert.deepEqual(a.vector(42), b.vector(42));
  assert.deepEqual(a.domainPoint(42), b.domainPoint(42));
  assert.notDeepEqual(a.vector(42), a.vector(43));
  assert.notDeepEqual(a.vector(42), other.vector(42));
  assert.equal(a.pointId(42), b.pointId(42));
  assert.notEqual(a.pointId(42), a.pointId(43));
  const batches = [...a.wireBatches(30, 'f32le')];
  assert.deepEqual(
    batches.map((points) => points.length),
    [30, 30, 30, 10],
  );
});

test('bench exact-knn - a row filter limits a query to the rows it accepts', async () => {
  const table = new SyntheticTable('t1', 'work_items', 16, 2_000, 3);
  const query = table.query(40, 1);
  const accept = (row: number) => row % 10 === 0;
  const [filtered, open] = await exactTopK(table, table.count, [query, query], 10, undefined, [
    accept,
  ]);
  assert.ok(filtered!.every((n) => accept(n.index)));
  const expected = Array.from({ length: table.count }, (_, i) => i)
    .filter(accept)
    .map((i) => ({ index: i, score: cosine(query, table.vector(i)) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 10)
    .map((n) => n.index);
  assert.deepEqual(
    filtered!.map((n) => n.index),
    expected,
  );
  assert.equal(open!.length, 10);
});
