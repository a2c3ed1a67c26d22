import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_HNSW_EF,
  MAX_PAYLOAD_INDEXES,
  VectorAdminError,
  configConflicts,
  resolveCollectionConfig,
  validateSearchParams,
  type PayloadIndex,
} from '../../src/domain/index.js';

const DEFAULTS = { vectorSize: 4, distance: 'cosine', maxVectorSize: 16 } as const;

function invalidField(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VectorAdminError && err.code === 'invalid_argument', String(err));
    return err.violations[0]?.field;
  }
  return assert.fail('expected invalid_argument');
}

const resolve = (payloadIndexes: readonly PayloadIndex[]) => () =>
  resolveCollectionConfig({ payloadIndexes }, DEFAULTS);

test('collection config - payload indexes are sorted by key; none declared means none', () => {
  const config = resolveCollectionConfig(
    {
      payloadIndexes: [
        { key: 'state', type: 'keyword' },
        { key: 'Size_2', type: 'integer' },
        { key: '_done', type: 'bool' },
      ],
    },
    DEFAULTS,
  );
  assert.deepEqual(
    config.payloadIndexes?.map((i) => i.key),
    ['Size_2', '_done', 'state'],
  );
  assert.equal(
    'payloadIndexes' in resolveCollectionConfig({ payloadIndexes: [] }, DEFAULTS),
    false,
  );
  assert.equal('payloadIndexes' in resolveCollectionConfig(undefined, DEFAULTS), false);
});

test('collection config - a bad payload index is invalid_argument naming its field', () => {
  const at = (i: number, what: string) => `config.payload_indexes.fields[${i}].${what}`;
  for (const key of ['', 'meta.level', 'tags[]', '1st', 'a-b', 'x'.repeat(65), 'naïve'])
    assert.equal(invalidField(resolve([{ key, type: 'keyword' }])), at(0, 'key'), key);
  assert.equal(invalidField(resolve([{ key: '_va_tenant', type: 'keyword' }])), at(0, 'key'));
  assert.equal(
    invalidField(
      resolve([
        { key: 'a', type: 'keyword' },
        { key: 'a', type: 'integer' },
      ]),
    ),
    at(1, 'key'),
  );
  assert.equal(
    invalidField(resolve([{ key: 'a', type: 'text' as PayloadIndex['type'] }])),
    at(0, 'type'),
  );
  const many = Array.from({ length: MAX_PAYLOAD_INDEXES + 1 }, (_, i) => ({
    key: `k${i}`,
    type: 'keyword' as const,
  }));
  assert.equal(invalidField(resolve(many)), 'config.payload_indexes');
  resolve(many.slice(1))();
  assert.equal(
    invalidField(() =>
      resolveCollectionConfig(
        { payloadIndexes: [{ key: '', type: 'bool' }] },
        DEFAULTS,
        'auto_create',
      ),
    ),
    'auto_create.payload_indexes.fields[0].key',
  );
});

test('collection config - payload indexes conflict as a set; unset never conflicts', () => {
  const existing = {
    vectorSize: 4,
    distance: 'cosine',
    payloadIndexes: [
      { key: 'a', type: 'keyword' },
      { key: 'b', type: 'integer' },
    ],
  } as const;
  const reversed = [...existing.payloadIndexes].reverse();
  assert.deepEqual(configConflicts(existing, { payloadIndexes: reversed }), []);
  assert.deepEqual(configConflicts(existing, {}), []);
  assert.deepEqual(configConflicts(existing, { payloadIndexes: [] }), ['payload_indexes']);
  assert.deepEqual(configConflicts(existing, { payloadIndexes: [{ key: 'a', type: 'keyword' }] }), [
    'payload_indexes',
  ]);
  assert.deepEqual(
    configConflicts(existing, {
      payloadIndexes: [
        { key: 'a', type: 'keyword' },
        { key: 'b', type: 'float' },
      ],
    }),
    ['payload_indexes'],
  );
  assert.deepEqual(configConflicts({ vectorSize: 4, distance: 'dot' }, { payloadIndexes: [] }), []);
});

test('search params - hnsw_ef is 1 to the maximum; exact alone is fine', () => {
  assert.equal(validateSearchParams(undefined), undefined);
  assert.deepEqual(validateSearchParams({ exact: true }), { exact: true });
  for (const hnswEf of [1, 64, MAX_HNSW_EF]) validateSearchParams({ hnswEf });
  for (const hnswEf of [0, MAX_HNSW_EF + 1, 1.5, Number.NaN])
    assert.equal(
      invalidField(() => validateSearchParams({ hnswEf })),
      'params.hnsw_ef',
      `${hnswEf}`,
    );
});
