// Search throughput and memory of the embedded store under each malloc the service can run
// with, side by side in one run: every setting runs in a child process of its own, loads
// `points` 1,536-d clustered unit vectors (cosine), waits for the `ivf_rq` index (128 MiB index
// cache, as the 1M bench runs), then runs index searches at concurrency 1 and 8 and exact
// searches at concurrency 1, printing QPS, p50, p99, RSS after the searches and the RSS
// high-water.
//
//   node --import tsx test/perf/embedded-search-allocators.ts [points=200000] [queries=300]
//   (VECTORADMIN_PERF_SETTINGS='name|name' runs a subset)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import type { EmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { loadAverage } from '../helpers/load-average.js';
import { clusteredVectors } from '../helpers/points.js';

const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const settings: Record<string, Record<string, string>> = {
  'glibc, arenas 2': { MALLOC_ARENA_MAX: '2' },
  'glibc, default arenas': {},
  jemalloc: {
    LD_PRELOAD: JEMALLOC,
    MALLOC_CONF: 'oversize_threshold:0,background_thread:true,dirty_decay_ms:1000',
  },
};
const DIM = 1536;
const BATCH = 1024;
const NAME = 'allocators';
const { near } = clusteredVectors(42, DIM, 64);

interface Level {
  name: string;
  qps: number;
  p50: number;
  p99: number;
}

async function level(
  store: EmbeddedVectorStore,
  name: string,
  concurrency: number,
  count: number,
  firstQuery: number,
  exact = false,
): Promise<Level> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let q = next++; q < count; q = next++) {
      const vector = near(firstQuery + q);
      const start = performance.now();
      await store.search(NAME, { vector, limit: 10, withPayload: false, params: { exact } });
      times.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { name, qps: count / seconds, p50: at(0.5), p99: at(0.99) };
}

async function child(points: number, queries: number): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-search-allocators-'));
  const store = await createEmbeddedVectorStore({
    dataDir,
    index: { kind: 'ivf_rq' },
    cacheBytes: { index: 128 * 1024 * 1024, metadata: 64 * 1024 * 1024 },
    logger: silentLogger,
  });
  try {
    await store.createCollection(NAME, { vectorSize: DIM, distance: 'cosine' });
    for (let written = 0; written < points; written += BATCH) {
      const count = Math.min(BATCH, points - written);
      const batch = Array.from({ length: count }, (_, i) => {
        const id = written + i + 1;
        return { id, vector: near(id), payload: { n: id } };
      });
      await store.upsert(NAME, batch);
    }
    for (;;) {
      await store.maintenanceSettled(NAME);
      const described = (await store.getCollection(NAME))!;
      if (described.status === 'green' && described.indexedVectorsCount === points) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const rssAfterLoad = process.memoryUsage().rss / 1e6;
    const levels = [
      await level(store, 'index c1', 1, queries, points),
      await level(store, 'index c8', 8, queries, points + queries),
      await level(store, 'exact c1', 1, Math.ceil(queries / 30), points, true),
    ];
    const rssAfterSearches = process.memoryUsage().rss / 1e6;
    const maxRss = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ levels, rssAfterLoad, rssAfterSearches, maxRss }));
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [points = 200_000, queries = 300] = process.argv.slice(2, 4).map(Number);
  if (process.argv[4] === 'child') return child(points, queries);
  const script = fileURLToPath(import.meta.url);
  console.log(`load average at start: ${loadAverage()}`);
  const chosen = process.env['VECTORADMIN_PERF_SETTINGS']?.split('|') ?? Object.keys(settings);
  for (const setting of chosen) {
    if (settings[setting]!['LD_PRELOAD'] !== undefined && !existsSync(JEMALLOC)) {
      console.log(`${setting}: skipped, ${JEMALLOC} is missing (apt-get install libjemalloc2)`);
      continue;
    }
    const args = ['--import', 'tsx', script, String(points), String(queries), 'child'];
    const out = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env: { ...process.env, ...settings[setting]! },
    });
    if (out.status !== 0) throw new Error(`${setting} failed: ${out.stderr}`);
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
      levels: Level[];
      rssAfterLoad: number;
      rssAfterSearches: number;
      maxRss: number;
    };
    const [c1, c8] = result.levels;
    console.log(`${setting}:`);
    for (const l of result.levels)
      console.log(
        `  ${l.name.padEnd(9)} ${l.qps.toFixed(1).padStart(6)} QPS, p50 ${l.p50.toFixed(1)} ms, ` +
          `p99 ${l.p99.toFixed(1)} ms`,
      );
    console.log(`  index QPS c8 ÷ c1 ${(c8!.qps / c1!.qps).toFixed(2)}×`);
    console.log(
      `  RSS after the load ${result.rssAfterLoad.toFixed(0)} MB, after the searches ` +
        `${result.rssAfterSearches.toFixed(0)} MB, high-water ${result.maxRss.toFixed(0)} MB`,
    );
  }
  console.log(`load average at end: ${loadAverage()}`);
}

await main();
