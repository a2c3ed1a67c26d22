import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { streamUpserts, wireId, wireVector } from '../../src/client/index.js';
import type { VectorStore } from '../../src/domain/ports.js';
import type { Point } from '../../src/domain/types.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { createQdrantGrpcVectorStore } from '../../src/stores/qdrant-grpc-vector-store.js';
import { createQdrantVectorStore } from '../../src/stores/qdrant-vector-store.js';
import { seededRandom, randomVector } from '../helpers/points.js';
import { startTestStack, tenantKey } from '../helpers/vector-admin-stack.js';

/**
 * Client side of Qdrant's two transports, side by side in one run (prints figures, asserts
 * nothing): CPU time of this process to build and send an upsert of 1,000 points of 1,536
 * floats (REST JSON vs gRPC packed floats), then the service's vectors/s through UpsertStream
 * on each transport. The peers run in a child process, so their work is not counted here.
 *
 *   node --import tsx test/perf/qdrant-transports.ts [rounds=8] [streamPoints=20480]
 */

const DIM = 1536;
const POINTS = 1000;
const ROUNDS = Number(process.argv[2] ?? 8);
const STREAM_POINTS = Number(process.argv[3] ?? 20_480);
const STREAM_BATCH = 256;

const child = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./qdrant-peers-child.ts', import.meta.url))],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const { url, grpcPort } = JSON.parse(line) as { url: string; grpcPort: number };

const random = seededRandom(42);
const points: Point[] = Array.from({ length: POINTS }, (_, i) => ({
  id: i,
  vector: randomVector(random, DIM),
  payload: { i, group: i % 7 === 0 ? 'a' : 'b' },
}));

const stores: Record<'rest' | 'grpc', VectorStore> = {
  rest: createQdrantVectorStore({ url, timeoutMs: 60_000 }),
  grpc: createQdrantGrpcVectorStore({ url, grpcPort, timeoutMs: 60_000 }),
};
const cpuMs = { rest: [] as number[], grpc: [] as number[] };
const wallMs = { rest: [] as number[], grpc: [] as number[] };
for (const [name, store] of Object.entries(stores)) {
  await store.createCollection(`perf_${name}`, { vectorSize: DIM, distance: 'cosine' });
  await store.upsert(`perf_${name}`, points); // warm-up: connections, JIT
}
// Alternating rounds, so a change in machine load hits both transports alike.
for (let round = 0; round < ROUNDS; round += 1) {
  for (const name of ['rest', 'grpc'] as const) {
    const started = performance.now();
    const before = process.cpuUsage();
    await stores[name].upsert(`perf_${name}`, points);
    const used = process.cpuUsage(before);
    cpuMs[name].push((used.user + used.system) / 1000);
    wallMs[name].push(performance.now() - started);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perThousand = (ms: number) => (ms * 1000) / POINTS;

console.log(
  `machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at start of figures; node ${process.version}`,
);
console.log(
  `\nclient CPU to build and send one upsert of ${POINTS} × ${DIM}-d points (median of ${ROUNDS})`,
);
console.log('transport  cpu ms / 1,000 points  wall ms / 1,000 points');
for (const name of ['rest', 'grpc'] as const) {
  console.log(
    `${name.padEnd(9)}  ${perThousand(median(cpuMs[name])).toFixed(1).padStart(21)}  ${perThousand(median(wallMs[name])).toFixed(1).padStart(22)}`,
  );
}
const ratio = median(cpuMs.grpc) / median(cpuMs.rest);
console.log(
  `grpc / rest client CPU: ${ratio.toFixed(3)} (target ≤ 0.333: ${ratio <= 1 / 3 ? 'met' : 'not met'})`,
);
await Promise.all(Object.values(stores).map((s) => s.close()));

console.log(
  `\nservice UpsertStream: ${STREAM_POINTS} points of ${DIM}-d in batches of ${STREAM_BATCH}`,
);
console.log('transport  vectors/s  service process cpu ms / 1,000 points');
for (const transport of ['rest', 'grpc'] as const) {
  await using stack = await startTestStack({
    tenants: ['perf'],
    env: {
      VECTORADMIN_STORE: 'qdrant',
      QDRANT_URL: url,
      QDRANT_GRPC_PORT: String(grpcPort),
      QDRANT_TRANSPORT: transport,
    },
  });
  const wire = points.map((p) => ({
    id: wireId(p.id as number),
    vector: wireVector(p.vector),
    payload: p.payload,
  }));
  function* batches() {
    for (let sent = 0; sent < STREAM_POINTS; sent += STREAM_BATCH) {
      yield {
        table: `stream_${transport}`,
        points: wire.slice(sent % POINTS, (sent % POINTS) + STREAM_BATCH).map((p, i) => ({
          ...p,
          id: wireId(sent + i),
        })),
        autoCreate: { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 },
      };
    }
  }
  const started = performance.now();
  const before = process.cpuUsage();
  const result = await streamUpserts(stack.connection(tenantKey('perf')), batches());
  const used = process.cpuUsage(before);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${transport.padEnd(9)}  ${Math.round(result.upserted / seconds)
      .toString()
      .padStart(9)}  ${perThousand(((used.user + used.system) / 1000) * (POINTS / result.upserted))
      .toFixed(1)
      .padStart(38)}`,
  );
}
child.stdin.end();
await once(child, 'exit');
