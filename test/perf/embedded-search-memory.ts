// What searches leave in the embedded store's RSS, side by side in one run: glibc malloc with
// MALLOC_ARENA_MAX=2 (what the service runs with) against the same with a fixed mmap threshold,
// which serves every allocation of 128 KiB and more (LanceDB's decoded pages and batches) from
// mmap, so freeing one returns it to the kernel. Each setting runs in its own child process:
// it loads `points` 1,536-d points (no vector index: every search scans, as the bench's exact
// and filtered levels do), then runs exact searches and filtered searches at 1% and 10%
// selectivity, printing RSS after each phase, each phase's p50 and the RSS high-water. A third
// setting declares the filtered keys as payload indexes, so the filters prefilter on columns.
// The last three bound how much LanceDB reads ahead of a scan (LANCE_DEFAULT_IO_BUFFER_SIZE).
// `exact` as the third argument runs the exact phases only (one search at a time, then 8 at once).
//
//   node --import tsx test/perf/embedded-search-memory.ts [points=200000] [searches=10] [all|exact]
//   (VECTORADMIN_PERF_SETTINGS='name|name' runs a subset)
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Filter } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { loadAverage } from '../helpers/load-average.js';
import { clusteredVectors } from '../helpers/points.js';

const DIM = 1536;
const BATCH = 1024;
interface Setting {
  readonly env: Record<string, string>;
  /** Declares `b100` and `b10` as integer payload indexes (columns the filters prefilter on). */
  readonly payloadIndexes: boolean;
}
const settings: Record<string, Setting> = {
  'arenas 2': { env: { MALLOC_ARENA_MAX: '2' }, payloadIndexes: false },
  'arenas 2, mmap from 128 KiB': {
    env: {
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
      MALLOC_TRIM_THRESHOLD_: '131072',
    },
    payloadIndexes: false,
  },
  'arenas 2, payload indexes': { env: { MALLOC_ARENA_MAX: '2' }, payloadIndexes: true },
  'arenas 2, io buffer 2 GiB': {
    env: { MALLOC_ARENA_MAX: '2', LANCE_DEFAULT_IO_BUFFER_SIZE: String(2 * 1024 ** 3) },
    payloadIndexes: false,
  },
  'arenas 2, io buffer 64 MiB': {
    env: { MALLOC_ARENA_MAX: '2', LANCE_DEFAULT_IO_BUFFER_SIZE: String(64 * 1024 ** 2) },
    payloadIndexes: false,
  },
  'arenas 2, io buffer 16 MiB': {
    env: { MALLOC_ARENA_MAX: '2', LANCE_DEFAULT_IO_BUFFER_SIZE: String(16 * 1024 ** 2) },
    payloadIndexes: false,
  },
};

interface Phase {
  name: string;
  rssMb: number;
  /** The process's RSS high-water so far. */
  hwmMb: number;
  p50Ms: number;
}

const bucket = (buckets: number): Filter => ({
  must: [{ key: `b${buckets}`, match: 0 }],
  should: [],
  mustNot: [],
});

async function child(
  points: number,
  searches: number,
  setting: Setting,
  exactOnly: boolean,
): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-search-memory-'));
  const store = await createEmbeddedVectorStore({
    dataDir,
    index: { thresholdRows: 1e12 },
    logger: silentLogger,
  });
  const { near } = clusteredVectors(42, DIM, 64);
  const phases: Phase[] = [];
  const rssMb = () => process.memoryUsage().rss / 1e6;
  const hwmMb = () => process.resourceUsage().maxRSS / 1024;
  try {
    await store.createCollection('memory', {
      vectorSize: DIM,
      distance: 'cosine',
      ...(setting.payloadIndexes
        ? {
            payloadIndexes: [
              { key: 'b100', type: 'integer' },
              { key: 'b10', type: 'integer' },
            ],
          }
        : {}),
    });
    for (let written = 0; written < points; written += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, i) => {
        const id = written + i + 1;
        return { id, vector: near(id), payload: { b100: id % 100, b10: id % 10 } };
      });
      await store.upsert('memory', batch);
    }
    await store.maintenanceSettled('memory');
    phases.push({ name: 'after the load', rssMb: rssMb(), hwmMb: hwmMb(), p50Ms: 0 });
    const run = async (name: string, filter: Filter | undefined, concurrency = 1) => {
      const times: number[] = [];
      let next = 0;
      const worker = async () => {
        for (let q = next++; q < searches; q = next++) {
          const start = performance.now();
          await store.search('memory', {
            vector: near(points + q),
            limit: 10,
            withPayload: false,
            ...(filter === undefined ? { params: { exact: true } } : { filter }),
          });
          times.push(performance.now() - start);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      times.sort((a, b) => a - b);
      const p50Ms = times[Math.floor(times.length / 2)]!;
      phases.push({ name, rssMb: rssMb(), hwmMb: hwmMb(), p50Ms });
    };
    await run('exact', undefined);
    await run('exact, 8 at once', undefined, 8);
    if (!exactOnly) {
      await run('filtered 1%', bucket(100));
      await run('filtered 10%', bucket(10));
    }
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ phases, maxRssMb }));
}

async function main(): Promise<void> {
  const [points = 200_000, searches = 10] = process.argv.slice(2, 4).map(Number);
  const phases = process.argv[4] ?? 'all';
  const role = process.argv[5];
  if (role !== undefined) return child(points, searches, settings[role]!, phases === 'exact');
  const script = fileURLToPath(import.meta.url);
  console.log(`load average at start: ${loadAverage()}`);
  const chosen = process.env['VECTORADMIN_PERF_SETTINGS']?.split('|') ?? Object.keys(settings);
  for (const setting of chosen) {
    const args = ['--import', 'tsx', script, String(points), String(searches), phases, setting];
    const out = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env: { ...process.env, ...settings[setting]!.env },
    });
    if (out.status !== 0) throw new Error(`${setting} failed: ${out.stderr}`);
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
      phases: Phase[];
      maxRssMb: number;
    };
    console.log(`${setting}:`);
    for (const p of result.phases) {
      const p50 = p.p50Ms === 0 ? '' : `, p50 ${p.p50Ms.toFixed(0)} ms`;
      const rss = `rss ${p.rssMb.toFixed(0).padStart(5)} MB, high-water ${p.hwmMb.toFixed(0)} MB`;
      console.log(`  ${p.name.padEnd(14)} ${rss}${p50}`);
    }
    console.log(`  RSS high-water ${result.maxRssMb.toFixed(0)} MB`);
  }
  console.log(`load average at end: ${loadAverage()}`);
}

await main();
