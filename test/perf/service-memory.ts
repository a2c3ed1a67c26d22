// What the service's memory settings save and cost, side by side in one run: the service in
// its own process (embedded store, events off, MALLOC_ARENA_MAX=2 as it runs in production)
// takes a streamed ingest of new ids, then exact searches one at a time, eight at once, and
// filtered ones (queries=0: the ingest only). A-C hand freed heap memory back to the kernel
// (VECTORADMIN_MALLOC_TRIM_MS) never, every second, every 250 ms, with no vector index; D and E
// add what the bench's server runs with (events, the vector index) to tell their share apart,
// F is E untrimmed; I and J are E and G trimmed only once memory grew 256 MB since the last
// trim (the default; A-H trim whatever was freed). G and H compare exact scans of an
// index-sized table one at a time (the default) and two at once
// (VECTORADMIN_EMBEDDED_MAX_LARGE_SCANS). Each setting runs twice, in the order A B C C B A,
// so drift in the machine's load shows as a difference between a setting's two runs.
//
//   node --import tsx test/perf/service-memory.ts [points=200000] [queries=8]
//   (VECTORADMIN_PERF_SETTINGS='A|B' runs a subset; the default is A, B and C)
import { rm } from 'node:fs/promises';
import { Metadata } from '@grpc/grpc-js';
import { LatencyRecorder } from '../../src/bench/latency.js';
import { connect, call, wireId, wireVector, type Connection } from '../../src/client/index.js';
import { SERVICE_PROCESS_ENV } from '../../src/config/child-env.js';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { loadAverage } from '../helpers/load-average.js';
import { NatsServer } from '../helpers/nats-server.js';
import { randomVector, seededRandom } from '../helpers/points.js';

const [pointCount = 200_000, queryCount = 8] = process.argv.slice(2).map(Number);
const DIM = 1536;
const BATCH = 1024;
const WINDOW = 8;
const TRIM_1S = { VECTORADMIN_MALLOC_TRIM_MS: '1000', VECTORADMIN_MALLOC_TRIM_GROWTH_MB: '0' };
const INDEX_SIZED = {
  VECTORADMIN_EMBEDDED_INDEX_KIND: 'ivf_rq',
  VECTORADMIN_EMBEDDED_INDEX_THRESHOLD: '20000',
};
const settings: Record<string, (natsUrl: string) => Record<string, string>> = {
  'A never': () => ({ VECTORADMIN_MALLOC_TRIM_MS: '0' }),
  'B every 1 s': () => TRIM_1S,
  'C every 250 ms': () => ({ ...TRIM_1S, VECTORADMIN_MALLOC_TRIM_MS: '250' }),
  'D every 1 s, events on': (natsUrl) => ({
    ...TRIM_1S,
    VECTORADMIN_EVENTS: 'on',
    NATS_URL: natsUrl,
  }),
  'E every 1 s, events on, ivf_rq index from 20,000': (natsUrl) => ({
    ...indexedWithEvents(natsUrl),
    ...TRIM_1S,
  }),
  'F never, events on, ivf_rq index from 20,000': (natsUrl) => ({
    ...indexedWithEvents(natsUrl),
    VECTORADMIN_MALLOC_TRIM_MS: '0',
  }),
  'I every 1 s once grown 256 MB (default), events on, ivf_rq index from 20,000': (natsUrl) => ({
    ...indexedWithEvents(natsUrl),
    VECTORADMIN_MALLOC_TRIM_MS: '1000',
    VECTORADMIN_MALLOC_TRIM_GROWTH_MB: '256',
  }),
  'G every 1 s, index-sized, exact scans one at a time': () => ({
    ...TRIM_1S,
    ...INDEX_SIZED,
    VECTORADMIN_EMBEDDED_MAX_LARGE_SCANS: '1',
  }),
  'J every 1 s once grown 256 MB (default), index-sized, exact scans one at a time': () => ({
    ...INDEX_SIZED,
    VECTORADMIN_MALLOC_TRIM_MS: '1000',
    VECTORADMIN_MALLOC_TRIM_GROWTH_MB: '256',
    VECTORADMIN_EMBEDDED_MAX_LARGE_SCANS: '1',
  }),
  'H every 1 s, index-sized, exact scans two at a time': () => ({
    ...TRIM_1S,
    ...INDEX_SIZED,
    VECTORADMIN_EMBEDDED_MAX_LARGE_SCANS: '2',
  }),
};

/** Events and the vector index, as the bench's server runs. */
function indexedWithEvents(natsUrl: string): Record<string, string> {
  return {
    VECTORADMIN_EVENTS: 'on',
    NATS_URL: natsUrl,
    ...INDEX_SIZED,
  };
}

const random = seededRandom(3);
// Four batches of distinct vectors, reused under new ids, keep this client's share of the cores
// small.
const vectorPool = Array.from({ length: 4 * BATCH }, () =>
  wireVector(randomVector(random, DIM), 'f32le'),
);
const queries = Array.from({ length: queryCount }, () =>
  wireVector(randomVector(random, DIM), 'f32le'),
);

function batch(seq: number): pb.UpsertRequest {
  const from = (seq - 1) * BATCH;
  const points = Array.from({ length: Math.min(BATCH, pointCount - from) }, (_, i) => ({
    id: wireId(from + i),
    vector: vectorPool[(from + i) % vectorPool.length]!,
    payload: { n: from + i, parity: (from + i) % 2 === 0 ? 'even' : 'odd' },
  }));
  return {
    tenantId: 'acme',
    table: 'items',
    seq: BigInt(seq),
    points,
    autoCreate: { vectorSize: DIM, distance: 0, tenancy: 0 },
  };
}

