// Ingest rate of one embedded collection as it crosses the vector index threshold, side by
// side in one run: the index off (the floor the other settings are judged against), the
// store floor (LanceDB `add` of the same batches, no store around it: the bench's floor), and
// the store's default policy, each with the index builders named (`process`: builds, updates and
// compactions in a low-priority child process; `inline`: in the store's process). Points
// stream in 1,024-point upserts as fast as the store takes them; each setting runs in its own
// child process (fresh heap, fresh LanceDB thread pools). Per segment: vectors/s, the index
// status at its end, and RSS; then the time to green, the store process's RSS high-water and
// the builder processes' (sampled every 200 ms). CPU per 1,000 vectors is the store process's
// (its LanceDB threads included): steadier than a rate on a shared machine.
//
//   node --import tsx test/perf/embedded-ingest-index.ts [points=60000] [threshold=20000] [segment=10000] [builders=process]
//   (VECTORADMIN_EMBEDDED_INDEX_KIND=ivf_rq for that index kind;
//   VECTORADMIN_PERF_SETTINGS='store floor|no indexes' runs those settings in that order)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logging/index.js';
import type { IndexBuilderKind } from '../../src/stores/embedded-index-builder.js';
import type { VectorIndexKind, VectorIndexPolicy } from '../../src/stores/embedded-index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { openEmbeddedAppendFloor } from '../../src/stores/embedded-append-floor.js';
import type { CollectionConfig, Point } from '../../src/domain/index.js';
import { loadAverage } from '../helpers/load-average.js';
import { clusteredVectors } from '../helpers/points.js';
import { descendants } from '../helpers/process-tree.js';

const DIM = 1536;
const BATCH = 1024;
const CENTRES = 64;

interface Segment {
  points: number;
  rate: number;
  status: string;
  indexed: number;
  rssMb: number;
  /** CPU time of the store process (every thread, LanceDB's included) per 1,000 vectors. */
  cpuMsPerK: number;
}
interface Run {
  segments: Segment[];
  greenAfterMs: number;
  totalRate: number;
  /** Background failures the store logged. */
  errors: number;
  /** The first few of them. */
  errorMessages: string[];
  /** The store process's RSS high-water (getrusage), builder processes not included. */
  maxRssMb: number;
  /** The largest RSS of the builder processes alive at once, sampled. */
  builderRssMb: number;
}

/** LanceDB `add` of the same batches with no store around it (the bench's store floor). */
const FLOOR = 'store floor';

const settings: Record<string, (threshold: number) => Partial<VectorIndexPolicy>> = {
  [FLOOR]: () => ({}),
  'no indexes': () => ({ thresholdRows: 1e12, idIndexRows: 1e12 }),
  // Writes as the store makes them, without any vector index work beside them.
  'id index only': () => ({ thresholdRows: 1e12 }),
  // The same with every upsert asking the table whether its ids are new.
  'id index only, no id filter': () => ({ thresholdRows: 1e12, idFilter: false }),
  // The same with the id index rebuilt every 8,192 rows even while only new ids are appended.
  'id index only, eager id refresh': () => ({ thresholdRows: 1e12, idRefreshShare: 0 }),
  // The same with the id index rebuilt four times less often.
  'id index only, refreshed every 32k': () => ({ thresholdRows: 1e12, idRefreshRows: 32_768 }),
  // Work starts as soon as it is due and the id index is only refreshed by optimize().
  'build at once, id index stale': (threshold) => ({
    thresholdRows: threshold,
    maxDeferMs: 0,
    idRefreshRows: 1e12,
  }),
  'store defaults': (threshold) => ({ thresholdRows: threshold }),
  // Index work waits for a pause in the writes at most this long: the ingest meets the build
  // after 30 s, or not at all within 10 minutes.
  'store defaults, deferred at most 30 s': (threshold) => ({
    thresholdRows: threshold,
    maxDeferMs: 30_000,
  }),
  'store defaults, deferred at most 10 min': (threshold) => ({
    thresholdRows: threshold,
    maxDeferMs: 600_000,
  }),
  // The build shares the machine with the ingest from the threshold on.
  'build at once': (threshold) => ({ thresholdRows: threshold, maxDeferMs: 0 }),
};

/** The floor behind the calls the runs make of a store. */
function floorStore(dataDir: string) {
  let floor: Awaited<ReturnType<typeof openEmbeddedAppendFloor>> | undefined;
  return {
    createCollection: async (name: string, config: CollectionConfig) => {
      floor = await openEmbeddedAppendFloor(dataDir, name, config);
    },
    upsert: (_name: string, points: readonly Point[]) => floor!.append(points),
    getCollection: (_name: string) => Promise.resolve({ status: 'floor', indexedVectorsCount: 0 }),
    maintenanceSettled: (_name: string) => Promise.resolve(),
    close: () => Promise.resolve(floor?.close()),
  };
}

function indexKind(): { kind?: VectorIndexKind } {
  const kind = process.env['VECTORADMIN_EMBEDDED_INDEX_KIND'];
  return kind === 'hnsw_sq' || kind === 'ivf_rq' ? { kind } : {};
}

