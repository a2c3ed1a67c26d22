// The embedded store's vector and id indexes, side by side in one run on 1,536-d clustered
// unit vectors (cosine): upsert ms per 1,024-point batch at 10k rows and at `rows` without the
// id index; flat search p50/p99; the background build time of both indexes; indexed search
// p50/p99 and recall@10 against the flat results at several ef; upsert ms per batch at `rows`
// with the id index, and at 10k in a second collection that has it.
//
//   node --import tsx test/perf/embedded-index.ts [rows=100000] [queries=30]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Point, PointId } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import type { VectorIndexPolicy } from '../../src/stores/embedded-index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import type { EmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { clusteredVectors } from '../helpers/points.js';

const [rows = 100_000, queries = 30] = process.argv.slice(2).map(Number);
const DIM = 1536;
const BATCH = 1024;
const CENTRES = 64;
const { near } = clusteredVectors(42, DIM, CENTRES);

function batch(firstId: number, count = BATCH): Point[] {
  return Array.from({ length: count }, (_, i) => {
    const vector = near(firstId + i);
    return { id: firstId + i, vector, payload: { n: firstId + i } };
  });
}

const mb = () => `${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [performance.now() - start, result];
}

/** Mean ms of `count` upserts of new points starting at id `firstId`. */
async function upsertMs(store: EmbeddedVectorStore, name: string, firstId: number, count = 5) {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const points = batch(firstId + i * BATCH);
    total += (await timed(() => store.upsert(name, points)))[0];
  }
  return total / count;
}

async function searchRun(
  store: EmbeddedVectorStore,
  name: string,
  vectors: Float32Array[],
  params?: { exact?: boolean; hnswEf?: number },
): Promise<{ p50: number; p99: number; ids: PointId[][] }> {
  const ms: number[] = [];
  const ids: PointId[][] = [];
  for (const vector of vectors) {
    const [elapsed, hits] = await timed(() =>
      store.search(name, { vector, limit: 10, withPayload: false, params }),
    );
    ms.push(elapsed);
    ids.push(hits.map((h) => h.id));
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), ids };
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-index-perf-'));
const off: Partial<VectorIndexPolicy> = { thresholdRows: 1e12, idIndexRows: 1e12 };
const open = (index: Partial<VectorIndexPolicy>) =>
  createEmbeddedVectorStore({ dataDir, index, logger: silentLogger });
const name = 'perf';
const config = { vectorSize: DIM, distance: 'cosine' as const };
try {
  let store = await open(off);
  await store.createCollection(name, config);
  let next = 1;
  const ingestStart = performance.now();
  const at10kPlain = await (async () => {
    while (next <= 10_000 - 5 * BATCH) {
      await store.upsert(name, batch(next));
      next += BATCH;
    }
    const ms = await upsertMs(store, name, next);
    next += 5 * BATCH;
    return ms;
  })();
  while (next <= rows - 5 * BATCH) {
    await store.upsert(name, batch(next));
    next += BATCH;
  }
  const atRowsPlain = await upsertMs(store, name, next);
  next += 5 * BATCH;
  const total = next - 1;
  console.log(
    `ingested ${total} x ${DIM} in ${((performance.now() - ingestStart) / 1000).toFixed(0)} s; rss ${mb()}`,
  );

  const vectors = batch(10_000_000, queries).map((p) => p.vector);
  const flat = await searchRun(store, name, vectors);
  await store.close();

  // Reopened with the default policy: the collection is over both thresholds, so both build.
  store = await open({});
  const [buildMs] = await timed(async () => {
    await store.getCollection(name);
    await store.maintenanceSettled(name);
  });
  const described = await store.getCollection(name);
  console.log(
    `index build (HNSW_SQ + BTREE on id) ${(buildMs / 1000).toFixed(1)} s; ` +
      `indexed ${described?.indexedVectorsCount}/${described?.pointsCount} ${described?.status}; rss ${mb()}`,
  );
  const recall = (ids: PointId[][]) =>
    ids.reduce((n, got, i) => n + got.filter((id) => flat.ids[i]!.includes(id)).length, 0) /
    (10 * ids.length);
  const row = (label: string, r: { p50: number; p99: number; ids: PointId[][] }) =>
    console.log(
      `${label.padEnd(26)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms  recall@10 ${recall(r.ids).toFixed(3)}`,
    );
  row(`flat scan at ${total}`, flat);
  row('exact=true (bypass)', await searchRun(store, name, vectors, { exact: true }));
  for (const ef of [64, 128, 200]) {
    row(`HNSW_SQ ef ${ef}, refine 5`, await searchRun(store, name, vectors, { hnswEf: ef }));
  }
  const atRowsIndexed = await upsertMs(store, name, next);
  next += 5 * BATCH;
  row(`default + ${5 * BATCH} unindexed`, await searchRun(store, name, vectors));

  const small = 'perf_small';
  await store.createCollection(small, config);
  for (let id = 1; id <= 10_000; id += BATCH) await store.upsert(small, batch(id));
  await store.maintenanceSettled(small);
  const at10kIndexed = await upsertMs(store, small, 20_000);
  console.log(`upsert ms per ${BATCH}-point batch of new ids:`);
  console.log(
    `  at 10k rows:  no id index ${at10kPlain.toFixed(0)}, BTREE on id ${at10kIndexed.toFixed(0)}`,
  );
  console.log(
    `  at ${total} rows: no id index ${atRowsPlain.toFixed(0)}, BTREE on id ${atRowsIndexed.toFixed(0)} (and ${5 * BATCH} rows unindexed)`,
  );
  console.log(`rss at the end ${mb()}`);
  await store.close();
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
