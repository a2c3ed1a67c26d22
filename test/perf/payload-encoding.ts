// What sending payloads as JSON (`payload_json`) saves over a google.protobuf.Struct, side by
// side in one run, on the bench's own rows (1,536-d vectors as f32le, its work_items payloads
// of ~500 bytes as JSON):
//  1. the codec alone, in this process: a client encoding batches of 1,024 points, and the
//     service decoding them into the points it validates (CPU µs per point);
//  2. end to end: the service in its own process (embedded store, events off, no vector index
//     so no build competes) takes `points` new ids per run over UpsertStream (batches of 1,024,
//     window 8), its payloads as Struct or as JSON, in the order S J J S after a short unmeasured
//     run of each: vectors/s, and CPU per point of this client (which also makes the rows) and of
//     the service.
//
//   node --import tsx test/perf/payload-encoding.ts [points=100000] [codecPoints=20000]
import { rm } from 'node:fs/promises';
import { pointInputsFromProto } from '../../src/api/point-mappers.js';
import { SyntheticTable } from '../../src/bench/dataset.js';
import { payloadOf } from '../../src/bench/payloads.js';
import {
  connect,
  streamUpserts,
  wireId,
  wirePayloadJson,
  wireVector,
  type StreamBatch,
} from '../../src/client/index.js';
import { SERVICE_PROCESS_ENV } from '../../src/config/child-env.js';
import { UpsertRequest, type Point } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { loadAverage } from '../helpers/load-average.js';
import { withCpu } from '../helpers/process-cpu.js';

const [pointCount = 100_000, codecPoints = 20_000] = process.argv.slice(2).map(Number);
const DIM = 1536;
const BATCH = 1024;
const WINDOW = 8;
type Form = 'struct' | 'json';
const FORMS: readonly Form[] = ['struct', 'json', 'json', 'struct'];

/** A row before it is put on the wire: its vector and its payload object. */
type Row = Omit<Point, 'payload' | 'payloadJson'> & { readonly payload: Point['payload'] };

function rows(table: SyntheticTable, from: number, to: number): Row[] {
  const out: Row[] = [];
  for (let i = from; i < to; i++)
    out.push({
      id: wireId(i),
      vector: wireVector(table.vector(i)),
      payload: payloadOf(table.table, i, table.seed),
    });
  return out;
}

function onWire(batch: readonly Row[], form: Form): Point[] {
  return form === 'json'
    ? batch.map(({ payload, ...row }) => ({ ...row, payloadJson: wirePayloadJson(payload ?? {}) }))
    : [...batch];
}

function points(table: SyntheticTable, from: number, to: number, form: Form): Point[] {
  return onWire(rows(table, from, to), form);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/**
 * CPU µs per point to encode a batch as the client sends it, from its rows' payload objects, and
 * to decode it as the service.
 */
function codec(form: Form, count = codecPoints): [number, number] {
  const table = new SyntheticTable('acme', 'work_items', DIM, count, 11);
  const batches: Row[][] = [];
  for (let from = 0; from < count; from += BATCH)
    batches.push(rows(table, from, Math.min(count, from + BATCH)));
  // Timed from the payload objects: JSON.stringify is part of what JSON costs the client.
  let started = process.cpuUsage();
  const wire = batches.map((batch, seq) =>
    UpsertRequest.encode({
      tenantId: 'acme',
      table: 'work_items',
      seq: BigInt(seq),
      points: onWire(batch, form),
    })
      .finish()
      .slice(),
  );
  const encodeMs = cpuMs(started);
  started = process.cpuUsage();
  for (const bytes of wire) pointInputsFromProto(UpsertRequest.decode(bytes).points);
  const decodeMs = cpuMs(started);
  return [(encodeMs * 1000) / count, (decodeMs * 1000) / count];
}

async function endToEnd(
  service: ServiceProcess,
  run: number,
  form: Form,
  count = pointCount,
): Promise<string[]> {
  const table = new SyntheticTable(
    'acme',
    `run_${run < 0 ? 'warm' : run}_${form}`,
    DIM,
    count,
    11 + run,
  );
  const connection = connect({ address: service.address });
  try {
    function* batches(): Generator<StreamBatch> {
      for (let from = 0; from < count; from += BATCH) {
        const to = Math.min(count, from + BATCH);
        const batch = {
          tenantId: 'acme',
          table: table.table,
          points: points(table, from, to, form),
        };
        yield from === 0
          ? { ...batch, autoCreate: { vectorSize: DIM, distance: 0, tenancy: 0 } }
          : batch;
      }
    }
    const run = await withCpu(service.pid!, () =>
      streamUpserts(connection, batches(), { window: WINDOW }),
    );
    const { rejected } = run.result;
    if (rejected.length > 0) throw new Error(`batch refused: ${rejected[0]!.seq}`);
    const perPoint = (cpuSeconds: number) => ((cpuSeconds * 1e6) / count).toFixed(0);
    return [
      (count / run.seconds).toFixed(0),
      perPoint(run.ownCpuSeconds),
      perPoint(run.otherCpuSeconds),
    ];
  } finally {
    connection.close();
  }
}

// Compiled and warm before the first measured form, which would otherwise pay for both.
for (const form of FORMS.slice(0, 2)) codec(form, 2 * BATCH);
console.log(`codec: ${codecPoints} rows of the bench's work_items table; load ${loadAverage()}`);
console.log('| payload | encode µs/point (client) | decode µs/point (service) |');
console.log('| --- | ---: | ---: |');
for (const form of FORMS) {
  const [encode, decode] = codec(form);
  console.log(`| ${form} | ${encode.toFixed(1)} | ${decode.toFixed(1)} |`);
}

const dataDir = await serviceDataDir('vectoradmin-payload-');
try {
  await using service = await ServiceProcess.start({
    port: await freePort(),
    dataDir,
    env: {
      ...SERVICE_PROCESS_ENV,
      VECTORADMIN_EVENTS: 'off',
      VECTORADMIN_EMBEDDED_INDEX_THRESHOLD: String(pointCount + 1),
    },
  });
  console.log(
    `\nend to end: ${pointCount} × ${DIM} new ids per run (batches of ${BATCH}, window ${WINDOW}); load ${loadAverage()}`,
  );
  // A fresh service and client are slower on their first batches, whichever form comes first.
  for (const form of FORMS.slice(0, 2)) await endToEnd(service, -1, form, 10 * BATCH);
  console.log('| payload | run | vectors/s | client CPU µs/point | service CPU µs/point |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [run, form] of FORMS.entries()) {
    const figures = await endToEnd(service, run, form);
    console.log(
      `| ${form} | ${FORMS.slice(0, run + 1).filter((f) => f === form).length} | ${figures.join(' | ')} |`,
    );
  }
  console.log(`load after: ${loadAverage()}`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
