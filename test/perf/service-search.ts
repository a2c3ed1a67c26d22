// Indexed search latency over a collection already written, per setting, side by side in one
// run: A-E start the service on the data dir (events off, the bench's index settings: `ivf_rq`,
// 128 MiB index cache, nprobes 20) and differ in when it trims freed memory (D and E: lower
// growth thresholds than the default C); S opens the same table with the embedded store in
// this process, tuned the same, so the service's share shows. G-K run the service with the
// store's own index defaults and differ in how many searches the store runs at once; J and K
// in the size of the index cache (H is the default, 1 GiB).
// Each warms with a few queries, then times unseen queries one at a time and eight at once and
// reads the CPU time and memory of the process that answered (S's high-water is this script's,
// so its second run's includes the first). Settings run in the order A B C S S C B A, so drift
// in the machine's load shows as a difference between one setting's two runs. The data dir is
// a service data dir (its `vectors/` holds the collection), such as a `bench --full --keep-data`
// server's.
//
//   node --import tsx test/perf/service-search.ts DATA_DIR TENANT TABLE [queries=100]
//   (VECTORADMIN_PERF_SETTINGS='A|B' runs a subset; the default is A, B, C and S)
import { availableParallelism } from 'node:os';
import { LatencyRecorder } from '../../src/bench/latency.js';
import { connect, vectorAdminApi, wireVector } from '../../src/client/index.js';
import { SERVICE_PROCESS_ENV } from '../../src/config/child-env.js';
import { loadConfig } from '../../src/config/index.js';
import { CollectionNaming } from '../../src/domain/naming.js';
import { silentLogger } from '../../src/logging/index.js';
import { embeddedStoreOptions } from '../../src/main-server.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { ServiceProcess, freePort, processMemoryBytes } from '../helpers/fault-service-process.js';
import { loadAverage } from '../helpers/load-average.js';
import { processCpuSeconds } from '../helpers/process-cpu.js';
import { randomVector, seededRandom } from '../helpers/points.js';

const [dataDir, tenantId, table, queriesArg = '100'] = process.argv.slice(2);
if (table === undefined)
  throw new Error('usage: service-search.ts DATA_DIR TENANT TABLE [queries]');
const queryCount = Number(queriesArg);
const WARM_UP = 10;

/** The service trimming every second once memory grew `growthMb` since the last trim. */
const trimmedOnGrowth = (growthMb: number) => (seed: number) =>
  throughService(
    { VECTORADMIN_MALLOC_TRIM_MS: '1000', VECTORADMIN_MALLOC_TRIM_GROWTH_MB: String(growthMb) },
    seed,
  );

const settings: Record<string, (seed: number) => Promise<Measured>> = {
  'A service, freed memory kept (no trim)': (seed) =>
    throughService({ VECTORADMIN_MALLOC_TRIM_MS: '0' }, seed),
  'B service, trim every second': trimmedOnGrowth(0),
  'C service, trim once grown 256 MB (default)': trimmedOnGrowth(256),
  'D service, trim once grown 128 MB': trimmedOnGrowth(128),
  'E service, trim once grown 64 MB': trimmedOnGrowth(64),
  'S store alone, in this process': storeAlone,
  'G service, default index settings, one search per core at once': (seed) =>
    throughService(
      { ...STORE_DEFAULTS, VECTORADMIN_EMBEDDED_MAX_SEARCHES: String(availableParallelism()) },
      seed,
    ),
  'H service, default index settings, two searches per core at once (default)': (seed) =>
    throughService(STORE_DEFAULTS, seed),
  'I service, default index settings, 8 searches at once': (seed) =>
    throughService({ ...STORE_DEFAULTS, VECTORADMIN_EMBEDDED_MAX_SEARCHES: '8' }, seed),
  'J service, default index settings, 512 MiB index cache': (seed) =>
    throughService({ ...STORE_DEFAULTS, VECTORADMIN_EMBEDDED_INDEX_CACHE_MB: '512' }, seed),
  'K service, default index settings, 256 MiB index cache': (seed) =>
    throughService({ ...STORE_DEFAULTS, VECTORADMIN_EMBEDDED_INDEX_CACHE_MB: '256' }, seed),
};

/** G-K: the store's own index kind and cache over BENCH_INDEX (whose nprobes and events apply). */
const STORE_DEFAULTS = {
  VECTORADMIN_EMBEDDED_INDEX_KIND: 'auto',
  VECTORADMIN_EMBEDDED_INDEX_CACHE_MB: '1024',
};

const BENCH_INDEX = {
  VECTORADMIN_EMBEDDED_INDEX_KIND: 'ivf_rq',
  VECTORADMIN_EMBEDDED_INDEX_CACHE_MB: '128',
  VECTORADMIN_EMBEDDED_INDEX_NPROBES: '20',
  VECTORADMIN_EVENTS: 'off',
};

type Search = (vector: Float32Array) => Promise<unknown>;
interface Measured {
  c1: Stats;
  cpuMsPerQuery: number;
  c8: Stats;
  rss: number;
  highWater: number;
  slowTrims: number | undefined;
}
type Stats = ReturnType<LatencyRecorder['stats']> & { qps: number };

