// The embedded store's two vector index kinds side by side in one run, each in a child process
// of its own so that its RSS is its own: the same `rows` 1,536-d clustered unit vectors (cosine)
// ingested through the store, the background build's time, then `queries` searches at the
// default breadth measured for p50/p99, recall@10 against an exact search, and RSS.
//
//   node --import tsx test/perf/embedded-index-kinds.ts [rows=100000] [queries=50] [cacheMb=1024] [kind]
//   (kind: one of them alone; `hnsw_sq:M:EF_CONSTRUCTION` builds its graph with those settings)
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Point, PointId } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import type { VectorIndexKind, VectorIndexPolicy } from '../../src/stores/embedded-index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { clusteredVectors } from '../helpers/points.js';

const [rowsArg = '100000', queriesArg = '50', cacheArg = '1024', kindArg] = process.argv.slice(2);
const [rows, queries, cacheMb] = [rowsArg, queriesArg, cacheArg].map(Number) as [
  number,
  number,
  number,
];
const DIM = 1536;
const BATCH = 1024;
const CENTRES = 64;

if (kindArg === undefined) {
  for (const kind of ['hnsw_sq', 'ivf_rq'] satisfies VectorIndexKind[]) {
    const script = fileURLToPath(import.meta.url);
    const args = ['--import', 'tsx', script, rowsArg, queriesArg, cacheArg, kind];
    execFileSync(process.execPath, args, { stdio: 'inherit' });
  }
} else {
  const [kind, m, efConstruction] = kindArg.split(':');
  const graph =
    m === undefined ? {} : { hnswM: Number(m), hnswEfConstruction: Number(efConstruction ?? 100) };
  await measure(kind as VectorIndexKind, graph, kindArg);
}

async function measure(
  kind: VectorIndexKind,
  graph: Partial<VectorIndexPolicy>,
  label: string,
): Promise<void> {
  const { near } = clusteredVectors(42, DIM, CENTRES);
  const points = (firstId: number, count: number): Point[] =>
    Array.from({ length: count }, (_, i) => {
      return { id: firstId + i, vector: near(firstId + i), payload: {} };
    });
  const mb = () => (process.memoryUsage().rss / 1e6).toFixed(0);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-index-kinds-'));
  const store = await createEmbeddedVectorStore({
    dataDir,
    logger: silentLogger,
    index: { kind, ...graph },
    cacheBytes: { index: cacheMb * 2 ** 20, metadata: 64 * 2 ** 20 },
  });
  try {
    const name = 'kinds';
    await store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
    for (let id = 1; id <= rows; id += BATCH) {
      await store.upsert(name, points(id, Math.min(BATCH, rows - id + 1)));
    }
    const built = performance.now();
    await store.maintenanceSettled(name);
    const buildS = (performance.now() - built) / 1000;
    const described = await store.getCollection(name);
    const vectors = points(10_000_000, queries).map((p) => p.vector);
    const exact: PointId[][] = [];
    for (const vector of vectors) {
      const hits = await store.search(name, {
        vector,
        limit: 10,
        withPayload: false,
        params: { exact: true },
      });
      exact.push(hits.map((h) => h.id));
    }
    const ms: number[] = [];
    let found = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (const [i, vector] of vectors.entries()) {
        const start = performance.now();
        const hits = await store.search(name, { vector, limit: 10, withPayload: false });
        if (pass === 0) continue; // the first pass warms the cache
        ms.push(performance.now() - start);
        found += hits.filter((h) => exact[i]!.includes(h.id)).length;
      }
    }
    ms.sort((a, b) => a - b);
    const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1);
    console.log(
      `${label.padEnd(8)} ${rows} rows, cache ${cacheMb} MiB: build ${buildS.toFixed(1)} s ` +
        `(${described?.indexedVectorsCount} indexed, ${described?.status}); search p50 ${at(0.5)} ms, ` +
        `p99 ${at(0.99)} ms, recall@10 ${(found / (10 * queries)).toFixed(3)}; RSS ${mb()} MB ` +
        `(load ${os.loadavg()[0]!.toFixed(1)})`,
    );
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
