// Search latency over the vector index a collection is left with after an ingest, against the
// same rows with the index rebuilt as one segment, side by side. The collection is written
// through the store as the bench writes it (1,024-point upserts of 1,536-d clustered unit
// vectors as fast as the store takes them, `ivf_rq`, the store's index policy, builds in a child
// process) into `dataDir`, and kept for later runs. The table is then read twice with LanceDB:
// at the version the ingest left (its index segments and fragments printed) and at a version
// whose index was rebuilt in one piece. Unseen queries alternate between the two, at the
// store's search settings (nprobes 20, refine 20).
//
//   node --import tsx test/perf/index-segments.ts DATA_DIR [rows=1000000] [queries=100] [cacheMb=128]
import { existsSync } from 'node:fs';
import { connect, Index, Session, type Table } from '@lancedb/lancedb';
import { LatencyRecorder } from '../../src/bench/latency.js';
import type { Point } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import { VECTOR_INDEX_NAME } from '../../src/stores/embedded-index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { loadAverage } from '../helpers/load-average.js';
import { clusteredVectors, unitVector } from '../helpers/points.js';

const [dataDir, rowsArg = '1000000', queriesArg = '100', cacheArg = '128'] = process.argv.slice(2);
if (dataDir === undefined)
  throw new Error('usage: index-segments.ts DATA_DIR [rows] [queries] [cacheMb]');
const DIM = 1536;
const BATCH = 1024;
const CENTRES = 64;
const NPROBES = 20;
const REFINE = 20;
const TABLE = 'segments';

const { near } = clusteredVectors(42, DIM, CENTRES);

console.log(`load average at start: ${loadAverage()}`);
if (!existsSync(dataDir)) await writeCollection();
const db = await connect(dataDir, {
  session: new Session(BigInt(Number(cacheArg) * 2 ** 20), BigInt(64 * 2 ** 20)),
});
const asLeft = await db.openTable(TABLE);
const leftVersion = await asLeft.version();
await describe('as the ingest left it', asLeft);
const rebuilt = await db.openTable(TABLE);
const started = performance.now();
await rebuilt.createIndex('vector', {
  name: VECTOR_INDEX_NAME,
  replace: true,
  config: Index.ivfRq({ distanceType: 'dot', numBits: 2 }),
});
console.log(`rebuilt in ${((performance.now() - started) / 1000).toFixed(1)} s`);
await describe('rebuilt as one', rebuilt);
await asLeft.checkout(leftVersion);

const queries = Array.from({ length: Number(queriesArg) }, (_, i) => unitVector(near(11 + i * 17)));
const paths = [
  {
    name: 'as the ingest left it',
    table: asLeft,
    latencies: new LatencyRecorder(),
    answers: [] as string[][],
  },
  {
    name: 'rebuilt as one',
    table: rebuilt,
    latencies: new LatencyRecorder(),
    answers: [] as string[][],
  },
];
// Each query goes to both, first to one and then the other in turn: drifting load touches both
// alike and neither always finds the other's pages freshly read.
for (const [i, query] of queries.entries()) {
  const order = i % 2 === 0 ? paths : [...paths].reverse();
  for (const path of order) path.answers[i] = await search(path.table, query, path.latencies);
}
const exact = await Promise.all(
  queries.slice(0, 20).map((q) => search(rebuilt, q, undefined, true)),
);
for (const path of paths) {
  const hits = exact.reduce(
    (n, ids, i) => n + ids.filter((id) => path.answers[i]!.includes(id)).length,
    0,
  );
  const { p50_ms, p99_ms } = path.latencies.stats();
  console.log(
    `${path.name}: p50 ${p50_ms.toFixed(1)} ms, p99 ${p99_ms.toFixed(1)} ms, ` +
      `recall@10 ${(hits / (exact.length * 10)).toFixed(3)} (${exact.length} queries)`,
  );
}
console.log(`load average at end: ${loadAverage()}`);

async function describe(label: string, table: Table): Promise<void> {
  const index = await table.indexStats(VECTOR_INDEX_NAME);
  const stats = await table.stats();
  console.log(
    `${label}: version ${await table.version()}, ${index?.numIndices ?? 0} index segments, ` +
      `${index?.numIndexedRows ?? 0} indexed / ${index?.numUnindexedRows ?? 0} unindexed rows, ` +
      `${stats.fragmentStats.numFragments} fragments (${stats.fragmentStats.numSmallFragments} small)`,
  );
}

async function search(
  table: Table,
  query: Float32Array,
  latencies?: LatencyRecorder,
  exact = false,
): Promise<string[]> {
  const started = performance.now();
  let q = table.vectorSearch(query).distanceType('dot').limit(10);
  q = exact ? q.bypassVectorIndex() : q.nprobes(NPROBES).refineFactor(REFINE);
  const found = (await q.select(['id', '_distance']).toArray()) as { id: string }[];
  latencies?.record(performance.now() - started);
  return found.map((row) => row.id);
}

async function writeCollection(): Promise<void> {
  const store = await createEmbeddedVectorStore({
    dataDir: dataDir!,
    logger: silentLogger,
    index: { kind: 'ivf_rq' },
    cacheBytes: { index: Number(cacheArg) * 2 ** 20, metadata: 64 * 2 ** 20 },
  });
  const points = (firstId: number, count: number): Point[] =>
    Array.from({ length: count }, (_, i) => ({
      id: firstId + i,
      vector: near(firstId + i),
      payload: {},
    }));
  try {
    await store.createCollection(TABLE, { vectorSize: DIM, distance: 'cosine' });
    const started = performance.now();
    for (let id = 1; id <= rows(); id += BATCH) {
      await store.upsert(TABLE, points(id, Math.min(BATCH, rows() - id + 1)));
    }
    const wroteS = (performance.now() - started) / 1000;
    await store.maintenanceSettled(TABLE);
    const settledS = (performance.now() - started) / 1000 - wroteS;
    console.log(
      `wrote ${rows()} rows in ${wroteS.toFixed(0)} s; settled ${settledS.toFixed(0)} s after`,
    );
  } finally {
    await store.close();
  }
}

function rows(): number {
  return Number(rowsArg);
}
