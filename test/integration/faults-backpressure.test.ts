import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { status, type StatusObject } from '@grpc/grpc-js';
import { connect, streamUpserts, vectorAdminApi, wireId } from '../../src/client/index.js';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { reportReliability } from '../helpers/fault-report.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { QdrantSpecPeer } from '../helpers/qdrant-spec-peer.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { keysEnv, tenantKey, uniqueName, uniqueTable } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const DIM = 1024;
const POINTS = 512;
const BATCH_BYTES = DIM * POINTS * 4; // 2 MiB of vectors per batch
const BATCHES = 24;
const WINDOW = 2;
/** grpc-js's client call buffers 16 messages before write() says "wait". */
const CLIENT_BUFFERED = 16;
const OBSERVE_MS = 1500;

const VECTOR = Buffer.from(new Float32Array(DIM).fill(0.25).buffer);

/** `count` points of batch `b`, ids following on from the batches before. */
function batchPoints(b: number, count: number): pb.Point[] {
  return Array.from({ length: count }, (_, p) => ({
    id: wireId(b * POINTS + p),
    vector: { kind: { $case: 'f32le', value: VECTOR } },
    payload: { b },
  }));
}

/** A raw UpsertStream writer that honours write()'s backpressure and nothing else. */
function writeAll(call: ReturnType<pb.VectorAdminClient['upsertStream']>, table: string) {
  const progress = { handedOver: 0, waitingForDrain: false, done: false };
  const finished = (async () => {
    for (let b = 0; b < BATCHES; b++) {
      const points = batchPoints(b, POINTS);
      const more = call.write({
        tenantId: '',
        table,
        seq: BigInt(b + 1),
        points,
        autoCreate: undefined,
      });
      progress.handedOver += 1;
      if (!more) {
        progress.waitingForDrain = true;
        await once(call, 'drain');
        progress.waitingForDrain = false;
      }
    }
    call.end();
    progress.done = true;
  })();
  return { progress, finished };
}

test('faults backpressure - a stalled store: service memory stays bounded and the client is held back, then all lands', async () => {
  const tenant = uniqueName('stalled-store');
  await using peer = await QdrantSpecPeer.start();
  await using proxy = await TcpProxy.forUrl(peer.url);
  const dataDir = await serviceDataDir('faults-bp-');
  try {
    await using service = await ServiceProcess.start({
      port: await freePort(),
      dataDir,
      env: {
        VECTORADMIN_EVENTS: 'off',
        ...keysEnv([tenant]),
        VECTORADMIN_STORE: 'qdrant',
        QDRANT_URL: proxy.url('http'),
        QDRANT_TIMEOUT: '60',
        VECTORADMIN_STREAM_WINDOW: String(WINDOW),
        VECTORADMIN_MAX_INFLIGHT_BYTES: String(1024 * 1024),
      },
    });
    const connection = connect({ address: service.address, apiKey: tenantKey(tenant) });
    const api = vectorAdminApi(connection);
    const table = uniqueTable('stalled');
    await api.createCollection({
      tenantId: '',
      table,
      config: { vectorSize: DIM, distance: Distance.DISTANCE_DOT, tenancy: 0 },
    });
    // Warm the stream path up first, so the baseline holds its code and buffers.
    await streamUpserts(connection, [{ table, points: batchPoints(BATCHES, 16) }]);
    const rssBefore = await service.rssBytes();
    proxy.stall();
    const call = connection.raw.upsertStream(connection.metadata());
    const acks: pb.UpsertAck[] = [];
    call.on('data', (ack: pb.UpsertAck) => acks.push(ack));
    // Recorded, not thrown: a failed assertion below stops the service and so ends this call.
    const ended = new Promise<number>((resolve) =>
      call.on('status', (s: StatusObject) => resolve(s.code)),
    );
    call.on('error', () => undefined);
    const writer = writeAll(call, table);
    await waitFor(() => writer.progress.waitingForDrain || writer.progress.done, {
      timeoutMs: 20_000,
      reason: 'the client to be told to wait',
    });
    // A bounded observation window: the claim is that nothing moves while the store is stuck.
    let rssPeak = 0;
    const watchedFrom = performance.now();
    await waitFor(
      async () => {
        rssPeak = Math.max(rssPeak, await service.rssBytes());
        return performance.now() - watchedFrom >= OBSERVE_MS;
      },
      { timeoutMs: OBSERVE_MS + 5000, reason: 'the observation window', intervalMs: 50 },
    );
    const handedOver = writer.progress.handedOver;
    assert.equal(acks.length, 0, 'nothing is acknowledged while the store is stalled');
    assert.ok(writer.progress.waitingForDrain, 'the client is still held back');
    assert.ok(
      handedOver <= CLIENT_BUFFERED + WINDOW + 2,
      `the service took at most its window and one read-ahead (${handedOver} handed over)`,
    );
    const growth = rssPeak - rssBefore;
    // Window, read-ahead and the batch in the store call (wire bytes, floats and its JSON):
    // ~23 MiB measured. Reading 16 batches ahead, as grpc-js does by default, made it ~73 MiB.
    const bound = 40 * 2 ** 20;
    assert.ok(
      growth < bound,
      `service RSS grew ${(growth / 2 ** 20).toFixed(1)} MiB, bound ${(bound / 2 ** 20).toFixed(1)} MiB`,
    );

    proxy.resume();
    await writer.finished;
    assert.equal(await ended, status.OK);
    assert.deepEqual(
      acks.map((a) => [a.seq, a.upserted, a.errors.length]),
      Array.from({ length: BATCHES }, (_, i) => [BigInt(i + 1), POINTS, 0]),
    );
    const { count } = await api.count({ tenantId: '', table, filter: undefined, exact: true });
    // The warm-up batch's 16 points sit past the streamed ids.
    assert.equal(count, BigInt(BATCHES * POINTS + 16), 'every acknowledged point is stored');
    assert.deepEqual(peer.violations, []);
    connection.close();
    await reportReliability({
      kind: 'load',
      test: 'stalled store (TCP proxy to the Qdrant peer stops forwarding)',
      what: `one client pushing ${BATCHES} batches of ${BATCH_BYTES / 2 ** 20} MiB with window ${WINDOW} and a 1 MiB in-flight budget, store stalled for ${OBSERVE_MS} ms`,
      checked:
        'Client held back (write() waits for drain); service RSS growth bounded; after resume acks = batches and Count = points sent',
      figures: {
        batchesHandedOverWhileStalled: handedOver,
        rssGrowthMiB: Number((growth / 2 ** 20).toFixed(1)),
        rssBoundMiB: Number((bound / 2 ** 20).toFixed(1)),
        storedPoints: Number(count) - 16,
      },
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
