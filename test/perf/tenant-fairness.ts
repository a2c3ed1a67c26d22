// Fairness between tenants, side by side in one run (issue 17, "Also measure"): another
// tenant's ack p99 while one tenant floods 6 MiB batches, without write bounds (A), with the
// default shared bound, tenants served in turn (B), and with a per-tenant limit on top (C),
// each against its own unloaded p99; D is B with freed memory trimmed every second, as the
// service did before it trimmed only growth. The service runs in its own process (events off,
// embedded store); the victim streams small batches one at a time and times each ack.
// Target: loaded p99 ≤ 2× unloaded.
//
//   node --import tsx test/perf/tenant-fairness.ts [seconds=12] [flooderStreams=1]
//   (VECTORADMIN_PERF_SETTINGS='B|D' runs B D D B; the default is A B C once each)
import { rm } from 'node:fs/promises';
import { Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { LatencyRecorder } from '../../src/bench/latency.js';
import { connect, wireId, wireVector, type Connection } from '../../src/client/index.js';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { loadAverage } from '../helpers/load-average.js';
import { seededRandom, wirePoints } from '../helpers/points.js';

const [seconds = 12, flooderStreams = 1] = process.argv.slice(2).map(Number);
const FLOOD_DIM = 1536;
const FLOOD_POINTS = 1024; // 1024 × 1536 × 4 bytes = 6 MiB of vectors per batch
const VICTIM_DIM = 256;
const VICTIM_POINTS = 32;
const FLOOD_WINDOW = 8;
/** The per-tenant limit the second configuration runs with: one flood batch in flight. */
const TENANT_LIMIT_BYTES = 8 * 1024 * 1024;

type Stream = ClientDuplexStream<pb.UpsertRequest, pb.UpsertAck>;

function openStream(connection: Connection): Stream {
  return connection.raw.upsertStream(new Metadata(), connection.callOptions(600_000));
}

function floodBatch(seq: bigint, stream: number): pb.UpsertRequest {
  const random = seededRandom(stream + 1);
  const points: pb.Point[] = [];
  const vector = new Float32Array(FLOOD_DIM);
  for (let i = 0; i < FLOOD_POINTS; i++) {
    for (let d = 0; d < FLOOD_DIM; d++) vector[d] = random() - 0.5;
    points.push({ id: wireId(i), vector: wireVector(vector, 'f32le'), payload: { i } });
  }
  return {
    tenantId: 'flooder',
    table: `flood_${stream}`,
    seq,
    points,
    autoCreate: { vectorSize: FLOOD_DIM, distance: 0, tenancy: 0 },
  };
}

/** Streams 6 MiB batches with a window until `stop`; resolves to the batches acknowledged. */
async function flood(connection: Connection, stream: number, stop: AbortSignal): Promise<number> {
  const call = openStream(connection);
  const template = floodBatch(1n, stream);
  let seq = 0n;
  let acked = 0;
  let inFlight = 0;
  const done = new Promise<void>((resolve, reject) => {
    call.on('end', resolve);
    call.on('error', (err) => (stop.aborted ? resolve() : reject(err)));
  });
  const send = () => {
    while (!stop.aborted && inFlight < FLOOD_WINDOW) {
      seq += 1n;
      inFlight += 1;
      call.write({ ...template, seq });
    }
    if (stop.aborted && inFlight === 0) call.end();
  };
  call.on('data', () => {
    acked += 1;
    inFlight -= 1;
    send();
  });
  stop.addEventListener('abort', () => (inFlight === 0 ? call.end() : undefined), { once: true });
  send();
  await done;
  return acked;
}

/** One victim batch at a time on one stream for `ms`: each ack's latency from its write. */
async function victim(connection: Connection, ms: number): Promise<LatencyRecorder> {
  const latencies = new LatencyRecorder();
  const call = openStream(connection);
  const random = seededRandom(99);
  const batches = Array.from({ length: 16 }, (_, b) => wirePoints(random, VICTIM_DIM, b * 32, 32));
  const until = performance.now() + ms;
  let seq = 0n;
  const acks: (() => void)[] = [];
  call.on('data', () => acks.shift()?.());
  const ended = new Promise<void>((resolve, reject) => {
    call.on('end', resolve);
    call.on('error', reject);
  });
  while (performance.now() < until) {
    seq += 1n;
    const started = performance.now();
    const acked = new Promise<void>((resolve) => acks.push(resolve));
    call.write({
      tenantId: 'victim',
      table: 'items',
      seq,
      points: batches[Number(seq) % batches.length]!.points.slice(0, VICTIM_POINTS),
      autoCreate: { vectorSize: VICTIM_DIM, distance: 0, tenancy: 0 },
    });
    await acked;
    // The first batch creates the collection: not a steady-state ack.
    if (seq > 1n) latencies.record(performance.now() - started);
  }
  call.end();
  await ended;
  return latencies;
}

interface Figures {
  readonly unloaded: ReturnType<LatencyRecorder['stats']>;
  readonly loaded: ReturnType<LatencyRecorder['stats']>;
  readonly floodBatches: number;
}

async function measure(env: Record<string, string>): Promise<Figures> {
  const dataDir = await serviceDataDir('vectoradmin-fairness-');
  try {
    await using service = await ServiceProcess.start({
      port: await freePort(),
      dataDir,
      env: { VECTORADMIN_EVENTS: 'off', ...env },
    });
    const victimConnection = connect({ address: service.address });
    const floodConnection = connect({ address: service.address });
    try {
      await victim(victimConnection, 2000); // warm-up: collection, code paths, JIT
      const unloaded = await victim(victimConnection, seconds * 1000);
      const stop = new AbortController();
      const flooders = Array.from({ length: flooderStreams }, (_, s) =>
        flood(floodConnection, s, stop.signal),
      );
      // Let the flood reach its steady state before timing the victim.
      await victim(victimConnection, 3000);
      const loaded = await victim(victimConnection, seconds * 1000);
      stop.abort();
      const floodBatches = (await Promise.all(flooders)).reduce((a, b) => a + b, 0);
      return { unloaded: unloaded.stats(), loaded: loaded.stats(), floodBatches };
    } finally {
      victimConnection.close();
      floodConnection.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const configurations: readonly { name: string; env: Record<string, string> }[] = [
  { name: 'A no write bounds', env: { VECTORADMIN_WRITE_INFLIGHT_BYTES: '0' } },
  { name: 'B default: 16 MiB of writes, tenants in turn', env: {} },
  {
    name: `C default + per-tenant limit ${TENANT_LIMIT_BYTES / 1024 / 1024} MiB`,
    env: { VECTORADMIN_TENANT_INFLIGHT_BYTES: String(TENANT_LIMIT_BYTES) },
  },
  {
    name: 'D default, freed memory trimmed every second',
    env: { VECTORADMIN_MALLOC_TRIM_GROWTH_MB: '0' },
  },
];

// VECTORADMIN_PERF_SETTINGS='B|D' runs those in the order B D D B, so drift in the machine's
// load shows as a difference between one configuration's two runs.
const chosen = process.env['VECTORADMIN_PERF_SETTINGS']?.split('|');
const order = chosen === undefined ? ['A', 'B', 'C'] : [...chosen, ...[...chosen].reverse()];

console.log(
  `victim: ${VICTIM_POINTS}×${VICTIM_DIM}-d batches, one at a time; flooder: ${flooderStreams} stream(s) of ` +
    `${FLOOD_POINTS}×${FLOOD_DIM}-d (6 MiB) batches, window ${FLOOD_WINDOW}; ${seconds} s each; ` +
    `load ${loadAverage()}`,
);
console.log(
  '| configuration | unloaded p50 / p99 ms | flooded p50 / p99 ms | p99 ratio | flood batches |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const letter of order) {
  const { name, env } = configurations.find((c) => c.name.startsWith(`${letter} `))!;
  const f = await measure(env);
  const ratio = f.loaded.p99_ms / f.unloaded.p99_ms;
  console.log(
    `| ${name.slice(2)} | ${f.unloaded.p50_ms.toFixed(1)} / ${f.unloaded.p99_ms.toFixed(1)} | ` +
      `${f.loaded.p50_ms.toFixed(1)} / ${f.loaded.p99_ms.toFixed(1)} | ${ratio.toFixed(2)}× | ${f.floodBatches} |`,
  );
}
console.log(`load after: ${loadAverage()}`);
