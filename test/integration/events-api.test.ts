import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { streamUpserts, wireId, wireVector, type StreamBatch } from '../../src/client/index.js';
import type { CloudEvent } from '../../src/events/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { waitForHealth } from '../helpers/health.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';

const DIM = 8;
const STREAM = 'VECTORADMIN_EVENTS';
const config = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };

function tally(events: readonly CloudEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    const key = `${e.data.operation}:${e.data.outcome}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

// Each test has its own broker: event streams bind every event subject, so two cannot share one.
describe('events api', () => {
  test('events api - every operation of a scripted run is exactly one valid event', async () => {
    await using nats = await NatsServer.start();
    const alice = uniqueName('alice');
    const bob = uniqueName('bob');
    await using stack = await startTestStack({
      tenants: [alice, bob],
      natsUrl: nats.url,
      env: { VECTORADMIN_EVENTS_STREAM: STREAM },
    });
    const api = stack.api(tenantKey(alice));
    const table = uniqueTable('work_items');
    await api.createCollection({ tenantId: '', table, config });
    await api.ensureCollection({ tenantId: '', table, config });
    await api.getCollection({ tenantId: '', table });
    await api.listCollections({ tenantId: '' });
    await api.upsert({
      tenantId: '',
      table,
      seq: 1n,
      points: wirePoints(seededRandom(1), DIM, 0, 5).points,
      autoCreate: undefined,
    });
    const bad = wirePoints(seededRandom(2), DIM, 10, 3).points;
    bad[1] = { ...bad[1]!, vector: wireVector(new Float32Array(2)) };
    await streamUpserts(stack.connection(tenantKey(alice)), [
      { table, points: wirePoints(seededRandom(3), DIM, 20, 4).points },
      { table, points: bad },
      { table, points: wirePoints(seededRandom(4), DIM, 30, 4).points },
    ]);
    await api.search({
      tenantId: '',
      table,
      vector: wireVector(new Float32Array(DIM).fill(0.1)),
      limit: 3,
      filter: undefined,
      withPayload: false,
    });
    await api.count({ tenantId: '', table, filter: undefined, exact: true });
    await api.getPoints({ tenantId: '', table, ids: [wireId(0), wireId(99)], withVectors: false });
    await api.deletePoints({ tenantId: '', table, ids: [wireId(0)], filter: undefined });
    await api.getCollection({ tenantId: '', table: 'missing' }).catch((e: ServiceError) => e);
    await api.getCollection({ tenantId: bob, table }).catch((e: ServiceError) => e);
    await api.deleteCollection({ tenantId: '', table });
    const events = await readAllEvents(nats.url, STREAM, 17);
    assert.deepEqual(tally(events), {
      'create_collection:ok': 1,
      'ensure_collection:ok': 1,
      'get_collection:ok': 1,
      'get_collection:error': 2,
      'list_collections:ok': 1,
      'upsert:ok': 3,
      'upsert:error': 1,
      'stream_opened:ok': 1,
      'stream_closed:ok': 1,
      'search:ok': 1,
      'count:ok': 1,
      'get_points:ok': 1,
      'delete_points:ok': 1,
      'delete_collection:ok': 1,
    });
    assert.equal(new Set(events.map((e) => e.id)).size, events.length);
    for (const e of events) {
      assert.equal(e.data.tenant_id, alice, `${e.type} belongs to the caller's tenant`);
      assert.ok(e.subject.startsWith(`vectoradmin.v1.${alice}.`), e.subject);
      assert.equal(e.type, `io.vectoradmin.v1.${e.data.operation}`);
      assert.ok(!JSON.stringify(e).includes(bob), 'no event of alice mentions bob');
    }
    const rejected = events.find(
      (e) => e.data.operation === 'upsert' && e.data.outcome === 'error',
    );
    assert.equal(rejected?.data.grpc_code, 'INVALID_ARGUMENT');
    const denied = events.find((e) => e.data.grpc_code === 'PERMISSION_DENIED');
    assert.ok(denied, 'the refused call is an event under the caller');
    const streamed = events.filter(
      (e) => e.data.operation === 'upsert' && e.data.stream_id !== undefined,
    );
    assert.deepEqual(streamed.map((e) => e.data.seq).sort(), ['1', '2', '3']);
    const got = events.find((e) => e.data.operation === 'get_points');
    assert.equal(got?.data.points, 1, 'a get counts the points it found');
  });

  test('events api - a caller traceparent is continued in the event', async () => {
    await using nats = await NatsServer.start();
    await using stack = await startTestStack({
      natsUrl: nats.url,
      env: { VECTORADMIN_EVENTS_STREAM: STREAM },
    });
    const tenant = uniqueName('trace');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const connection = stack.connection();
    const metadata = new Metadata();
    metadata.set('traceparent', traceparent);
    await new Promise((resolve, reject) =>
      connection.raw.listCollections({ tenantId: tenant }, metadata, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
    const [event] = await readAllEvents(nats.url, STREAM, 1);
    assert.equal(event?.traceparent, traceparent);
    assert.equal(event?.data.operation, 'list_collections');
  });

  test('events api - nats-server killed and restarted mid-ingest: one event per acknowledged batch', async () => {
    await using nats = await NatsServer.start();
    const tenant = uniqueName('restart');
    const stream = STREAM;
    await using stack = await startTestStack({
      tenants: [tenant],
      natsUrl: nats.url,
      env: { VECTORADMIN_EVENTS_STREAM: stream },
    });
    const table = uniqueTable('ingest');
    const random = seededRandom(9);
    const acked: string[] = [];
    let restarted: Promise<void> | undefined;
    function* batches(): Generator<StreamBatch> {
      for (let b = 0; b < 60; b++) {
        // Kill the broker a third of the way in; bring it back while batches keep flowing.
        if (b === 20) restarted = nats.stop({ kill: true }).then(() => nats.restart());
        yield { table, points: wirePoints(random, DIM, b * 10, 10).points, autoCreate: config };
      }
    }
    const result = await streamUpserts(stack.connection(tenantKey(tenant)), batches(), {
      window: 4,
      onAck: (ack) => acked.push(ack.seq.toString()),
    });
    await restarted;
    assert.equal(result.batches, 60);
    const events = await readAllEvents(nats.url, stream, 60 + 2, 30_000);
    const upserts = events.filter((e) => e.data.operation === 'upsert');
    assert.deepEqual(
      upserts.map((e) => e.data.seq).sort(),
      [...acked].sort(),
      'exactly the acknowledged batches',
    );
    assert.equal(new Set(upserts.map((e) => e.data.seq)).size, upserts.length, 'no duplicates');
    assert.equal(new Set(events.map((e) => e.id)).size, events.length);
  });

  test('events api - a full outbox refuses writes with UNAVAILABLE and writes nothing', async () => {
    // NATS down for the whole test: events can only pile up in the outbox.
    const unreachable = await NatsServer.start();
    const url = unreachable.url;
    await unreachable[Symbol.asyncDispose]();
    const tenant = uniqueName('full');
    await using stack = await startTestStack({
      tenants: [tenant],
      natsUrl: url,
      env: { VECTORADMIN_OUTBOX_MAX_EVENTS: '3' },
    });
    const api = stack.api(tenantKey(tenant));
    const table = uniqueTable('full');
    await api.createCollection({ tenantId: '', table, config });
    await api.getCollection({ tenantId: '', table });
    await api.listCollections({ tenantId: '' });
    const refused = await api
      .upsert({
        tenantId: '',
        table,
        seq: 1n,
        points: wirePoints(seededRandom(5), DIM, 0, 3).points,
        autoCreate: undefined,
      })
      .then(
        () => assert.fail('expected UNAVAILABLE'),
        (e: ServiceError) => e,
      );
    assert.equal(refused.code, status.UNAVAILABLE);
    assert.equal(stack.service.events.state().full, true);
    assert.equal(
      await stack.service.store.count(`client_${tenant}_${table}`, undefined, true),
      0,
      'nothing was written',
    );
    await waitForHealth(
      stack.connection(tenantKey(tenant)),
      'vectoradmin.v1.Events',
      'NOT_SERVING',
    );
    await waitForHealth(stack.connection(tenantKey(tenant)), '', 'NOT_SERVING');
  });

  test('events api - concurrent writes at the outbox bound: each one runs with room for its event, or not at all', async () => {
    const unreachable = await NatsServer.start();
    const url = unreachable.url;
    await unreachable[Symbol.asyncDispose]();
    const tenant = uniqueName('bound');
    const tables = Array.from({ length: 10 }, (_, i) => uniqueTable(`bound${i}`));
    // Ten creates fill ten of fifteen places; five remain for the ten concurrent deletes.
    await using stack = await startTestStack({
      tenants: [tenant],
      natsUrl: url,
      // The service's start announcement takes one more.
      env: { VECTORADMIN_OUTBOX_MAX_EVENTS: '16' },
    });
    const api = stack.api(tenantKey(tenant));
    for (const table of tables) await api.createCollection({ tenantId: '', table, config });
    const outcomes = await Promise.all(
      tables.map((table) =>
        api.deleteCollection({ tenantId: '', table }).then(
          () => status.OK,
          (e: ServiceError) => e.code,
        ),
      ),
    );
    assert.equal(outcomes.filter((c) => c === status.OK).length, 5, `outcomes ${outcomes.join()}`);
    assert.equal(outcomes.filter((c) => c === status.UNAVAILABLE).length, 5);
    for (const [i, table] of tables.entries()) {
      const exists =
        (await stack.service.store.getCollection(`client_${tenant}_${table}`)) !== undefined;
      assert.equal(exists, outcomes[i] !== status.OK, `${table}: refused means not deleted`);
    }
    assert.equal(
      stack.service.events.state().pending,
      1 + 15,
      'the start announcement and one event per write that ran',
    );
  });
});