/** Warm-up, then the same timed queries, whatever answers them. */
async function measure(
  search: Search,
  cpuSeconds: () => Promise<number>,
  dim: number,
  seed: number,
) {
  const random = seededRandom(seed);
  const query = () => randomVector(random, dim);
  for (let i = 0; i < WARM_UP; i++) await search(query());
  const timed = async (concurrency: number) => {
    const latency = new LatencyRecorder();
    let left = queryCount;
    const worker = async () => {
      for (; left > 0; left--) {
        const started = performance.now();
        await search(query());
        latency.record(performance.now() - started);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const qps = queryCount / ((performance.now() - started) / 1000);
    return { ...latency.stats(), qps };
  };
  const cpuBefore = await cpuSeconds();
  const c1 = await timed(1);
  const cpuMsPerQuery = (((await cpuSeconds()) - cpuBefore) / queryCount) * 1000;
  return { c1, cpuMsPerQuery, c8: await timed(8) };
}

async function throughService(env: Record<string, string>, seed: number): Promise<Measured> {
  await using service = await ServiceProcess.start({
    port: await freePort(),
    dataDir: dataDir!,
    env: { ...SERVICE_PROCESS_ENV, ...BENCH_INDEX, ...env },
  });
  const connection = connect({ address: service.address });
  try {
    const api = vectorAdminApi(connection);
    const described = await api.getCollection({ tenantId: tenantId!, table: table! });
    const search: Search = (vector) =>
      api.search({
        tenantId: tenantId!,
        table: table!,
        vector: wireVector(vector, 'f32le'),
        limit: 10,
        withPayload: false,
      });
    const pid = service.pid!;
    const measured = await measure(
      search,
      () => processCpuSeconds(pid),
      described.config!.vectorSize,
      seed,
    );
    const { rss, highWater } = await service.memoryBytes();
    const slowTrims = service
      .logLines('warn')
      .filter((l) => l.msg === 'malloc trim was slow').length;
    return { ...measured, rss, highWater, slowTrims };
  } finally {
    connection.close();
  }
}

/** The same searches straight to the store, in this process, tuned as the service's. */
async function storeAlone(seed: number): Promise<Measured> {
  const config = loadConfig({ ...BENCH_INDEX, VECTORADMIN_DATA_DIR: dataDir! });
  if (config.store.kind !== 'embedded') throw new Error('the embedded store only');
  const store = await createEmbeddedVectorStore({
    ...embeddedStoreOptions(config.store),
    dataDir: config.store.dataDir,
    logger: silentLogger,
  });
  try {
    const { name } = new CollectionNaming(config.collections.prefix).ref(tenantId!, table!);
    const collection = await store.getCollection(name);
    if (collection === undefined) throw new Error(`no collection ${name} in ${dataDir}`);
    const search: Search = (vector) =>
      store.search(name, { vector, limit: 10, withPayload: false });
    const measured = await measure(
      search,
      () => processCpuSeconds(process.pid),
      collection.config.vectorSize,
      seed,
    );
    const { rss, highWater } = await processMemoryBytes(process.pid);
    return { ...measured, rss, highWater, slowTrims: undefined };
  } finally {
    await store.close();
  }
}

const chosen = process.env['VECTORADMIN_PERF_SETTINGS']?.split('|') ?? ['A', 'B', 'C', 'S'];
const order = [...chosen, ...[...chosen].reverse()];
console.log(
  `${tenantId}/${table}: ${WARM_UP} warm-up queries, then ${queryCount} unseen at c1 and ` +
    `${queryCount} at c8 per run; load ${loadAverage()}`,
);
console.log(
  '| setting | run | c1 p50 / p99 ms | CPU ms per c1 query | c8 p50 / p99 ms | QPS c1 / c8 (c8 ÷ c1) | RSS / high-water MB | slow trims logged |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const runs = new Map<string, number>();
const ms = (v: number) => v.toFixed(1);
const mb = (v: number) => (v / 2 ** 20).toFixed(0);
for (const [i, letter] of order.entries()) {
  const [name, measureOne] = Object.entries(settings).find(([key]) => key.startsWith(letter))!;
  const n = (runs.get(letter) ?? 0) + 1;
  runs.set(letter, n);
  const m = await measureOne(1000 + i);
  const cells = [
    `${ms(m.c1.p50_ms)} / ${ms(m.c1.p99_ms)}`,
    m.cpuMsPerQuery.toFixed(0),
    `${ms(m.c8.p50_ms)} / ${ms(m.c8.p99_ms)}`,
    `${ms(m.c1.qps)} / ${ms(m.c8.qps)} (${(m.c8.qps / m.c1.qps).toFixed(2)}×)`,
    `${mb(m.rss)} / ${mb(m.highWater)}`,
    m.slowTrims === undefined ? '-' : String(m.slowTrims),
  ];
  console.log(`| ${name.slice(2)} | ${n} | ${cells.join(' | ')} |`);
}
console.log(`load after: ${loadAverage()}`);