interface IngestRates {
  readonly whole: number;
  /** Vectors/s over the first and the last tenth of the batches, by their acks. */
  readonly firstTenth: number;
  readonly lastTenth: number;
}

/** Streams every point with a window of WINDOW batches; resolves to vectors per second. */
async function ingest(connection: Connection): Promise<IngestRates> {
  const batches = Math.ceil(pointCount / BATCH);
  const tenth = Math.max(1, Math.floor(batches / 10));
  const call = connection.raw.upsertStream(new Metadata(), connection.callOptions(3_600_000));
  const started = performance.now();
  const ackedAt: number[] = [];
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    const send = () => {
      while (sent < batches && sent - ackedAt.length < WINDOW) call.write(batch(++sent));
      if (ackedAt.length === batches) call.end();
    };
    call.on('data', (ack: pb.UpsertAck) => {
      if (ack.errors.length > 0) reject(new Error(`point refused: ${ack.errors[0]!.message}`));
      ackedAt.push(performance.now());
      send();
    });
    call.on('end', resolve);
    call.on('error', reject);
    send();
  });
  const rate = (from: number, to: number) =>
    ((to - from) * BATCH) /
    ((ackedAt[to - 1]! - (from === 0 ? started : ackedAt[from - 1]!)) / 1000);
  return {
    whole: pointCount / ((ackedAt[batches - 1]! - started) / 1000),
    firstTenth: rate(0, tenth),
    lastTenth: rate(batches - tenth, batches),
  };
}

function rates(r: IngestRates): string {
  return `${r.whole.toFixed(0)} (${r.firstTenth.toFixed(0)} / ${r.lastTenth.toFixed(0)})`;
}

type Search = (query: pb.Vector) => Promise<unknown>;

/** Half the points match: `parity` is `even` on every other id. */
const EVEN: pb.Filter = {
  must: [
    {
      key: 'parity',
      condition: { $case: 'match', value: { value: { $case: 'keyword', value: 'even' } } },
    },
  ],
  should: [],
  mustNot: [],
};

async function timed(search: Search, concurrency: number): Promise<LatencyRecorder> {
  const latency = new LatencyRecorder();
  const work = Array.from({ length: queryCount * concurrency }, (_, i) => queries[i % queryCount]!);
  const worker = async () => {
    for (let query = work.pop(); query !== undefined; query = work.pop()) {
      const started = performance.now();
      await search(query);
      latency.record(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latency;
}

/** RSS / high-water of the service now, in MB. */
async function memory(service: ServiceProcess): Promise<string> {
  const { rss, highWater } = await service.memoryBytes();
  return `${(rss / 2 ** 20).toFixed(0)} / ${(highWater / 2 ** 20).toFixed(0)}`;
}

async function run(env: Record<string, string>): Promise<string[]> {
  const dataDir = await serviceDataDir('vectoradmin-memory-');
  try {
    await using service = await ServiceProcess.start({
      port: await freePort(),
      dataDir,
      env: {
        ...SERVICE_PROCESS_ENV,
        VECTORADMIN_EVENTS: 'off',
        VECTORADMIN_EMBEDDED_INDEX_THRESHOLD: String(pointCount + 1),
        ...env,
      },
    });
    const connection = connect({ address: service.address });
    try {
      const rate = await ingest(connection);
      const afterIngest = await memory(service);
      if (queryCount === 0) return [rates(rate), afterIngest, '-', '-', '-', '-'];
      // Eight exact scans queue behind one another (one runs at a time): past the client's
      // default 30 s deadline on a loaded machine.
      const raw = connection.raw;
      const search =
        (filter: pb.Filter | undefined): Search =>
        (vector) =>
          call(
            connection,
            raw.search.bind(raw),
            {
              tenantId: 'acme',
              table: 'items',
              vector,
              limit: 10,
              withPayload: false,
              filter,
              params: { exact: true },
            },
            600_000,
          );
      const c1 = (await timed(search(undefined), 1)).stats();
      const c8 = (await timed(search(undefined), 8)).stats();
      const filtered = (await timed(search(EVEN), 1)).stats();
      const ms = (stats: { p50_ms: number }) => stats.p50_ms.toFixed(0);
      return [rates(rate), afterIngest, ms(c1), ms(c8), ms(filtered), await memory(service)];
    } finally {
      connection.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await using nats = await NatsServer.start({ jetstream: true });
const chosen = process.env['VECTORADMIN_PERF_SETTINGS']?.split('|') ?? ['A', 'B', 'C'];
const order = [...chosen, ...[...chosen].reverse()];
console.log(
  `${pointCount} × ${DIM} new ids streamed (batches of ${BATCH}, window ${WINDOW}), then ` +
    `${queryCount} exact searches one at a time, ${queryCount * 8} eight at once, ` +
    `${queryCount} filtered (half the points match); load ${loadAverage()}`,
);
console.log(
  '| setting | run | ingest vectors/s (first / last tenth) | after ingest: RSS / high-water MB | exact p50 ms | 8 at once p50 ms | filtered p50 ms | after searches: RSS / high-water MB |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const runs = new Map<string, number>();
for (const letter of order) {
  const [name, env] = Object.entries(settings).find(([key]) => key.startsWith(letter))!;
  const n = (runs.get(letter) ?? 0) + 1;
  runs.set(letter, n);
  console.log(`| ${name.slice(2)} | ${n} | ${(await run(env(nats.url))).join(' | ')} |`);
}
console.log(`load after: ${loadAverage()}`);
