import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import os from 'node:os';
import path from 'node:path';
import type { LogFields, Logger } from '../../src/domain/logger.js';
import type { Point, PointId } from '../../src/domain/types.js';
import { VECTOR_INDEX_NAME } from '../../src/stores/embedded-index.js';
import type { VectorIndexPolicy } from '../../src/stores/embedded-index.js';
import type { IndexBuilderKind } from '../../src/stores/embedded-index-builder.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import type { EmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { seededRandom } from './vector-store-contract-data.js';
import { waitFor } from './wait-for.js';

/** Where the shared index tests run the index work (embedded-vector-index-inline.test.ts). */
export const TEST_BUILDER: IndexBuilderKind =
  process.env['VECTORADMIN_TEST_INDEX_BUILDER'] === 'inline' ? 'inline' : 'process';

export const DIM = 32;
const CENTRES = 16;
/** Low so the tests index in well under a second; a long quiet time keeps pending rows visible. */
export const POLICY: Partial<VectorIndexPolicy> = {
  thresholdRows: 600,
  updateRows: 100_000,
  quietMs: 600_000,
  idIndexRows: 300,
};

/** Unit vectors around CENTRES random centres, as embeddings of a few topics cluster. */
export function clusteredPoints(seed: number, count: number, firstId = 1): Point[] {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: CENTRES }, () => Array.from({ length: DIM }, gauss));
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[i % CENTRES]!;
    const vector = Float32Array.from(centre, (c) => c + 0.5 * gauss());
    const norm = Math.hypot(...vector);
    return {
      id: firstId + i,
      vector: vector.map((v) => v / norm),
      payload: { topic: i % CENTRES },
    };
  });
}

/** An embedded store in a temp dir whose logged errors land in `errors`. */
export async function openIndexedStore(errors: string[], index: Partial<VectorIndexPolicy>) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-index-'));
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message: string, fields?: LogFields) =>
      errors.push(`${message} ${String(fields?.err)}`),
    child: () => logger,
  };
  const options = { dataDir, index, logger };
  let store = await createEmbeddedVectorStore(options);
  return {
    dataDir,
    get store(): EmbeddedVectorStore {
      return store;
    },
    async reopen(): Promise<EmbeddedVectorStore> {
      await store.close();
      store = await createEmbeddedVectorStore(options);
      return store;
    },
    async cleanup(): Promise<void> {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function upsertInBatches(store: EmbeddedVectorStore, name: string, points: Point[]) {
  for (let i = 0; i < points.length; i += 100) await store.upsert(name, points.slice(i, i + 100));
}

/** Folds pending rows in and waits until every point of the collection is in its index. */
export async function waitIndexed(store: EmbeddedVectorStore, name: string) {
  await store.maintenanceSettled(name);
  return waitFor(
    async () => {
      const c = await store.getCollection(name);
      return c !== undefined && c.indexedVectorsCount === c.pointsCount && c.status === 'green'
        ? c
        : undefined;
    },
    { timeoutMs: 60_000, reason: 'the vector index to cover every point' },
  );
}

export async function topIds(
  store: EmbeddedVectorStore,
  name: string,
  vector: Float32Array,
  params?: { exact?: boolean; hnswEf?: number },
): Promise<PointId[]> {
  const hits = await store.search(name, { vector, limit: 10, withPayload: false, params });
  return hits.map((h) => h.id);
}

/** Reads a collection's LanceDB table through a handle of its own. */
export async function readTable<T>(
  dataDir: string,
  name: string,
  read: (table: Table) => Promise<T>,
): Promise<T> {
  const db = await connect(dataDir);
  const table = await db.openTable(name);
  try {
    return await read(table);
  } finally {
    table.close();
    db.close();
  }
}

/** LanceDB's stats of one of a collection's indexes. */
export function indexStatsOf(dataDir: string, name: string, index: string) {
  return readTable(dataDir, name, (table) => table.indexStats(index));
}

/** The type LanceDB reports for a collection's vector index. */
export async function vectorIndexType(dataDir: string, name: string): Promise<string | undefined> {
  return (await indexStatsOf(dataDir, name, VECTOR_INDEX_NAME))?.indexType;
}