/** RSS of this process's children (the index builders), in MB. */
function childrenRssMb(): number {
  let kb = 0;
  for (const pid of descendants(process.pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited while we looked
    }
  }
  return kb / 1024;
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

async function child(
  points: number,
  threshold: number,
  segment: number,
  setting: string,
  builder: IndexBuilderKind,
) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-ingest-index-'));
  const run: Run = {
    segments: [],
    greenAfterMs: 0,
    totalRate: 0,
    errors: 0,
    errorMessages: [],
    maxRssMb: 0,
    builderRssMb: 0,
  };
  const sampler = setInterval(() => {
    run.builderRssMb = Math.max(run.builderRssMb, childrenRssMb());
  }, 200);
  const store =
    setting === FLOOR
      ? floorStore(dataDir)
      : await createEmbeddedVectorStore({
          dataDir,
          // VECTORADMIN_EMBEDDED_INDEX_KIND picks the index kind, as it does for the service.
          index: { ...settings[setting]!(threshold), builder, ...indexKind() },
          logger: {
            ...silentLogger,
            error: (message, fields) => {
              run.errors++;
              if (run.errorMessages.length < 3)
                run.errorMessages.push(`${message}: ${String(fields?.err)}`);
            },
          },
        });
  const { near } = clusteredVectors(42, DIM, CENTRES);
  const batch = (first: number) =>
    Array.from({ length: BATCH }, (_, i) => {
      const id = first + i;
      return { id, vector: near(id), payload: { n: id } };
    });
  try {
    await store.createCollection('ingest', { vectorSize: DIM, distance: 'cosine' });
    // Only upsert time counts: the rate is the store's, not the generator's.
    let totalMs = 0;
    let segmentMs = 0;
    let segmentPoints = 0;
    let segmentCpu = process.cpuUsage();
    for (let written = 0; written < points;) {
      const next = batch(written + 1);
      const start = performance.now();
      await store.upsert('ingest', next);
      segmentMs += performance.now() - start;
      written += BATCH;
      segmentPoints += BATCH;
      if (segmentPoints >= segment || written >= points) {
        const described = await store.getCollection('ingest');
        run.segments.push({
          points: written,
          rate: segmentPoints / (segmentMs / 1000),
          status: described?.status ?? '?',
          indexed: described?.indexedVectorsCount ?? 0,
          rssMb: process.memoryUsage().rss / 1e6,
          cpuMsPerK: cpuMs(process.cpuUsage(segmentCpu)) / (segmentPoints / 1000),
        });
        segmentCpu = process.cpuUsage();
        totalMs += segmentMs;
        segmentMs = 0;
        segmentPoints = 0;
      }
    }
    run.totalRate = (Math.ceil(points / BATCH) * BATCH) / (totalMs / 1000);
    const ingestEnd = performance.now();
    await store.maintenanceSettled('ingest');
    run.greenAfterMs = performance.now() - ingestEnd;
    run.maxRssMb = process.resourceUsage().maxRSS / 1024;
  } finally {
    clearInterval(sampler);
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(run));
}

async function main(): Promise<void> {
  const [points = 60_000, threshold = 20_000, segment = 10_000] = process.argv
    .slice(2, 5)
    .map(Number);
  const builders = (process.argv[5] ?? 'process').split(',') as IndexBuilderKind[];
  const role = process.argv[6];
  if (role !== undefined) return child(points, threshold, segment, role, builders[0]!);
  const script = fileURLToPath(import.meta.url);
  console.log(`load average at start: ${loadAverage()}`);
  // VECTORADMIN_PERF_SETTINGS='name|name' runs a subset; LANCE_*/RAYON_* pass through to children.
  const chosen = process.env['VECTORADMIN_PERF_SETTINGS']?.split('|') ?? Object.keys(settings);
  const runs = chosen.flatMap((setting) =>
    builders.map((builder) => {
      const args = ['--import', 'tsx', script, String(points), String(threshold), String(segment)];
      const out = spawnSync(process.execPath, [...args, builder, setting], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      const name = `${setting}, ${builder} builder`;
      if (out.status !== 0) throw new Error(`${name} failed: ${out.stderr}`);
      return { setting: name, run: JSON.parse(out.stdout.trim().split('\n').pop()!) as Run };
    }),
  );
  console.log(`vectors/s per ${segment}-point segment (threshold ${threshold}):`);
  for (const { setting, run } of runs) {
    console.log(`${setting}:`);
    for (const s of run.segments) {
      console.log(
        `  to ${String(s.points).padStart(8)}: ${s.rate.toFixed(0).padStart(6)} vectors/s, ` +
          `${s.status} (${s.indexed} indexed), rss ${s.rssMb.toFixed(0)} MB, ` +
          `cpu ${s.cpuMsPerK.toFixed(1)} ms per 1,000`,
      );
    }
    console.log(
      `  whole ingest ${run.totalRate.toFixed(0)} vectors/s; settled ${(run.greenAfterMs / 1000).toFixed(1)} s after; ${run.errors} background errors`,
    );
    for (const message of run.errorMessages) console.log(`  error: ${message.slice(0, 300)}`);
    console.log(
      `  RSS high-water: store process ${run.maxRssMb.toFixed(0)} MB, builder processes ${run.builderRssMb.toFixed(0)} MB`,
    );
  }
  const off = runs[0]!.run;
  const last = (r: Run) => r.segments[r.segments.length - 1]!.rate;
  console.log(
    `last segment ÷ first: ${runs.map((r) => `${r.setting} ${(last(r.run) / r.run.segments[0]!.rate).toFixed(2)}`).join(', ')}`,
  );
  for (const { setting, run } of runs.slice(1)) {
    console.log(
      `whole ingest, ${setting} ÷ ${runs[0]!.setting}: ${(run.totalRate / off.totalRate).toFixed(2)}`,
    );
  }
  console.log(`load average at end: ${loadAverage()}`);
}

await main();
