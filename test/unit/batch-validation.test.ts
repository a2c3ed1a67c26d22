import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { recordUuid, validateBatch, type PointInput } from '../../src/domain/index.js';

const limits = { maxPoints: 10, maxPayloadBytes: 200 };
const vec = (n: number, fill = 0.5) => new Float32Array(n).fill(fill);
const point = (over: Partial<PointInput> = {}): PointInput => ({
  id: { kind: 'num', value: 1n },
  vector: vec(4),
  payload: {},
  ...over,
});

test('batch validation - a valid batch yields every point', () => {
  const result = validateBatch(
    't',
    'tbl',
    [point(), point({ id: { kind: 'uuid', value: 'A3BB189E-8BF9-3888-9912-ACE4E6543002' } })],
    4,
    limits,
  );
  assert.ok(result.ok);
  assert.deepEqual(
    result.points.map((p) => p.id),
    [1, 'a3bb189e-8bf9-3888-9912-ace4e6543002'],
  );
});

test('batch validation - one bad point rejects the whole batch and every bad point is listed', () => {
  const result = validateBatch(
    't',
    'tbl',
    [
      point(),
      point({ vector: vec(3) }),
      point({ vector: Float32Array.of(1, Number.NaN, 0, 0) }),
      point({ id: { kind: 'uuid', value: 'nope' } }),
      point({ id: undefined }),
      point({ payload: { big: 'x'.repeat(300) } }),
      point({ vector: { error: 'is empty' } }),
      point({ id: { kind: 'num', value: 2n ** 60n } }),
    ],
    4,
    limits,
  );
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.errors.map((e) => [e.index, e.field]),
    [
      [1, 'points[1].vector'],
      [2, 'points[2].vector'],
      [3, 'points[3].id'],
      [4, 'points[4].id'],
      [5, 'points[5].payload'],
      [6, 'points[6].vector'],
      [7, 'points[7].id'],
    ],
  );
});

test('batch validation - empty and oversized batches are refused', () => {
  assert.equal(validateBatch('t', 'tbl', [], 4, limits).ok, false);
  assert.equal(
    validateBatch(
      't',
      'tbl',
      Array.from({ length: 11 }, () => point()),
      4,
      limits,
    ).ok,
    false,
  );
});

test('batch validation - record ids map to deterministic v5 UUIDs scoped by tenant and table', () => {
  const a = recordUuid('t1', 'users', 'row-1');
  assert.equal(a, recordUuid('t1', 'users', 'row-1'));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, recordUuid('t2', 'users', 'row-1'));
  assert.notEqual(a, recordUuid('t1', 'projects', 'row-1'));
  const result = validateBatch(
    't1',
    'users',
    [point({ id: { kind: 'record', value: 'row-1' } })],
    4,
    limits,
  );
  assert.ok(result.ok);
  assert.equal(result.points[0]?.id, a);
});

test('batch validation - any vector with a non-finite value is refused', () => {
  fc.assert(
    fc.property(
      fc.array(fc.float({ noDefaultInfinity: true, noNaN: true }), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom(Number.NaN, Infinity, -Infinity),
      (values, at, bad) => {
        const v = Float32Array.from(values);
        v[at] = bad;
        const result = validateBatch('t', 'tbl', [point({ vector: v })], 4, limits);
        assert.equal(result.ok, false);
      },
    ),
  );
});
