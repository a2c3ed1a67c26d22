// IVF_RQ partitions × nprobes on one large embedded collection, LanceDB driven directly with
// the store's search settings (2-bit codes, dot on unit vectors, refine 20). The collection is
// written through the store once (1,536-d clustered unit vectors, cosine, no vector index) into
// `dataDir` and reused by later runs; each partition count then rebuilds the index, timed, and
// every nprobes level is measured for p50/p99 and recall@10 against an exact search.
//
//   node --import tsx test/perf/ivf-rq-partitions.ts DATA_DIR [rows=1000000]
//     [partitions=0,1000 (0: LanceDB's default)] [nprobes=10,20,40,80] [queries=30] [cacheMb=128]
import { existsSync } from 'node:fs';
import { connect, Index, Session, type Table, type VectorQuery } from '@lancedb/lancedb';
import type { Point } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { clusteredVectors } from '../helpers/points.js';

const [dataDir, rowsArg = '1000000', partsArg = '0,1000', probesArg = '10,20,40,80'] =
  process.argv.slice(2);
const [queriesArg = '30', cacheArg = '128'] = process.argv.slice(6);
if (dataDir === undefined) throw new Error('usage: ivf-rq-partitions.ts DATA_DIR [rows] ...');
const rows = Number(rowsArg);
const DIM = 1536;
const BATCH = 1024;
const CENTRES = 64;
const REFINE = 20;
const TABLE = 'partitions';

const { near } = clusteredVectors(42, DIM, CENTRES);
const unit = (v: Float32Array) => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};
const queries = Array.from({ length: Number(queriesArg) }, (_, i) => unit(near(7 + i * 13)));

if (!existsSync(dataDir)) await writeCollection();
const db = await connect(dataDir, {
  session: new Session(BigInt(Number(cacheArg) * 2 ** 20), BigInt(64 * 2 ** 20)),
});
const [name] = await db.tableNames();
const table = await db.openTable(name!);
console.log(`${await table.countRows()} rows, index cache ${cacheArg} MiB`);
const exact = await searchAll(table, (q) => q.bypassVectorIndex());
for (const partitions of partsArg.split(',').map(Number)) {
  const started = performance.now();
  const options = { distanceType: 'dot' as const, numBits: 2 };
  const config = Index.ivfRq(partitions > 0 ? { ...options, numPartitions: partitions } : options);
  await table.createIndex('vector', { name: 'vector_idx', replace: true, config });
  const buildS = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`partitions ${partitions || 'default'}: build ${buildS} s`);
  for (const nprobes of probesArg.split(',').map(Number)) {
    await searchAll(table, (q) => q.nprobes(nprobes).refineFactor(REFINE)); // warm
    const latencies: number[] = [];
    const answers = await searchAll(
      table,
      (q) => q.nprobes(nprobes).refineFactor(REFINE),
      latencies,
    );
    const hits = answers.reduce(
      (n, ids, i) => n + ids.filter((id) => exact[i]!.includes(id)).length,
      0,
    );
    const sorted = latencies.sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    console.log(
      `  nprobes ${nprobes}: p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, ` +
        `recall@10 ${(hits / (queries.length * 10)).toFixed(3)}, ` +
        `RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
  }
}

async function searchAll(
  t: Table,
  tune: (q: VectorQuery) => VectorQuery,
  latencies?: number[],
): Promise<string[][]> {
  const answers: string[][] = [];
  for (const query of queries) {
    const started = performance.now();
    const search = tune(t.vectorSearch(query).distanceType('dot').limit(10));
    const found = (await search.select(['id', '_distance']).toArray()) as { id: string }[];
    latencies?.push(performance.now() - started);
    answers.push(found.map((row) => row.id));
  }
  return answers;
}

async function writeCollection(): Promise<void> {
  const store = await createEmbeddedVectorStore({
    dataDir: dataDir!,
    logger: silentLogger,
    index: { thresholdRows: Number.MAX_SAFE_INTEGER },
    cacheBytes: { index: 128 * 2 ** 20, metadata: 64 * 2 ** 20 },
  });
  const points = (firstId: number, count: number): Point[] =>
    Array.from({ length: count }, (_, i) => {
      return { id: firstId + i, vector: near(firstId + i), payload: {} };
    });
  try {
    await store.createCollection(TABLE, { vectorSize: DIM, distance: 'cosine' });
    const started = performance.now();
    for (let id = 1; id <= rows; id += BATCH) {
      await store.upsert(TABLE, points(id, Math.min(BATCH, rows - id + 1)));
    }
    await store.maintenanceSettled(TABLE);
    await store.compact(TABLE);
    console.log(`wrote ${rows} rows in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await store.close();
  }
}
