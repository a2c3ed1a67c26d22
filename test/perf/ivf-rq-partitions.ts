// IVF_RQ partitions × nprobes on one large embedded collection, LanceDB driven directly with
// the store's search settings (2-bit codes, dot on unit vectors, refine 20). The collection is
// written through the store once (1,536-d clustered unit vectors, cosine, no vector index) into
// `dataDir` and reused by later runs; each partition count then rebuilds the index, timed, and
// every nprobes level (`nprobes` or `nprobes:refineFactor`) is measured for p50/p99 and
// recall@10 against an exact search: first on unseen queries, as the bench's are (each one new,
// its partitions and refine rows possibly not cached yet), handed to the levels in turn, then
// on a fixed set searched twice (warm).
//
//   node --import tsx test/perf/ivf-rq-partitions.ts DATA_DIR [rows=1000000]
//     [partitions=0,1000 (0: LanceDB's default; `existing`: keep the built index)]
//     [levels=10,20,40,80] [queries=30] [cacheMb=128]
import { existsSync } from 'node:fs';
import { connect, Index, Session, type Table, type VectorQuery } from '@lancedb/lancedb';
import { LatencyRecorder } from '../../src/bench/latency.js';
import type { Point } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { clusteredVectors, unitVector } from '../helpers/points.js';

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
const queryCount = Number(queriesArg);
const queries = Array.from({ length: queryCount }, (_, i) => unitVector(near(7 + i * 13)));
// Queries none of the others repeats: fresh draws around the same cluster centres, as the
// bench's are.
const unseenQueries = (count: number) =>
  Array.from({ length: count }, (_, i) => unitVector(near(11 + i * 17)));

if (!existsSync(dataDir)) await writeCollection();
const db = await connect(dataDir, {
  session: new Session(BigInt(Number(cacheArg) * 2 ** 20), BigInt(64 * 2 ** 20)),
});
const [name] = await db.tableNames();
const table = await db.openTable(name!);
console.log(`${await table.countRows()} rows, index cache ${cacheArg} MiB`);
const keepIndex = partsArg === 'existing';
if (keepIndex && !(await table.listIndices()).some((i) => i.columns[0] === 'vector'))
  throw new Error(`${dataDir} has no vector index: build one first (partitions 0)`);
const exact = await searchAll(table, (q) => q.bypassVectorIndex());
for (const partitions of keepIndex ? [] : partsArg.split(',').map(Number)) {
  const started = performance.now();
  const options = { distanceType: 'dot' as const, numBits: 2 };
  const config = Index.ivfRq(partitions > 0 ? { ...options, numPartitions: partitions } : options);
  await table.createIndex('vector', { name: 'vector_idx', replace: true, config });
  const buildS = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`partitions ${partitions || 'default'}: build ${buildS} s`);
  await measureLevels();
}
if (keepIndex) await measureLevels();

async function measureLevels(): Promise<void> {
  const levels = probesArg.split(',').map((spec) => {
    const [nprobes, refine = REFINE] = spec.split(':').map(Number);
    return {
      nprobes: nprobes!,
      refine,
      tune: (q: VectorQuery) => q.nprobes(nprobes!).refineFactor(refine),
    };
  });
  // Unseen queries go to the levels in turn, so load drifting during the run touches all alike.
  const unseenLatencies = levels.map(() => new LatencyRecorder());
  for (const [i, query] of unseenQueries(levels.length * queryCount).entries()) {
    const level = i % levels.length;
    await searchAll(table, levels[level]!.tune, unseenLatencies[level], [query]);
  }
  for (const [level, { nprobes, refine, tune }] of levels.entries()) {
    await searchAll(table, tune); // warm
    const latencies = new LatencyRecorder();
    const answers = await searchAll(table, tune, latencies);
    const hits = answers.reduce(
      (n, ids, i) => n + ids.filter((id) => exact[i]!.includes(id)).length,
      0,
    );
    console.log(
      `  nprobes ${nprobes}, refine ${refine}: unseen p50 ${percentiles(unseenLatencies[level]!)}; ` +
        `warm p50 ${percentiles(latencies)}, ` +
        `recall@10 ${(hits / (queries.length * 10)).toFixed(3)}, ` +
        `RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
  }
}

function percentiles(latencies: LatencyRecorder): string {
  const { p50_ms, p99_ms } = latencies.stats();
  return `${p50_ms.toFixed(1)} ms, p99 ${p99_ms.toFixed(1)} ms`;
}

async function searchAll(
  t: Table,
  tune: (q: VectorQuery) => VectorQuery,
  latencies?: LatencyRecorder,
  searched: readonly Float32Array[] = queries,
): Promise<string[][]> {
  const answers: string[][] = [];
  for (const query of searched) {
    const started = performance.now();
    const search = tune(t.vectorSearch(query).distanceType('dot').limit(10));
    const found = (await search.select(['id', '_distance']).toArray()) as { id: string }[];
    latencies?.record(performance.now() - started);
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
