import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VectorAdminError } from '../../src/domain/errors.js';
import type { VectorStore } from '../../src/domain/ports.js';
import { storageBytes } from '../../src/domain/collection-analysis.js';
import type { CollectionConfig, Distance, Point } from '../../src/domain/types.js';
import {
  FILTER_CASES,
  FILTER_PAYLOADS,
  assertSameHits,
  bruteForce,
  randomPoints,
  randomVector,
  seededRandom,
  toFilter,
  uniqueCollection,
} from './vector-store-contract-data.js';

/** A store under test; `reopen` closes it and opens a new one on the same data. */
export interface VectorStoreFixture {
  readonly store: VectorStore;
  cleanup(): Promise<void>;
  reopen(): Promise<VectorStore>;
}

const DIM = 8;
const DISTANCES: readonly Distance[] = ['cosine', 'euclid', 'dot', 'manhattan'];

/** Asserts every field `expected` sets has the same value in `actual` (a store may add defaults). */
function assertConfigIncludes(
  actual: CollectionConfig | undefined,
  expected: CollectionConfig,
): void {
  assert.ok(actual !== undefined, 'collection exists');
  const { hnsw, ...flat } = expected;
  for (const [key, value] of Object.entries(flat)) {
    assert.deepEqual(actual[key as keyof CollectionConfig], value, key);
  }
  for (const [key, value] of Object.entries(hnsw ?? {})) {
    assert.deepEqual(actual.hnsw?.[key as keyof typeof hnsw], value, `hnsw.${key}`);
  }
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof VectorAdminError, `expected VectorAdminError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Registers the behaviour every VectorStore adapter must show, as node:test tests. */
export function runVectorStoreContract(
  label: string,
  makeStore: () => Promise<VectorStoreFixture>,
): void {
  describe(`${label} contract`, () => {
    let fixture: VectorStoreFixture;
    before(async () => {
      fixture = await makeStore();
    });
    after(async () => {
      await fixture.cleanup();
    });
    const store = () => fixture.store;

    /** A new collection named after the test, deleted by the suite's cleanup or by the test. */
    async function collection(
      title: string,
      config: Partial<CollectionConfig> = {},
    ): Promise<string> {
      const name = uniqueCollection(title);
      await store().createCollection(name, { vectorSize: DIM, distance: 'cosine', ...config });
      return name;
    }

    async function filterFixture(
      title: string,
      config: Partial<CollectionConfig> = {},
    ): Promise<string> {
      const name = await collection(title, config);
      const random = seededRandom(7);
      await store().upsert(
        name,
        Object.entries(FILTER_PAYLOADS).map(([id, payload]) => ({
          id: Number(id),
          vector: randomVector(random, DIM),
          payload,
        })),
      );
      return name;
    }

    test(`${label} - create twice is already_exists`, async () => {
      const name = await collection('create twice');
      await rejectsWithCode(
        store().createCollection(name, { vectorSize: DIM, distance: 'dot' }),
        'already_exists',
      );
    });

    test(`${label} - get of a missing collection is undefined`, async () => {
      assert.equal(await store().getCollection(uniqueCollection('missing')), undefined);
    });

    test(`${label} - get round-trips the config for every distance`, async () => {
      for (const distance of DISTANCES) {
        const config = { distance, vectorSize: 5 + DISTANCES.indexOf(distance) };
        const name = await collection(`config ${distance}`, config);
        const got = await store().getCollection(name);
        assert.equal(got?.name, name);
        assert.equal(got.pointsCount, 0);
        assertConfigIncludes(got.config, config);
      }
    });

    test(`${label} - get round-trips optional settings`, async () => {
      const config: CollectionConfig = {
        vectorSize: DIM,
        distance: 'euclid',
        shardNumber: 1,
        replicationFactor: 1,
        writeConsistencyFactor: 1,
        onDisk: true,
        hnsw: { m: 32, efConstruct: 200, fullScanThreshold: 20000, onDisk: false },
      };
      const name = uniqueCollection('optional settings');
      await store().createCollection(name, config);
      assertConfigIncludes((await store().getCollection(name))?.config, config);
    });

    test(`${label} - get counts points`, async () => {
      const name = await collection('points count');
      const points = randomPoints(seededRandom(1), 10, DIM);
      await store().upsert(name, points);
      await store().upsert(name, points.slice(0, 4));
      assert.equal((await store().getCollection(name))?.pointsCount, 10);
    });

    test(`${label} - list returns only names with the prefix, sorted`, async () => {
      const prefix = `${uniqueCollection('list')}_`;
      const names = [`${prefix}c`, `${prefix}a`, `${prefix}b_x`];
      for (const name of names)
        await store().createCollection(name, { vectorSize: DIM, distance: 'dot' });
      await store().createCollection(`${prefix.slice(0, -1)}-other`, {
        vectorSize: DIM,
        distance: 'dot',
      });
      assert.deepEqual(await store().listCollections(prefix), [...names].sort());
      assert.deepEqual(await store().listCollections(`${prefix}zz`), []);
    });

    test(`${label} - describeStorage reports sizes and creation time, missing names left out`, async () => {
      const before = Date.now();
      const empty = await collection('storage empty');
      const full = await collection('storage full');
      await store().upsert(full, randomPoints(seededRandom(3), 50, DIM));
      const missing = uniqueCollection('storage missing');
      const described = await store().describeStorage([full, missing, empty]);
      assert.deepEqual(
        described.map((s) => s.name),
        [full, empty],
      );
      const [fullBytes, emptyBytes] = described.map(storageBytes);
      assert.ok(fullBytes !== undefined && emptyBytes !== undefined, 'sizes are reported');
      assert.ok(fullBytes > emptyBytes, `50 points take more room (${fullBytes} > ${emptyBytes})`);
      for (const { createdAt } of described) {
        // Where a store records no creation time it is unset, never made up.
        if (createdAt === undefined) continue;
        // File systems keep birth times in whole ticks: allow a second either way.
        assert.ok(createdAt.getTime() >= before - 1000, 'created during the test');
        assert.ok(createdAt.getTime() <= Date.now() + 1000, 'not in the future');
      }
      assert.deepEqual(await store().describeStorage([]), []);
    });

    test(`${label} - delete is true once, then false`, async () => {
      const name = await collection('delete');
      assert.equal(await store().deleteCollection(name), true);
      assert.equal(await store().getCollection(name), undefined);
      assert.equal(await store().deleteCollection(name), false);
    });

    test(`${label} - upsert round-trips ids and payloads`, async () => {
      const name = await collection('round trip');
      const random = seededRandom(2);
      const points: Point[] = [
        { id: 0, vector: randomVector(random, DIM), payload: {} },
        { id: Number.MAX_SAFE_INTEGER, vector: randomVector(random, DIM), payload: { n: -1.5 } },
        {
          id: '3f2c9a4e-1b7d-4c8e-9f0a-2b3c4d5e6f70',
          vector: randomVector(random, DIM),
          payload: {
            text: 'héllo ✓ "quoted"',
            int: 42,
            float: 0.125,
            yes: true,
            no: false,
            nothing: null,
            list: [1, 'two', false, { three: 3 }],
            nested: { deeper: { deepest: [1, [2, 3]] } },
          },
        },
      ];
      await store().upsert(name, points);
      const hits = await store().search(name, {
        vector: points[0]!.vector,
        limit: 10,
        withPayload: true,
      });
      assert.deepEqual(
        new Map(hits.map((h) => [h.id, h.payload])),
        new Map(points.map((p) => [p.id, p.payload])),
      );
    });

    test(`${label} - upsert replaces by id, the later write wins`, async () => {
      const name = await collection('replace');
      const random = seededRandom(3);
      const first = randomVector(random, DIM);
      const second = randomVector(random, DIM);
      const uuid = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
      await store().upsert(name, [
        { id: 7, vector: first, payload: { v: 1 } },
        { id: uuid, vector: first, payload: { v: 1 } },
      ]);
      await store().upsert(name, [
        { id: 7, vector: second, payload: { v: 2 } },
        { id: uuid, vector: second, payload: { v: 2 } },
      ]);
      // Within one call the later duplicate wins too.
      await store().upsert(name, [
        { id: 8, vector: first, payload: { v: 'old' } },
        { id: 8, vector: second, payload: { v: 'new' } },
      ]);
      assert.equal(await store().count(name, undefined, true), 3);
      const hits = await store().search(name, { vector: second, limit: 3, withPayload: true });
      for (const hit of hits) assert.ok(Math.abs(hit.score - 1) < 1e-4, `score of ${hit.id}`);
      assert.deepEqual(
        new Map(hits.map((h) => [h.id, h.payload])),
        new Map<number | string, unknown>([
          [7, { v: 2 }],
          [uuid, { v: 2 }],
          [8, { v: 'new' }],
        ]),
      );
    });

    test(`${label} - retrieve returns stored points in the order asked, missing ids left out`, async () => {
      const name = await collection('retrieve', { distance: 'dot' });
      const random = seededRandom(19);
      const uuid = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
      const points: Point[] = [
        { id: 3, vector: randomVector(random, DIM), payload: { n: 3, nested: { a: [1, 'b'] } } },
        { id: uuid, vector: randomVector(random, DIM), payload: { s: 'héllo' } },
        { id: Number.MAX_SAFE_INTEGER, vector: randomVector(random, DIM), payload: {} },
      ];
      await store().upsert(name, points);
      const asked = [uuid, 404, Number.MAX_SAFE_INTEGER, 3, 3, uuid];
      const full = await store().retrieve(name, {
        ids: asked,
        withPayload: true,
        withVector: true,
      });
      assert.deepEqual(
        full.map((p) => p.id),
        [uuid, Number.MAX_SAFE_INTEGER, 3],
      );
      for (const got of full) {
        const stored = points.find((p) => p.id === got.id)!;
        assert.deepEqual(got.payload, stored.payload, `payload of ${got.id}`);
        assert.ok(got.vector instanceof Float32Array, `vector of ${got.id}`);
        assert.deepEqual(Array.from(got.vector), Array.from(stored.vector), `vector of ${got.id}`);
      }
      const bare = await store().retrieve(name, {
        ids: [3],
        withPayload: false,
        withVector: false,
      });
      assert.deepEqual(bare, [{ id: 3 }]);
      assert.deepEqual(
        await store().retrieve(name, { ids: [], withPayload: true, withVector: false }),
        [],
      );
    });

    test(`${label} - retrieve gives cosine vectors normalized, as Qdrant stores them`, async () => {
      const name = await collection('retrieve cosine');
      await store().upsert(name, [{ id: 1, vector: new Float32Array(DIM).fill(2), payload: {} }]);
      const [got] = await store().retrieve(name, {
        ids: [1],
        withPayload: false,
        withVector: true,
      });
      const expected = 1 / Math.sqrt(DIM);
      for (const value of got?.vector ?? []) assert.ok(Math.abs(value - expected) < 1e-6);
      assert.equal(got?.vector?.length, DIM);
    });

    test(`${label} - operations on a missing collection are not_found`, async () => {
      const name = uniqueCollection('missing ops');
      const vector = new Float32Array(DIM);
      await rejectsWithCode(store().upsert(name, [{ id: 1, vector, payload: {} }]), 'not_found');
      await rejectsWithCode(store().deletePoints(name, { ids: [1] }), 'not_found');
      await rejectsWithCode(
        store().search(name, { vector, limit: 1, withPayload: false }),
        'not_found',
      );
      await rejectsWithCode(store().count(name, undefined, true), 'not_found');
      await rejectsWithCode(
        store().retrieve(name, { ids: [1], withPayload: true, withVector: false }),
        'not_found',
      );
    });

    test(`${label} - deletePoints by ids, by filter, and by both`, async () => {
      const name = await filterFixture('delete points');
      await store().deletePoints(name, { ids: [1, 99] });
      assert.equal(await store().count(name, undefined, true), 6);
      await store().deletePoints(name, {
        filter: toFilter({ must: [{ key: 'kind', match: 'c' }] }),
      });
      assert.equal(await store().count(name, undefined, true), 4);
      await store().deletePoints(name, {
        ids: [5],
        filter: toFilter({ must: [{ key: 'n', match: 3 }] }),
      });
      const left = await store().search(name, {
        vector: new Float32Array(DIM).fill(1),
        limit: 10,
        withPayload: false,
      });
      assert.deepEqual(left.map((h) => h.id).sort(), [2, 6]);
    });

    test(`${label} - count with filters follows Qdrant's semantics`, async () => {
      const name = await filterFixture('count filters');
      for (const { name: what, filter, ids } of FILTER_CASES) {
        assert.equal(await store().count(name, toFilter(filter), true), ids.length, what);
      }
    });

    test(`${label} - search with a filter returns exactly the matching points`, async () => {
      const name = await filterFixture('search filters');
      const vector = new Float32Array(DIM).fill(0.5);
      for (const { name: what, filter, ids } of FILTER_CASES) {
        const hits = await store().search(name, {
          vector,
          limit: 10,
          filter: toFilter(filter),
          withPayload: true,
        });
        assert.deepEqual(hits.map((h) => h.id).sort(), [...ids].sort(), what);
        for (const hit of hits)
          assert.deepEqual(hit.payload, FILTER_PAYLOADS[hit.id as number], what);
      }
    });

    test(`${label} - payload indexes round-trip; filters on indexed keys answer as unindexed`, async () => {
      const payloadIndexes = [
        { key: 'flag', type: 'bool' },
        { key: 'kind', type: 'keyword' },
        { key: 'n', type: 'float' },
        { key: 'tags', type: 'keyword' },
      ] as const;
      const name = await filterFixture('payload indexes', { payloadIndexes });
      assert.deepEqual((await store().getCollection(name))?.config.payloadIndexes, payloadIndexes);
      const vector = new Float32Array(DIM).fill(0.5);
      for (const { name: what, filter, ids } of FILTER_CASES) {
        const hits = await store().search(name, {
          vector,
          limit: 10,
          filter: toFilter(filter),
          withPayload: false,
        });
        assert.deepEqual(hits.map((h) => h.id).sort(), [...ids].sort(), what);
        assert.equal(await store().count(name, toFilter(filter), true), ids.length, what);
      }
    });

    test(`${label} - search params (exact, hnsw_ef) still give the nearest points`, async () => {
      const name = await collection('search params');
      const random = seededRandom(17);
      const points = randomPoints(random, 50, DIM);
      await store().upsert(name, points);
      const vector = randomVector(random, DIM);
      const expected = bruteForce('cosine', points, vector, 5);
      for (const params of [{ exact: true }, { hnswEf: 1 }, { hnswEf: 512 }, {}]) {
        const hits = await store().search(name, { vector, limit: 5, withPayload: false, params });
        assertSameHits(hits, expected, JSON.stringify(params));
      }
    });

    for (const distance of DISTANCES) {
      test(`${label} - ${distance} search equals brute force`, async () => {
        const name = await collection(`search ${distance}`, { distance });
        const random = seededRandom(11);
        const points = randomPoints(random, 200, DIM);
        await store().upsert(name, points.slice(0, 120));
        await store().upsert(name, points.slice(120));
        for (let q = 0; q < 5; q++) {
          const vector = randomVector(random, DIM);
          const hits = await store().search(name, { vector, limit: 7, withPayload: false });
          assertSameHits(hits, bruteForce(distance, points, vector, 7), `${distance} query ${q}`);
          const filter = toFilter({ must: [{ key: 'group', match: 'b' }] });
          const filtered = await store().search(name, {
            vector,
            limit: 5,
            filter,
            withPayload: false,
          });
          const groupB = points.filter((p) => p.payload.group === 'b');
          assertSameHits(
            filtered,
            bruteForce(distance, groupB, vector, 5),
            `${distance} filtered ${q}`,
          );
        }
      });
    }

    test(`${label} - search with a filter finds matches ranked below every other point`, async () => {
      const random = seededRandom(13);
      const query = new Float32Array(DIM).fill(1);
      // 150 points around 3q and 50 around -3q: for every distance the matches rank last.
      const points = Array.from({ length: 200 }, (_, i): Point => {
        const side = i < 150 ? 3 : -3;
        const vector = query.map((q) => side * q + random() - 0.5);
        return { id: i + 1, vector, payload: { side: side > 0 ? 'near' : 'far' } };
      });
      const filter = toFilter({ must: [{ key: 'side', match: 'far' }] });
      const far = points.slice(150);
      for (const distance of DISTANCES) {
        const name = await collection(`ranked below ${distance}`, { distance });
        await store().upsert(name, points);
        const hits = await store().search(name, {
          vector: query,
          limit: 5,
          filter,
          withPayload: false,
        });
        assertSameHits(hits, bruteForce(distance, far, query, 5), distance);
      }
    });

    test(`${label} - search honours limit and withPayload`, async () => {
      const name = await collection('limit payload');
      const points = randomPoints(seededRandom(5), 6, DIM);
      await store().upsert(name, points);
      const vector = points[0]!.vector;
      const two = await store().search(name, { vector, limit: 2, withPayload: false });
      assert.equal(two.length, 2);
      for (const hit of two) assert.equal(hit.payload, undefined);
      const all = await store().search(name, { vector, limit: 100, withPayload: true });
      assert.equal(all.length, 6);
      for (const hit of all)
        assert.deepEqual(hit.payload, points.find((p) => p.id === hit.id)?.payload);
    });

    test(`${label} - a reopened store sees collections, config and points`, async () => {
      const own = await makeStore();
      try {
        const name = uniqueCollection('reopen');
        const config: CollectionConfig = { vectorSize: DIM, distance: 'manhattan', onDisk: true };
        await own.store.createCollection(name, config);
        const points = randomPoints(seededRandom(9), 20, DIM);
        await own.store.upsert(name, points);
        const reopened = await own.reopen();
        const got = await reopened.getCollection(name);
        assert.equal(got?.pointsCount, 20);
        assertConfigIncludes(got.config, config);
        const hits = await reopened.search(name, {
          vector: points[3]!.vector,
          limit: 3,
          withPayload: false,
        });
        assertSameHits(hits, bruteForce('manhattan', points, points[3]!.vector, 3), 'after reopen');
      } finally {
        await own.cleanup();
      }
    });
  });
}
