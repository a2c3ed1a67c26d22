// The service's ingest alone, as the bench's primary ingest sends it, without the rest of the
// bench's stack: the same rows (work_items, record ids, f32le vectors and JSON payloads), the
// same collection config (cosine, two integer payload indexes, the default index policy),
// batches of 1,024 over one stream with window 8, into a service with events on (its own
// nats-server). Runs alternate without and with a metrics consumer reading the events
// (order N C C N), each into a new service on a new data dir: one service would build the last
// run's vector index beside the next run's ingest. Prints vectors/s and the
// cores this client and the service used; the bench's own figure for the same rows is its
// primary ingest (docs/BENCHMARKS.md, "The service's ingest alone").
//
//   node --import tsx test/perf/service-ingest.ts [points=300000] [runs=4]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchCollectionConfig } from '../../src/bench/context.js';
import { SyntheticTable } from '../../src/bench/dataset.js';
import { Encoding } from '../../src/bench/profiles.js';
import { connect, streamUpserts, type StreamBatch } from '../../src/client/index.js';
import { SERVICE_PROCESS_ENV } from '../../src/config/child-env.js';
import { spawnConsumer, type ConsumerProcess } from '../helpers/consumer-stack.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { loadAverage } from '../helpers/load-average.js';
import { NatsServer } from '../helpers/nats-server.js';
import { withCpu } from '../helpers/process-cpu.js';

const [pointCount = 300_000, runs = 4] = process.argv.slice(2).map(Number);
const DIM = 1536;
const BATCH = 1024;
const WINDOW = 8;
const ORDER = ['none', 'consumer', 'consumer', 'none'] as const;
type Reader = (typeof ORDER)[number];

async function ingest(service: ServiceProcess, run: number): Promise<string[]> {
  const table = new SyntheticTable(`run${run}`, 'work_items', DIM, pointCount, 11 + run);
  const connection = connect({ address: service.address });
  try {
    function* batches(): Generator<StreamBatch> {
      let first = true;
      for (const points of table.wireBatches(BATCH, Encoding.F32le)) {
        const batch = { tenantId: table.tenantId, table: table.table, points };
        yield first ? { ...batch, autoCreate: benchCollectionConfig(DIM) } : batch;
        first = false;
      }
    }
    const run = await withCpu(service.pid!, () =>
      streamUpserts(connection, batches(), { window: WINDOW }),
    );
    const { rejected } = run.result;
    if (rejected.length > 0) throw new Error(`batch refused: ${rejected[0]!.seq}`);
    return [
      (pointCount / run.seconds).toFixed(0),
      (run.ownCpuSeconds / run.seconds).toFixed(2),
      (run.otherCpuSeconds / run.seconds).toFixed(2),
    ];
  } finally {
    connection.close();
  }
}

async function run(index: number): Promise<string[]> {
  const dataDir = await serviceDataDir('vectoradmin-service-ingest-');
  try {
    await using service = await ServiceProcess.start({
      port: await freePort(),
      dataDir,
      env: { ...SERVICE_PROCESS_ENV, VECTORADMIN_EVENTS: 'on', NATS_URL: nats.url },
    });
    return await ingest(service, index);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await using nats = await NatsServer.start();
const consumerDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-service-ingest-consumer-'));
let consumer: ConsumerProcess | undefined;
try {
  console.log(
    `${pointCount} × ${DIM} per run (batches of ${BATCH}, window ${WINDOW}); load ${loadAverage()}`,
  );
  console.log('| run | events read by | vectors/s | client cores | service cores |');
  console.log('| ---: | --- | ---: | ---: | ---: |');
  for (let index = 0; index < runs; index++) {
    const reader: Reader = ORDER[index % ORDER.length]!;
    if (reader === 'consumer' && consumer === undefined) {
      consumer = spawnConsumer({
        VECTORADMIN_DATA_DIR: consumerDir,
        NATS_URL: nats.url,
        VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
        VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      });
      await consumer.ready;
    } else if (reader === 'none' && consumer !== undefined) {
      consumer.kill('SIGTERM');
      await consumer.exited;
      consumer = undefined;
    }
    console.log(`| ${index + 1} | ${reader} | ${(await run(index)).join(' | ')} |`);
  }
  console.log(`load after: ${loadAverage()}`);
} finally {
  if (consumer !== undefined) {
    consumer.kill('SIGTERM');
    await consumer.exited;
  }
  await rm(consumerDir, { recursive: true, force: true });
}
