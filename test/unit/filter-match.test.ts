import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { VectorAdminError } from '../../src/domain/errors.js';
import type { Condition, Filter } from '../../src/domain/types.js';
import {
  compileFilter,
  inRange,
  matchesFilter,
  matchesValue,
  parseKeyPath,
  valuesAt,
} from '../../src/stores/filter-match.js';

const filter = (f: Partial<Filter>): Filter => ({
  must: f.must ?? [],
  should: f.should ?? [],
  mustNot: f.mustNot ?? [],
});

test('filter match - key paths parse dots, [] and [n] like Qdrant', () => {
  assert.deepEqual(parseKeyPath('a.b'), [
    { kind: 'key', key: 'a' },
    { kind: 'key', key: 'b' },
  ]);
  assert.deepEqual(parseKeyPath('a[].b[2]'), [
    { kind: 'key', key: 'a' },
    { kind: 'each' },
    { kind: 'key', key: 'b' },
    { kind: 'index', index: 2 },
  ]);
  for (const bad of ['', 'a..b', '.a', 'a.', '[]', 'a[x]', 'a]']) {
    assert.equal(parseKeyPath(bad), undefined, bad);
  }
});

test('filter match - a key step into an array reaches nothing without []', () => {
  const payload = { arr: [{ a: [1, 2] }, { a: 3 }, { b: 4 }], obj: { a: 5 } };
  assert.deepEqual(valuesAt(payload, parseKeyPath('arr.a')!), []);
  assert.deepEqual(valuesAt(payload, parseKeyPath('arr[].a')!), [[1, 2], 3]);
  assert.deepEqual(valuesAt(payload, parseKeyPath('arr[1].a')!), [3]);
  assert.deepEqual(valuesAt(payload, parseKeyPath('obj.a')!), [5]);
  assert.deepEqual(valuesAt(payload, parseKeyPath('obj.a.b')!), []);
  assert.deepEqual(valuesAt(payload, parseKeyPath('missing')!), []);
});

test('filter match - inherited properties are not payload keys', () => {
  const payload = JSON.parse('{"a":1}') as Record<string, unknown>;
  assert.deepEqual(valuesAt(payload, parseKeyPath('constructor')!), []);
  assert.deepEqual(valuesAt(payload, parseKeyPath('toString')!), []);
});

test('filter match - match needs the same JSON type', () => {
  assert.equal(matchesValue('a', 'a'), true);
  assert.equal(matchesValue('A', 'a'), false);
  assert.equal(matchesValue(1, 1), true);
  assert.equal(matchesValue('1', 1), false);
  assert.equal(matchesValue(1.5, 1.5), false, 'integer match only matches integers');
  assert.equal(matchesValue(true, true), true);
  assert.equal(matchesValue('true', true), false);
  assert.equal(matchesValue(null, 'null'), false);
});

test('filter match - range holds only for numbers within every bound', () => {
  assert.equal(inRange(2, { gt: 1, lt: 3 }), true);
  assert.equal(inRange(1, { gt: 1 }), false);
  assert.equal(inRange(1, { gte: 1 }), true);
  assert.equal(inRange(3, { lt: 3 }), false);
  assert.equal(inRange(3, { lte: 3 }), true);
  assert.equal(inRange(2.5, {}), true);
  assert.equal(inRange('2', { gt: 1 }), false);
  assert.equal(inRange(null, {}), false);
});

test('filter match - array leaves match when any element does, one level deep', () => {
  const tags: Condition = { key: 'tags', match: 'x' };
  assert.equal(matchesFilter({ tags: ['y', 'x'] }, filter({ must: [tags] })), true);
  assert.equal(matchesFilter({ tags: [['x']] }, filter({ must: [tags] })), false);
  assert.equal(
    matchesFilter({ n: [0, 5] }, filter({ must: [{ key: 'n', range: { gt: 4 } }] })),
    true,
  );
});

test('filter match - must, should and mustNot combine as in Qdrant', () => {
  const a: Condition = { key: 'k', match: 'a' };
  const b: Condition = { key: 'k', match: 'b' };
  assert.equal(matchesFilter({ k: 'a' }, filter({})), true);
  assert.equal(matchesFilter({ k: 'a' }, filter({ must: [a, b] })), false);
  assert.equal(matchesFilter({ k: 'b' }, filter({ should: [a, b] })), true);
  assert.equal(matchesFilter({ k: 'c' }, filter({ should: [a, b] })), false);
  assert.equal(
    matchesFilter({}, filter({ mustNot: [a] })),
    true,
    'a missing key matches no condition',
  );
  assert.equal(matchesFilter({ k: 'a' }, filter({ mustNot: [b], should: [a] })), true);
});

test('filter match - a malformed key is invalid_argument naming the condition', () => {
  assert.throws(
    () =>
      compileFilter(
        filter({
          mustNot: [
            { key: 'k', match: 1 },
            { key: 'a..b', match: 1 },
          ],
        }),
      ),
    (err: unknown) =>
      err instanceof VectorAdminError &&
      err.code === 'invalid_argument' &&
      err.violations[0]?.field === 'filter.must_not[1].key',
  );
});

const leaf = fc.oneof(fc.string({ maxLength: 2 }), fc.integer({ min: -3, max: 3 }), fc.boolean());
const payloadArb = fc.dictionary(
  fc.constantFrom('k', 'n', 'o'),
  fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.constantFrom('k', 'n'), leaf)),
);
const conditionArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ key: fc.constantFrom('k', 'n', 'o.k', 'o.n'), match: leaf }),
  fc.record({
    key: fc.constantFrom('k', 'n', 'o.n'),
    range: fc.record({ gt: fc.integer({ min: -3, max: 3 }) }, { requiredKeys: [] }),
  }),
);

test('filter match - mustNot negates must and a single should equals must', () => {
  fc.assert(
    fc.property(payloadArb, conditionArb, (payload, c) => {
      const must = compileFilter(filter({ must: [c] }))(payload);
      assert.equal(compileFilter(filter({ mustNot: [c] }))(payload), !must);
      assert.equal(compileFilter(filter({ should: [c] }))(payload), must);
    }),
  );
});

test('filter match - must is the conjunction and should the disjunction of conditions', () => {
  fc.assert(
    fc.property(
      payloadArb,
      fc.array(conditionArb, { minLength: 1, maxLength: 4 }),
      (payload, cs) => {
        const each = cs.map((c) => matchesFilter(payload, filter({ must: [c] })));
        assert.equal(matchesFilter(payload, filter({ must: cs })), each.every(Boolean));
        assert.equal(matchesFilter(payload, filter({ should: cs })), each.some(Boolean));
      },
    ),
  );
});
