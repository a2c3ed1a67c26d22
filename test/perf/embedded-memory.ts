// Process RSS while streaming 1,536-d points into one embedded collection (1,024-point
// upserts, the store's default index policy), then settling its index and searching it, side
// by side in one run: glibc's default malloc arenas (8 per core: LanceDB's threads each grow
// one and keep its freed memory) against MALLOC_ARENA_MAX=2. Each setting runs in its own child
// process; RSS is printed every 20k points and as MB per 1,000 vectors.
//
//   node --import tsx test/perf/embedded-memory.ts [points=300000]
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/index.js';
import { seededRandom } from '../helpers/points.js';

const DIM = 1536;
const BATCH = 1024;
const STEP = 20_000;
const settings = {
  'glibc default arenas': {},
  MALLOC_ARENA_MAX_2: { MALLOC_ARENA_MAX: '2' },
} as const;
type Setting = keyof typeof settings;

async function child(points: number): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-memory-'));
  const store = await createEmbeddedVectorStore({
    dataDir,
    logger: silentLogger,
  });
  const random = seededRandom(7);
  const samples: [number, number][] = [];
  try {
    await store.createCollection('memory', { vectorSize: DIM, distance: 'cosine' });
    const vectors = new Float32Array(BATCH * DIM);
    for (let written = 0; written < points;) {
      for (let i = 0; i < vectors.length; i++) vectors[i] = random() - 0.5;
      const batch = Array.from({ length: BATCH }, (_, i) => ({
        id: written + i + 1,
        vector: vectors.subarray(i * DIM, (i + 1) * DIM),
        payload: { n: written + i },
      }));
      await store.upsert('memory', batch);
      written += BATCH;
      if (written % STEP < BATCH) samples.push([written, process.memoryUsage().rss]);
    }
    samples.push([points, process.memoryUsage().rss]);
    await store.maintenanceSettled('memory');
    await store.search('memory', {
      vector: vectors.subarray(0, DIM),
      limit: 10,
      withPayload: true,
    });
    samples.push([points, process.memoryUsage().rss]);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(samples));
}

async function main(): Promise<void> {
  const [points = 300_000, role] = process.argv.slice(2);
  if (role !== undefined) return child(Number(points));
  const script = fileURLToPath(import.meta.url);
  const runs = Object.keys(settings).map((setting) => {
    const out = spawnSync(process.execPath, ['--import', 'tsx', script, String(points), setting], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env: { ...process.env, ...settings[setting as Setting] },
    });
    if (out.status !== 0) throw new Error(`${setting} failed: ${out.stderr}`);
    const samples = JSON.parse(out.stdout.trim().split('\n').pop()!) as [number, number][];
    return { setting, samples };
  });
  console.log(
    `RSS (MB) streaming ${points} x ${DIM} into one collection (last rows: index settled, then a search):`,
  );
  console.log(['points'.padStart(8), ...runs.map((r) => r.setting.padStart(18))].join(' '));
  runs[0]!.samples.forEach(([written], i) => {
    const cells = runs.map((r) => (r.samples[i]![1] / 1e6).toFixed(0).padStart(18));
    console.log([String(written).padStart(8), ...cells].join(' '));
  });
  for (const { setting, samples } of runs) {
    const [firstPoints, firstRss] = samples[0]!;
    // The last streaming sample: the two after it are the settled index and the search.
    const [lastPoints, lastRss] = samples[samples.length - 3]!;
    const perThousand = ((lastRss - firstRss) / 1e6 / (lastPoints - firstPoints)) * 1000;
    console.log(
      `${setting}: ${perThousand.toFixed(3)} MB per 1,000 vectors streamed after the first ${firstPoints}; ` +
        `peak ${(Math.max(...samples.map(([, rss]) => rss)) / 1e6).toFixed(0)} MB`,
    );
  }
}

await main();
