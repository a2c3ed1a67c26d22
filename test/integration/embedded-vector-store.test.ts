import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { connect } from '@lancedb/lancedb';
import { VectorAdminError } from '../../src/domain/errors.js';
import type { LogFields, Logger } from '../../src/domain/logger.js';
import type { Payload, PointId } from '../../src/domain/types.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import type {
  EmbeddedVectorStoreOptions,
  EmbeddedVectorStore,
} from '../../src/stores/embedded-vector-store.js';
import {
  randomPoints,
  randomVector,
  seededRandom,
  uniqueCollection,
} from '../helpers/vector-store-contract-data.js';
import { runVectorStoreContract } from '../helpers/vector-store-contract.js';

const DIM = 8;

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'embedded-store-'));
}

/** A logger that records error lines, so a test can assert background work stayed clean. */
function recordingLogger(errors: { message: string; fields?: LogFields }[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message, fields) => errors.push({ message, ...(fields ? { fields } : {}) }),
    child: () => logger,
  };
  return logger;
}

/** A store in a fresh temp dir, removed (with the store closed) by `cleanup`. */
async function openFixture(options: Omit<EmbeddedVectorStoreOptions, 'dataDir'> = {}) {
  const dataDir = await tempDir();
  let store = await createEmbeddedVectorStore({ dataDir, ...options });
  return {
    dataDir,
    get store(): EmbeddedVectorStore {
      return store;
    },
    async reopen(): Promise<EmbeddedVectorStore> {
      await store.close();
      store = await createEmbeddedVectorStore({ dataDir, ...options });
      return store;
    },
    async cleanup(): Promise<void> {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(
    promise,
    (err: unknown) => err instanceof VectorAdminError && err.code === code,
  );
}

runVectorStoreContract('embedded store', () => openFixture());
// Again with every filtered search taking the oversampling path instead of the id prefilter.
runVectorStoreContract('embedded store oversampling filters', () =>
  openFixture({ filterInListMax: 0 }),
);

/** Fragments of a table, read through a separate connection once queued compactions ran. */
/** Asserts the stored payload of each id, retrieved in the order given. */
async function assertPayloads(
  store: EmbeddedVectorStore,
  name: string,
  expected: readonly [PointId, Payload][],
): Promise<void> {
  const ids = expected.map(([id]) => id);
  const got = await store.retrieve(name, { ids, withPayload: true, withVector: false });
  assert.deepEqual(
    got.map((p) => [p.id, p.payload]),
    expected,
  );
}

async function fragmentCount(store: EmbeddedVectorStore, dataDir: string, name: string) {
  await store.maintenanceSettled(name);
  const db = await connect(dataDir);
  const table = await db.openTable(name);
  const stats = await table.stats();
  const versions = (await table.listVersions()).length;
  table.close();
  db.close();
  return { fragments: stats.fragmentStats.numFragments, versions, rows: stats.numRows };
}

describe('embedded store specifics', () => {
  test('embedded store - concurrent upserts to one collection apply in call order', async () => {
    const f = await openFixture();
    try {
      const name = uniqueCollection('order');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const vector = new Float32Array(DIM).fill(1);
      await Promise.all(
        Array.from({ length: 12 }, (_, seq) =>
          f.store.upsert(name, [{ id: 1, vector, payload: { seq } }]),
        ),
      );
      const [hit] = await f.store.search(name, { vector, limit: 1, withPayload: true });
      assert.deepEqual(hit?.payload, { seq: 11 });
    } finally {
      await f.cleanup();
    }
  });

  test('embedded store - new ids are appended and known ids replaced, inside and outside the id index', async () => {
    // The id index covers the first 60 rows only: later rows are found by scanning.
    const f = await openFixture({ index: { idIndexRows: 50, idRefreshRows: 1_000_000 } });
    try {
      const name = uniqueCollection('append');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const random = seededRandom(8);
      const point = (id: number, v: number) => ({
        id,
        vector: randomVector(random, DIM),
        payload: { v },
      });
      const range = (from: number, to: number) =>
        Array.from({ length: to - from + 1 }, (_, i) => from + i);
      await f.store.upsert(
        name,
        range(1, 60).map((id) => point(id, 1)),
      );
      await f.store.maintenanceSettled(name);
      await f.store.upsert(
        name,
        range(61, 80).map((id) => point(id, 1)),
      );
      // Known ids covered by the index, known ids it does not cover, and a new id, in one batch.
      await f.store.upsert(name, [point(5, 2), point(70, 2), point(81, 2)]);
      await f.store.upsert(name, [point(70, 3)]);
      await f.store.deletePoints(name, { ids: [6] });
      await f.store.upsert(name, [point(6, 4), ...range(82, 90).map((id) => point(id, 1))]);

      assert.equal(await f.store.count(name, undefined, true), 90);
      await assertPayloads(f.store, name, [
        [5, { v: 2 }],
        [6, { v: 4 }],
        [70, { v: 3 }],
        [81, { v: 2 }],
        [90, { v: 1 }],
      ]);
      const db = await connect(f.dataDir);
      const table = await db.openTable(name);
      const ids = (await table.query().select(['id']).toArray()).map((row) => String(row.id));
      table.close();
      db.close();
      assert.equal(new Set(ids).size, ids.length, 'one stored row per id');
    } finally {
      await f.cleanup();
    }
  });

  test('embedded store - a reopened store knows the ids it holds before it appends', async () => {
    const f = await openFixture();
    try {
      const name = uniqueCollection('known');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const random = seededRandom(9);
      const point = (id: number | string, v: number) => ({
        id,
        vector: randomVector(random, DIM),
        payload: { v },
      });
      const uuid = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
      const stored = Array.from({ length: 3000 }, (_, i) => point(i + 1, 1));
      for (let i = 0; i < stored.length; i += 1000) {
        await f.store.upsert(name, stored.slice(i, i + 1000));
      }
      await f.store.upsert(name, [point(uuid, 1)]);
      const store = await f.reopen();
      // The first write loads the stored ids; the writes after it are decided by them.
      await store.upsert(name, [point(3001, 1)]);
      await store.maintenanceSettled(name);
      await store.upsert(name, [point(3002, 2), point(2999, 2)]);
      await store.upsert(name, [point(uuid.toUpperCase(), 2)]);
      await store.upsert(name, [point(3001, 3), point(3003, 2)]);
      await store.deletePoints(name, { ids: [7] });
      await store.upsert(name, [point(7, 4), point(3004, 2)]);

      assert.equal(await store.count(name, undefined, true), 3005);
      await assertPayloads(store, name, [
        [7, { v: 4 }],
        [2999, { v: 2 }],
        [3001, { v: 3 }],
        [uuid, { v: 2 }],
        [3004, { v: 2 }],
      ]);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded store - a batch with a bad vector writes nothing', async () => {
    const f = await openFixture();
    try {
      const name = uniqueCollection('atomic');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'euclid' });
      const points = randomPoints(seededRandom(4), 5, DIM);
      const bad = [...points, { id: 99, vector: new Float32Array(DIM + 1), payload: {} }];
      await rejectsWithCode(f.store.upsert(name, bad), 'invalid_argument');
      assert.equal(await f.store.count(name, undefined, true), 0);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded store - compaction runs once a quarter of the rows are dead and keeps data', async () => {
    const errors: { message: string }[] = [];
    const logger = recordingLogger(errors);
    const compaction = { minWrites: 2, maxWrites: 100 };
    const f = await openFixture({ compaction, retainVersionsMs: 0, logger });
    try {
      const name = uniqueCollection('compaction dead rows');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const points = randomPoints(seededRandom(6), 80, DIM);
      await f.store.upsert(name, points.slice(0, 40));
      await f.store.upsert(name, points.slice(40));
      assert.equal((await fragmentCount(f.store, f.dataDir, name)).fragments, 2, 'inserts only');
      const updated = points.slice(0, 19).map((p) => ({ ...p, payload: { updated: true } }));
      await f.store.upsert(name, updated);
      assert.equal((await fragmentCount(f.store, f.dataDir, name)).fragments, 3, '19 of 80 dead');
      await f.store.upsert(name, [{ ...points[19]!, payload: { updated: true } }]);
      const after = await fragmentCount(f.store, f.dataDir, name);
      assert.deepEqual(after, { fragments: 1, versions: 1, rows: 80 }, '20 of 80 dead: compacted');
      const filter = { must: [{ key: 'updated', match: true }], should: [], mustNot: [] };
      const reopened = await f.reopen();
      assert.equal(await reopened.count(name, filter, true), 20);
      const hits = await reopened.search(name, {
        vector: points[50]!.vector,
        limit: 1,
        withPayload: true,
      });
      assert.deepEqual(hits[0]?.payload, points[50]!.payload);
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded store - compaction runs after maxWrites however small the writes', async () => {
    const f = await openFixture({ compaction: { minWrites: 2, maxWrites: 8 } });
    try {
      const name = uniqueCollection('compaction max writes');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const points = randomPoints(seededRandom(12), 8, DIM);
      for (const point of points.slice(0, 7)) await f.store.upsert(name, [point]);
      assert.equal((await fragmentCount(f.store, f.dataDir, name)).fragments, 7);
      await f.store.upsert(name, [points[7]!]);
      assert.equal((await fragmentCount(f.store, f.dataDir, name)).fragments, 1);
      assert.equal(await f.store.count(name, undefined, true), 8);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded store - compact keeps points, payloads and search results', async () => {
    const f = await openFixture({ retainVersionsMs: 0 });
    try {
      const name = uniqueCollection('compact now');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'manhattan' });
      const points = randomPoints(seededRandom(8), 30, DIM);
      for (const point of points) await f.store.upsert(name, [point]);
      const query = randomVector(seededRandom(80), DIM);
      const before = await f.store.search(name, { vector: query, limit: 30, withPayload: true });
      await f.store.compact(name);
      assert.deepEqual(
        await f.store.search(name, { vector: query, limit: 30, withPayload: true }),
        before,
      );
    } finally {
      await f.cleanup();
    }
  });

  test('embedded store - a table dropped elsewhere is not_found, a recreated one is seen', async () => {
    const f = await openFixture();
    const other = await createEmbeddedVectorStore({ dataDir: f.dataDir });
    try {
      const name = uniqueCollection('dropped elsewhere');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      await f.store.upsert(name, randomPoints(seededRandom(10), 3, DIM));
      assert.equal(await f.store.count(name, undefined, true), 3);
      assert.equal(await other.deleteCollection(name), true);
      await rejectsWithCode(f.store.count(name, undefined, true), 'not_found');
      assert.equal(await f.store.getCollection(name), undefined);
      await other.createCollection(name, { vectorSize: 4, distance: 'euclid' });
      assert.deepEqual(await f.store.getCollection(name), {
        name,
        config: { vectorSize: 4, distance: 'euclid' },
        pointsCount: 0,
        indexedVectorsCount: 0,
        status: 'green',
      });
    } finally {
      await other.close();
      await f.cleanup();
    }
  });

  test('embedded store - close lets issued writes land, then refuses work', async () => {
    const f = await openFixture();
    try {
      await f.store.ping();
      const name = uniqueCollection('closing');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const pending = f.store.upsert(name, randomPoints(seededRandom(14), 5, DIM));
      await f.store.close();
      await pending; // A write issued before close() still lands.
      await f.store.close();
      await rejectsWithCode(f.store.ping(), 'unavailable');
      await rejectsWithCode(f.store.listCollections(''), 'unavailable');
      await rejectsWithCode(f.store.upsert(name, []), 'unavailable');
      assert.equal(await (await f.reopen()).count(name, undefined, true), 5);
    } finally {
      await f.cleanup();
    }
  });

  test('embedded store - ping is unavailable when the data dir is gone', async () => {
    const f = await openFixture();
    try {
      await f.store.ping();
      await rm(f.dataDir, { recursive: true, force: true });
      await rejectsWithCode(f.store.ping(), 'unavailable');
    } finally {
      await f.cleanup();
    }
  });
});
