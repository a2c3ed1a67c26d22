import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { connect } from '@lancedb/lancedb';
import fc from 'fast-check';
import type { CollectionConfig, Condition, Filter, Payload } from '../../src/domain/types.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { collectionSchema } from '../../src/stores/lance-arrow.js';
import { randomVector, seededRandom } from '../helpers/points.js';
import { assertSameHits, bruteForce } from '../helpers/vector-store-contract-data.js';

const DIM = 8;
const PAYLOAD_INDEXES = [
  { key: 'kind', type: 'keyword' },
  { key: 'n', type: 'integer' },
  { key: 'x', type: 'float' },
  { key: 'flag', type: 'bool' },
] as const;

// Values of every JSON type under each key, so rows land in their columns, in the
// "other" flag (arrays, other types) and as missing keys.
const valueArb = fc.oneof(
  fc.constantFrom('a', 'b', 'c'),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -1.5, 2.25),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.constantFrom('a', 'b'), fc.integer({ min: -3, max: 3 })), { maxLength: 3 }),
);
const KEYS = ['kind', 'n', 'x', 'flag', 'other'] as const;
const payloadArb: fc.Arbitrary<Payload> = fc.dictionary(fc.constantFrom(...KEYS), valueArb);

const conditionArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    key: fc.constantFrom(...KEYS),
    match: fc.oneof(fc.constantFrom('a', 'b'), fc.integer({ min: -3, max: 3 }), fc.boolean()),
  }),
  fc.record({
    key: fc.constantFrom(...KEYS),
    range: fc.oneof(
      fc.record({ gte: fc.constantFrom(-1, 0, 0.5, 2) }),
      fc.record({ gt: fc.constantFrom(-1.5, 0), lte: fc.constantFrom(1, 2.25, 3) }),
      fc.record({ lt: fc.constantFrom(0, 1.25) }),
    ),
  }),
);
const filterArb: fc.Arbitrary<Filter> = fc.record({
  must: fc.array(conditionArb, { minLength: 1, maxLength: 3 }),
  should: fc.array(conditionArb, { maxLength: 2 }),
  mustNot: fc.array(conditionArb, { maxLength: 1 }),
});

test('embedded payload indexes - filtered searches, counts and deletes answer as without the indexes (property)', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'payload-index-'));
  // Scalar indexes on the columns from 100 rows: the last batch is left for LanceDB to scan.
  const store = await createEmbeddedVectorStore({
    dataDir,
    index: { idIndexRows: 100, idRefreshRows: 64 },
  });
  try {
    const config: CollectionConfig = { vectorSize: DIM, distance: 'cosine' };
    await store.createCollection('indexed', { ...config, payloadIndexes: PAYLOAD_INDEXES });
    await store.createCollection('plain', config);
    const random = seededRandom(31);
    const payloads = fc.sample(payloadArb, { numRuns: 300, seed: 7 });
    const points = payloads.map((payload, i) => ({
      id: i + 1,
      vector: randomVector(random, DIM),
      payload,
    }));
    for (const name of ['indexed', 'plain']) {
      await store.upsert(name, points.slice(0, 200));
      await store.upsert(name, points.slice(150, 250)); // 50 of them again: merged
      await store.maintenanceSettled(name);
      await store.upsert(name, points.slice(250));
    }
    const db = await connect(dataDir);
    const indexed = await db.openTable('indexed');
    const names = (await indexed.listIndices()).map((index) => index.name).sort();
    indexed.close();
    db.close();
    assert.deepEqual(
      names.filter((name) => name.startsWith('payload_index_')),
      PAYLOAD_INDEXES.map(({ key }) => `payload_index_${key}_idx`).sort(),
    );
    await fc.assert(
      fc.asyncProperty(filterArb, fc.integer({ min: 1, max: 40 }), async (filter, limit) => {
        const query = { vector: randomVector(random, DIM), limit, filter, withPayload: true };
        const [indexed, plain] = await Promise.all([
          store.search('indexed', query),
          store.search('plain', query),
        ]);
        assert.deepEqual(indexed, plain);
        assert.equal(
          await store.count('indexed', filter, true),
          await store.count('plain', filter, true),
        );
      }),
      { numRuns: 150, seed: 11 },
    );
    for (const filter of fc.sample(filterArb, { numRuns: 5, seed: 13 })) {
      await store.deletePoints('indexed', { filter });
      await store.deletePoints('plain', { filter });
      const everything = { vector: randomVector(random, DIM), limit: 300, withPayload: true };
      assert.deepEqual(
        await store.search('indexed', everything),
        await store.search('plain', everything),
      );
    }
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('embedded payload indexes - a table made before index columns keeps working', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'payload-index-old-'));
  const config: CollectionConfig = {
    vectorSize: DIM,
    distance: 'dot',
    payloadIndexes: PAYLOAD_INDEXES,
  };
  const db = await connect(dataDir);
  const table = await db.createEmptyTable('old', collectionSchema(config, false));
  table.close();
  db.close();
  const store = await createEmbeddedVectorStore({ dataDir });
  try {
    const random = seededRandom(5);
    await store.upsert('old', [
      { id: 1, vector: randomVector(random, DIM), payload: { kind: 'a' } },
      { id: 2, vector: randomVector(random, DIM), payload: { kind: 'b' } },
    ]);
    const hits = await store.search('old', {
      vector: randomVector(random, DIM),
      limit: 5,
      filter: { must: [{ key: 'kind', match: 'b' }], should: [], mustNot: [] },
      withPayload: false,
    });
    assert.deepEqual(
      hits.map((h) => h.id),
      [2],
    );
    assert.deepEqual((await store.getCollection('old'))?.config.payloadIndexes, PAYLOAD_INDEXES);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('embedded payload indexes - through the vector index, a prefiltered search finds the filtered nearest points', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'payload-index-ann-'));
  const store = await createEmbeddedVectorStore({
    dataDir,
    index: { thresholdRows: 500, idIndexRows: 100, maxDeferMs: 0, quietMs: 0 },
  });
  try {
    await store.createCollection('ann', {
      vectorSize: DIM,
      distance: 'cosine',
      payloadIndexes: [{ key: 'b', type: 'integer' }],
    });
    const random = seededRandom(41);
    const points = Array.from({ length: 3000 }, (_, i) => ({
      id: i + 1,
      vector: randomVector(random, DIM),
      payload: { b: i % 2, r: i % 7 },
    }));
    for (let i = 0; i < points.length; i += 500) {
      await store.upsert('ann', points.slice(i, i + 500));
    }
    await store.maintenanceSettled('ann');
    const described = await store.getCollection('ann');
    assert.deepEqual([described?.status, described?.indexedVectorsCount], ['green', 3000]);
    // 1,500 admitted rows take the index; the unindexed key `r` keeps a seventh of them, so
    // the search widens (and may end exact) before it has `limit` matches.
    for (const must of [
      [{ key: 'b', match: 0 }],
      [
        { key: 'b', match: 1 },
        { key: 'r', match: 3 },
      ],
    ]) {
      const query = randomVector(random, DIM);
      const filter: Filter = { must, should: [], mustNot: [] };
      const hits = await store.search('ann', {
        vector: query,
        limit: 10,
        filter,
        withPayload: false,
      });
      const admitted = points.filter((p) =>
        must.every((c) => (p.payload as Record<string, number>)[c.key] === c.match),
      );
      assertSameHits(hits, bruteForce('cosine', admitted, query, 10), JSON.stringify(must));
    }
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
