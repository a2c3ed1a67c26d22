import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Distance, Point } from '../../src/domain/types.js';
import { Index, connect } from '@lancedb/lancedb';
import { ID_INDEX_NAME, VECTOR_INDEX_NAME } from '../../src/stores/embedded-index.js';
import type { VectorIndexKind, VectorIndexPolicy } from '../../src/stores/embedded-index.js';
import {
  DIM,
  POLICY as BASE_POLICY,
  TEST_BUILDER,
  clusteredPoints,
  openIndexedStore,
  topIds,
  indexStatsOf,
  readTable,
  upsertInBatches,
  vectorIndexType,
  waitIndexed,
} from '../helpers/embedded-index-fixture.js';
import { uniqueCollection } from '../helpers/vector-store-contract-data.js';
import { waitFor } from '../helpers/wait-for.js';

// The index work runs where TEST_BUILDER says: in a builder process here, in the store's own
// process when embedded-vector-index-inline.test.ts runs this file.
const POLICY: Partial<VectorIndexPolicy> = { ...BASE_POLICY, builder: TEST_BUILDER };
const openStore = (errors: string[], index: Partial<VectorIndexPolicy> = POLICY) =>
  openIndexedStore(errors, { builder: TEST_BUILDER, ...index });

describe(`embedded store vector index (${TEST_BUILDER} builder)`, () => {
  const cases = [
    ['cosine', 'hnsw_sq'],
    ['euclid', 'hnsw_sq'],
    ['cosine', 'ivf_rq'],
    ['euclid', 'ivf_rq'],
  ] as const satisfies readonly (readonly [Distance, VectorIndexKind])[];
  for (const [distance, kind] of cases) {
    test(`embedded index - ${kind}, ${distance}: builds in the background, recall of the default search stays high`, async () => {
      const errors: string[] = [];
      const f = await openStore(errors, { ...POLICY, kind });
      try {
        const name = uniqueCollection(`index recall ${kind} ${distance}`);
        await f.store.createCollection(name, { vectorSize: DIM, distance });
        const points = clusteredPoints(1, 1_500);
        await upsertInBatches(f.store, name, points.slice(0, 500));
        const below = await f.store.getCollection(name);
        assert.deepEqual([below?.status, below?.indexedVectorsCount], ['green', 0]);
        await upsertInBatches(f.store, name, points.slice(500));
        const indexed = await waitIndexed(f.store, name);
        assert.equal(indexed.pointsCount, 1_500);

        const queries = clusteredPoints(2, 40, 10_000);
        let found = 0;
        for (const q of queries) {
          const exact = await topIds(f.store, name, q.vector, { exact: true });
          const approx = await topIds(f.store, name, q.vector);
          found += approx.filter((id) => exact.includes(id)).length;
        }
        const recall = found / (queries.length * 10);
        assert.ok(recall >= 0.95, `recall@10 ${recall} below 0.95`);
        assert.deepEqual(errors, []);
      } finally {
        await f.cleanup();
      }
    });
  }

  test('embedded index - exact search equals the flat scan of an unindexed store', async () => {
    const errors: string[] = [];
    const indexed = await openStore(errors);
    const flat = await openStore(errors, { thresholdRows: 1e9, idIndexRows: 1e9 });
    try {
      const name = uniqueCollection('index exact');
      const points = clusteredPoints(3, 1_000);
      for (const f of [indexed, flat]) {
        await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
        await upsertInBatches(f.store, name, points);
      }
      await waitIndexed(indexed.store, name);
      for (const q of clusteredPoints(4, 10, 10_000)) {
        const query = { vector: q.vector, limit: 10, withPayload: true };
        assert.deepEqual(
          await indexed.store.search(name, { ...query, params: { exact: true } }),
          await flat.store.search(name, query),
        );
      }
      assert.deepEqual(errors, []);
    } finally {
      await indexed.cleanup();
      await flat.cleanup();
    }
  });

  for (const kind of ['hnsw_sq', 'ivf_rq'] as const) {
    test(`embedded index - ${kind}: points written, updated and deleted after the build are seen at once`, async () => {
      const errors: string[] = [];
      const f = await openStore(errors, { ...POLICY, kind });
      try {
        const name = uniqueCollection(`index fresh writes ${kind}`);
        await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
        const points = clusteredPoints(5, 800);
        await upsertInBatches(f.store, name, points);
        await waitIndexed(f.store, name);

        const fresh = clusteredPoints(6, 50, 5_000);
        await f.store.upsert(name, fresh);
        const pending = await f.store.getCollection(name);
        assert.equal(pending?.status, 'yellow', 'unindexed rows pending');
        assert.equal(pending?.indexedVectorsCount, 800);
        for (const p of fresh.slice(0, 10)) {
          assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `fresh point ${p.id}`);
        }
        // An indexed point moved to a fresh point's neighbourhood, another deleted.
        const moved = { ...points[0]!, vector: fresh[20]!.vector, payload: { moved: true } };
        await f.store.upsert(name, [moved]);
        await f.store.deletePoints(name, { ids: [points[1]!.id] });
        const near = await f.store.search(name, {
          vector: moved.vector,
          limit: 2,
          withPayload: true,
        });
        assert.deepEqual(new Set(near.map((h) => h.id)), new Set([moved.id, fresh[20]!.id]));
        assert.deepEqual(near.find((h) => h.id === moved.id)?.payload, { moved: true });
        assert.notEqual((await topIds(f.store, name, points[1]!.vector))[0], points[1]!.id);

        const folded = await waitIndexed(f.store, name);
        assert.equal(folded.pointsCount, 849);
        assert.equal((await topIds(f.store, name, fresh[30]!.vector))[0], fresh[30]!.id);
        assert.notEqual((await topIds(f.store, name, points[1]!.vector))[0], points[1]!.id);
        const [movedHit] = await f.store.search(name, {
          vector: moved.vector,
          limit: 2,
          withPayload: true,
          filter: { must: [{ key: 'moved', match: true }], should: [], mustNot: [] },
        });
        assert.equal(movedHit?.id, moved.id);
        assert.deepEqual(errors, []);
      } finally {
        await f.cleanup();
      }
    });
  }

  test('embedded index - auto: hnsw_sq while small, rebuilt as ivf_rq past its size and kept so; every point found throughout', async () => {
    const errors: string[] = [];
    const f = await openStore(errors, { ...POLICY, kind: 'auto', ivfRqRows: 1_000 });
    try {
      const name = uniqueCollection('index auto kind');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const indexType = () => vectorIndexType(f.dataDir, name);
      const first = clusteredPoints(21, 700);
      await upsertInBatches(f.store, name, first);
      await waitIndexed(f.store, name);
      assert.equal(await indexType(), 'IVF_HNSW_SQ');

      const past = clusteredPoints(22, 400, 5_000);
      await upsertInBatches(f.store, name, past);
      for (const p of past.filter((_, i) => i % 40 === 0)) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `fresh point ${p.id}`);
      }
      assert.equal((await waitIndexed(f.store, name)).indexedVectorsCount, 1_100);
      assert.equal(await indexType(), 'IVF_RQ');
      for (const p of [...first, ...past].filter((_, i) => i % 50 === 0)) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
      }

      // Shrinking below the size again does not bring back the index that outgrew its cache.
      const reopened = await f.reopen();
      await reopened.deletePoints(name, { ids: first.slice(0, 300).map((p) => p.id) });
      const late = clusteredPoints(23, 30, 9_000);
      await reopened.upsert(name, late);
      assert.equal((await waitIndexed(reopened, name)).pointsCount, 830);
      assert.equal(await indexType(), 'IVF_RQ');
      assert.equal((await topIds(reopened, name, late[7]!.vector))[0], late[7]!.id);
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - the build waits for writes to pause; acknowledged points are found before, during and after it', async () => {
    const errors: string[] = [];
    const f = await openStore(errors, { ...POLICY, maxDeferMs: 600_000 });
    try {
      const name = uniqueCollection('index deferred');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const first = clusteredPoints(13, 700);
      await upsertInBatches(f.store, name, first);
      const waiting = await f.store.getCollection(name);
      assert.equal(waiting?.status, 'yellow', 'over the threshold, build deferred');
      assert.equal(waiting?.indexedVectorsCount, 0);
      for (const p of first.slice(-5)) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
      }
      // Starts the deferred build; writes go on meanwhile and each is found once acknowledged.
      const building = f.store.maintenanceSettled(name);
      const during = clusteredPoints(14, 300, 10_000);
      for (let i = 0; i < during.length; i += 50) {
        const batch = during.slice(i, i + 50);
        await f.store.upsert(name, batch);
        assert.equal((await topIds(f.store, name, batch[0]!.vector))[0], batch[0]!.id);
      }
      await building;
      const done = await waitIndexed(f.store, name);
      assert.equal(done.pointsCount, 1_000);
      for (const p of [first[0]!, during[during.length - 1]!]) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - upserts replace points, never duplicate them, while the id index is rebuilt', async () => {
    const errors: string[] = [];
    const f = await openStore(errors, { ...POLICY, idIndexRows: 200, idRefreshRows: 150 });
    try {
      const name = uniqueCollection('index id refresh');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const points = clusteredPoints(15, 1_000);
      await upsertInBatches(f.store, name, points);
      const again = points.map((p) => ({ ...p, payload: { round: 2 } }));
      await upsertInBatches(f.store, name, again);
      await f.store.maintenanceSettled(name);
      assert.equal(await f.store.count(name, undefined, true), 1_000);
      const second = { must: [{ key: 'round', match: 2 }], should: [], mustNot: [] };
      assert.equal(await f.store.count(name, second, true), 1_000);
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - appends of new ids rebuild the id index only once a tenth of the table is new to it; a merge brings it up to date', async () => {
    const errors: string[] = [];
    const f = await openStore(errors, { ...POLICY, idIndexRows: 400, idRefreshRows: 10 });
    try {
      const name = uniqueCollection('index id appends');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const unindexedIds = async () => {
        await f.store.maintenanceSettled(name);
        return (await indexStatsOf(f.dataDir, name, ID_INDEX_NAME))?.numUnindexedRows;
      };
      const points = clusteredPoints(16, 600);
      const append = (from: number, to: number) =>
        upsertInBatches(f.store, name, points.slice(from, to));
      await append(0, 400);
      assert.equal(await unindexedIds(), 0, 'built at 400 rows');
      await append(400, 440);
      assert.equal(await unindexedIds(), 40, '40 new of 440: under a tenth');
      // One stored id in the batch: the write merges, looking ids up.
      await f.store.upsert(name, [{ ...points[3]!, payload: { round: 2 } }, points[440]!]);
      assert.equal(await unindexedIds(), 0, 'a merge brings it up to date');
      await append(441, 480);
      assert.equal(await unindexedIds(), 39, '39 new of 480');
      await append(480, 580);
      assert.equal(await unindexedIds(), 0, '139 new of 580: rebuilt');
      await append(580, 600);
      assert.equal(await unindexedIds(), 20, '20 new of 600');
      // A delete by id looks ids up as a merge does.
      await f.store.deletePoints(name, { ids: [points[7]!.id] });
      assert.equal(await unindexedIds(), 0, 'a delete brings it up to date');
      assert.equal(await f.store.count(name, undefined, true), 599);
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - a table written in many small batches is compacted once its index is built, and not green before; every point found', async () => {
    const errors: string[] = [];
    // The build starts on its own once writes pause, not from maintenanceSettled(), and only
    // after the last write: the threshold is the collection's final size.
    const f = await openStore(errors, { ...POLICY, thresholdRows: 700, quietMs: 50 });
    try {
      const name = uniqueCollection('index compacts after build');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const points = clusteredPoints(17, 700);
      // 100 writes, well past the 64 small fragments that call for a compaction.
      for (let i = 0; i < points.length; i += 7) await f.store.upsert(name, points.slice(i, i + 7));
      const fragments = () =>
        readTable(f.dataDir, name, async (t) => (await t.stats()).fragmentStats.numFragments);
      // Every green the collection reports comes after the compaction.
      const green = await waitFor(
        async () => (await f.store.getCollection(name))?.status === 'green',
        { timeoutMs: 60_000, reason: 'the index built and the table compacted', intervalMs: 1 },
      );
      assert.ok(green);
      const seen = await fragments();
      assert.ok(seen < 10, `${seen} fragments once green`);
      assert.equal((await waitIndexed(f.store, name)).indexedVectorsCount, 700);
      for (const p of points.filter((_, i) => i % 70 === 0)) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - a table indexed in many small fragments by an earlier version is compacted when the store opens it, with no write', async () => {
    const errors: string[] = [];
    // No build of the store's own: the index comes from LanceDB directly, as an earlier version
    // left it, over every row and without the compaction that follows a build now.
    const f = await openStore(errors, { ...POLICY, thresholdRows: 1_000_000 });
    try {
      const name = uniqueCollection('index compacts on open');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const points = clusteredPoints(18, 700);
      for (let i = 0; i < points.length; i += 7) await f.store.upsert(name, points.slice(i, i + 7));
      await f.store.maintenanceSettled(name);
      const fragments = () =>
        readTable(f.dataDir, name, async (t) => (await t.stats()).fragmentStats.numFragments);
      await readTable(f.dataDir, name, (t) =>
        t.createIndex('vector', {
          name: VECTOR_INDEX_NAME,
          config: Index.hnswSq({ distanceType: 'dot' }),
        }),
      );
      const before = await fragments();
      assert.ok(before >= 100, `${before} fragments before the reopen`);

      const reopened = await f.reopen();
      // Every green the reopened collection reports comes after the compaction.
      const green = await waitFor(
        async () => {
          const c = await reopened.getCollection(name);
          return c?.status === 'green' ? c : undefined;
        },
        { timeoutMs: 60_000, reason: 'the reopened collection green', intervalMs: 1 },
      );
      const seen = await fragments();
      assert.ok(seen < 10, `${seen} fragments once green`);
      assert.equal(green.indexedVectorsCount, 700);
      for (const p of points.filter((_, i) => i % 70 === 0)) {
        assert.equal((await topIds(reopened, name, p.vector))[0], p.id, `point ${p.id}`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - delta segments past the limit are merged; search still finds every neighbour', async () => {
    const errors: string[] = [];
    const f = await openStore(errors, { ...POLICY, maxIndexSegments: 2 });
    try {
      const name = uniqueCollection('index merge');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      await upsertInBatches(f.store, name, clusteredPoints(16, 700));
      await waitIndexed(f.store, name);
      const db = await connect(f.dataDir);
      const table = await db.openTable(name);
      const segments = async () => {
        await table.checkoutLatest();
        return (await table.indexStats(VECTOR_INDEX_NAME))?.numIndices;
      };
      const seen: (number | undefined)[] = [];
      const fresh: Point[] = [];
      for (let round = 0; round < 3; round++) {
        const batch = clusteredPoints(17 + round, 30, 10_000 + round * 100);
        fresh.push(...batch);
        await f.store.upsert(name, batch);
        await waitIndexed(f.store, name);
        seen.push(await segments());
      }
      table.close();
      db.close();
      // One update adds a delta (2 segments); the next would make 3, so the index is rebuilt.
      assert.deepEqual(seen, [2, 1, 2]);
      assert.equal((await f.store.getCollection(name))?.indexedVectorsCount, 790);
      for (const p of fresh.filter((_, i) => i % 10 === 0)) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - a search for more neighbours than ef covers answers them all', async () => {
    const errors: string[] = [];
    const f = await openStore(errors, { ...POLICY, ef: 16 });
    try {
      const name = uniqueCollection('index large limit');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const points = clusteredPoints(20, 700);
      await upsertInBatches(f.store, name, points);
      await waitIndexed(f.store, name);
      const vector = points[0]!.vector;
      const exact = await f.store.search(name, {
        vector,
        limit: 40,
        withPayload: false,
        params: { exact: true },
      });
      const approx = await f.store.search(name, { vector, limit: 40, withPayload: false });
      assert.equal(approx.length, 40);
      assert.equal(approx[0]?.id, points[0]!.id);
      const overlap = approx.filter((h) => exact.some((e) => e.id === h.id)).length;
      assert.ok(overlap >= 36, `recall ${overlap}/40`);
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - a filtered search returns the best matching points', async () => {
    const errors: string[] = [];
    const f = await openStore(errors);
    try {
      const name = uniqueCollection('index filtered');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      await upsertInBatches(f.store, name, clusteredPoints(7, 1_000));
      await waitIndexed(f.store, name);
      const filter = { must: [{ key: 'topic', match: 3 }], should: [], mustNot: [] };
      for (const q of clusteredPoints(8, 5, 10_000)) {
        const query = { vector: q.vector, limit: 10, withPayload: true, filter };
        const exact = await f.store.search(name, { ...query, params: { exact: true } });
        const approx = await f.store.search(name, query);
        assert.equal(approx.length, 10);
        assert.ok(approx.every((h) => h.payload?.['topic'] === 3));
        const overlap = approx.filter((h) => exact.some((e) => e.id === h.id)).length;
        assert.ok(overlap >= 9, `filtered recall ${overlap}/10`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - a restart keeps the index; a build cut short is started again', async () => {
    const errors: string[] = [];
    const f = await openStore(errors);
    try {
      const done = uniqueCollection('index restart done');
      const cut = uniqueCollection('index restart cut');
      for (const name of [done, cut]) {
        await f.store.createCollection(name, { vectorSize: DIM, distance: 'euclid' });
      }
      await upsertInBatches(f.store, done, clusteredPoints(9, 700));
      await waitIndexed(f.store, done);
      await upsertInBatches(f.store, cut, clusteredPoints(10, 700));
      const reopened = await f.reopen();
      assert.equal((await waitIndexed(reopened, done)).indexedVectorsCount, 700);
      assert.equal((await waitIndexed(reopened, cut)).indexedVectorsCount, 700);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded index - a collection deleted during its build is gone, quietly', async () => {
    const errors: string[] = [];
    const f = await openStore(errors);
    try {
      const name = uniqueCollection('index delete mid build');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      await upsertInBatches(f.store, name, clusteredPoints(11, 700));
      assert.equal(await f.store.deleteCollection(name), true);
      assert.equal(await f.store.getCollection(name), undefined);
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const [point] = clusteredPoints(12, 1);
      await f.store.upsert(name, [point!]);
      assert.equal((await topIds(f.store, name, point!.vector))[0], point!.id);
    } finally {
      await f.cleanup();
    }
    // A build on the dropped table may fail after the drop; that is not an error to report.
    assert.deepEqual(
      errors.filter((e) => !/not.?found|does not exist/i.test(e)),
      [],
    );
  });
});
