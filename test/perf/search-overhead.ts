// What a search costs on top of the store's own work, side by side in one run: the same
// searches over the same small collection (so the store's share is a flat scan of a few
// milliseconds) answered by the embedded store in this process, by the service over gRPC with
// events off, and by the service with events on (its own nats-server with JetStream). Each
// path runs twice, in the order A B C C B A, so drift in the machine's load shows as a
// difference between a path's two runs.
//
//   node --import tsx test/perf/search-overhead.ts [points=2000] [queries=300]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LatencyRecorder } from '../../src/bench/latency.js';
import {
  connect,
  vectorAdminApi,
  wireVector,
  type VectorAdminApi,
} from '../../src/client/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { loadAverage } from '../helpers/load-average.js';
import { NatsServer } from '../helpers/nats-server.js';
import { randomVector, seededRandom, wirePoints } from '../helpers/points.js';

const [pointCount = 2000, queryCount = 300] = process.argv.slice(2).map(Number);
const DIM = 1536;
const BATCH = 500;
const random = seededRandom(7);
const queries = Array.from({ length: queryCount }, () => randomVector(random, DIM));
// The same points, payloads included, for every path.
const dataset = wirePoints(seededRandom(1), DIM, 0, pointCount);
const batchStarts = Array.from({ length: Math.ceil(pointCount / BATCH) }, (_, b) => b * BATCH);
type Stats = ReturnType<LatencyRecorder['stats']>;

async function timed(search: (query: Float32Array) => Promise<unknown>): Promise<Stats> {
  for (const query of queries.slice(0, 20)) await search(query); // warm-up: JIT, caches
  const latency = new LatencyRecorder();
  for (const query of queries) {
    const started = performance.now();
    await search(query);
    latency.record(performance.now() - started);
  }
  return latency.stats();
}

async function storeAlone(): Promise<Stats> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-overhead-'));
  const store = await createEmbeddedVectorStore({ dataDir, logger: silentLogger });
  try {
    await store.createCollection('items', { vectorSize: DIM, distance: 'cosine' });
    for (const from of batchStarts) {
      const vectors = dataset.vectors.slice(from, from + BATCH);
      await store.upsert(
        'items',
        vectors.map((vector, i) => ({
          id: from + i,
          vector,
          payload: dataset.points[from + i]!.payload!,
        })),
      );
    }
    return await timed((vector) =>
      store.search('items', { vector, limit: 10, withPayload: false }),
    );
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function load(api: VectorAdminApi): Promise<void> {
  for (const from of batchStarts) {
    await api.upsert({
      tenantId: 'acme',
      table: 'items',
      seq: 0n,
      points: dataset.points.slice(from, from + BATCH),
      autoCreate: { vectorSize: DIM, distance: 0, tenancy: 0 },
    });
  }
}

async function throughService(env: Record<string, string>): Promise<Stats> {
  const dataDir = await serviceDataDir('vectoradmin-overhead-');
  try {
    await using service = await ServiceProcess.start({ port: await freePort(), dataDir, env });
    const connection = connect({ address: service.address });
    try {
      const api = vectorAdminApi(connection);
      await load(api);
      return await timed((query) =>
        api.search({
          tenantId: 'acme',
          table: 'items',
          vector: wireVector(query, 'f32le'),
          limit: 10,
          withPayload: false,
        }),
      );
    } finally {
      connection.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await using nats = await NatsServer.start({ jetstream: true });
const paths: Record<string, () => Promise<Stats>> = {
  'A store alone (in process)': storeAlone,
  'B service, events off': () => throughService({ VECTORADMIN_EVENTS: 'off' }),
  'C service, events on': () => throughService({ NATS_URL: nats.url }),
};
const order = ['A', 'B', 'C', 'C', 'B', 'A'];
console.log(
  `${pointCount} × ${DIM} points (flat scan), ${queryCount} sequential searches per run, limit 10, ` +
    `no payload; load ${loadAverage()}`,
);
console.log('| path | run | p50 ms | p90 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
const runs = new Map<string, number>();
for (const letter of order) {
  const [name, run] = Object.entries(paths).find(([key]) => key.startsWith(letter))!;
  const n = (runs.get(letter) ?? 0) + 1;
  runs.set(letter, n);
  const s = await run();
  console.log(
    `| ${name} | ${n} | ${s.p50_ms.toFixed(2)} | ${s.p90_ms.toFixed(2)} | ${s.p99_ms.toFixed(2)} |`,
  );
}
console.log(`load after: ${loadAverage()}`);
