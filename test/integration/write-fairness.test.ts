import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startGrpcServer } from '../../src/api/index.js';
import {
  connect,
  streamUpserts,
  vectorAdminApi,
  type StreamBatch,
} from '../../src/client/index.js';
import {
  ApiKeys,
  CollectionNaming,
  WriteScheduler,
  type Point,
  type VectorStore,
} from '../../src/domain/index.js';
import { DisabledEventBus } from '../../src/events/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/index.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import { waitFor } from '../helpers/wait-for.js';

const DIM = 64;
const FLOOD_POINTS = 100;
const FLOOD_BYTES = FLOOD_POINTS * DIM * 4;
const FLOOD_STREAMS = 4;
const FLOOD_BATCHES = 2;

/** The embedded store, recording the collection of each upsert as it reaches the store and
 * holding the flooding tenant's upserts while `held` is set. */
function recordingStore(store: VectorStore) {
  const order: string[] = [];
  let release: () => void = () => undefined;
  let held: Promise<void> | undefined;
  const upsert = async (name: string, points: readonly Point[]) => {
    order.push(name);
    if (held !== undefined && name.includes('flood')) await held;
    return store.upsert(name, points);
  };
  return {
    order,
    store: new Proxy(store, {
      get: (target, key, receiver) =>
        key === 'upsert' ? upsert : (Reflect.get(target, key, receiver) as unknown),
    }),
    hold: () => {
      held = new Promise((resolve) => (release = resolve));
    },
    release: () => {
      held = undefined;
      release();
    },
  };
}

test("write fairness - a flooding tenant's queued batches do not go ahead of another tenant's batch", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-fairness-'));
  const embedded = await createEmbeddedVectorStore({ dataDir });
  const recording = recordingStore(embedded);
  // Room for one flood batch at a time: everything else waits for its turn.
  const writes = new WriteScheduler({ maxBytes: FLOOD_BYTES, tenantMaxBytes: 0 });
  const server = await startGrpcServer(
    {
      instanceId: 'write-fairness',
      store: recording.store,
      events: new DisabledEventBus(),
      logger: silentLogger,
      keys: new ApiKeys(new Map(), undefined),
      naming: new CollectionNaming('client_'),
      defaultVectorSize: DIM,
      limits: { maxPoints: 1024, maxPayloadBytes: 65_536, maxSearchLimit: 100 },
      maxMessageBytes: 16 * 1024 * 1024,
      streamWindow: 8,
      streams: { perTenant: 64, perConnection: 16, idleTimeoutMs: 60_000 },
      maxInflightBytes: 256 * 1024 * 1024,
      writes,
    },
    '127.0.0.1:0',
  );
  const connection = connect({ address: `127.0.0.1:${server.port}` });
  try {
    const random = seededRandom(17);
    const autoCreate = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };
    const batch = (tenantId: string, table: string, from: number, count: number): StreamBatch => ({
      tenantId,
      table,
      points: wirePoints(random, DIM, from, count).points,
      autoCreate,
    });
    const floodBatches = (s: number) =>
      Array.from({ length: FLOOD_BATCHES }, (_, b) =>
        batch('flood', `flood_${s}`, b * FLOOD_POINTS, FLOOD_POINTS),
      );
    // The collections exist first, so what follows is writes alone.
    for (let s = 0; s < FLOOD_STREAMS; s++)
      await streamUpserts(connection, [batch('flood', `flood_${s}`, 10_000, 1)]);
    await streamUpserts(connection, [batch('victim', 'items', 10_000, 1)]);
    recording.order.length = 0;

    recording.hold();
    const flooding = Array.from({ length: FLOOD_STREAMS }, (_, s) =>
      streamUpserts(connection, floodBatches(s)),
    );
    // One flood batch is at the store; each other stream's first batch waits for its turn.
    await waitFor(() => writes.waitingWrites() === FLOOD_STREAMS - 1, {
      timeoutMs: 20_000,
      reason: 'the flood streams to queue their batches',
    });
    const victim = streamUpserts(connection, [batch('victim', 'items', 0, 10)]);
    await waitFor(() => writes.waitingWrites() === FLOOD_STREAMS, {
      timeoutMs: 20_000,
      reason: "the victim's batch to queue behind the flood",
    });
    recording.release();
    const [victimResult, ...floodResults] = await Promise.all([victim, ...flooding]);

    assert.equal(victimResult.batches, 1);
    for (const result of floodResults) assert.equal(result.batches, FLOOD_BATCHES);
    const victimAt = recording.order.findIndex((name) => name.includes('victim'));
    // FIFO would put it after the three flood batches queued before it (index 4).
    assert.equal(victimAt, 1, `store order: ${recording.order.join(', ')}`);
    assert.equal(recording.order.length, FLOOD_STREAMS * FLOOD_BATCHES + 1);
    const api = vectorAdminApi(connection);
    const { count } = await api.count({ tenantId: 'victim', table: 'items', exact: true });
    assert.equal(count, 11n);
    for (let s = 0; s < FLOOD_STREAMS; s++) {
      const flood = await api.count({ tenantId: 'flood', table: `flood_${s}`, exact: true });
      assert.equal(flood.count, BigInt(FLOOD_BATCHES * FLOOD_POINTS + 1));
    }
  } finally {
    recording.release();
    connection.close();
    await server.stop(2000);
    await embedded.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
