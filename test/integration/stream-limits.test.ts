import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import {
  credentials,
  Metadata,
  status,
  type ClientDuplexStream,
  type StatusObject,
} from '@grpc/grpc-js';
import type { Connection } from '../../src/client/index.js';
import {
  Distance,
  VectorAdminClient,
  type UpsertAck,
  type UpsertRequest,
} from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';

const DIM = 4;
const STREAM = 'VECTORADMIN_EVENTS';
const config = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };

type Stream = ClientDuplexStream<UpsertRequest, UpsertAck>;

/**
 * A stream whose end status is kept (errors are read from it). `ended` gives up after 20 s, so
 * a stream the server never ends fails the test instead of hanging it.
 */
function openStream(client: VectorAdminClient, metadata: Metadata) {
  const call: Stream = client.upsertStream(metadata);
  let end: StatusObject | undefined;
  call.on('status', (s: StatusObject) => (end = s));
  call.on('error', () => undefined);
  const ended = waitFor(() => end, {
    timeoutMs: 20_000,
    reason: 'the stream to end',
    intervalMs: 20,
  });
  ended.catch(() => undefined);
  return { call, ended };
}

/** Sends one batch and waits for its ack: the stream is open on the server. */
async function sendOne(call: Stream, table: string, seq: bigint): Promise<UpsertAck> {
  const points = wirePoints(seededRandom(Number(seq)), DIM, Number(seq) * 10, 2).points;
  call.write({ tenantId: '', table, seq, points, autoCreate: config });
  const [ack] = (await once(call, 'data')) as [UpsertAck];
  return ack;
}

function bearer(key: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

// A client of its own TCP connection: grpc-js shares one connection between clients by default.
function ownConnection(address: string): VectorAdminClient {
  return new VectorAdminClient(address, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

describe('stream limits', () => {
  test('stream limits - past the per-tenant cap a stream is RESOURCE_EXHAUSTED naming the limit; a closed one frees its slot', async () => {
    const tenant = uniqueName('capped');
    const other = uniqueName('other');
    await using stack = await startTestStack({
      tenants: [tenant, other],
      env: { VECTORADMIN_MAX_STREAMS_PER_TENANT: '2' },
    });
    const clients = [0, 1, 2, 3].map(() => ownConnection(stack.address));
    try {
      const table = uniqueTable('capped');
      const first = openStream(clients[0]!, bearer(tenantKey(tenant)));
      const second = openStream(clients[1]!, bearer(tenantKey(tenant)));
      assert.equal((await sendOne(first.call, table, 1n)).upserted, 2);
      assert.equal((await sendOne(second.call, table, 2n)).upserted, 2);

      const third = openStream(clients[2]!, bearer(tenantKey(tenant)));
      const refused = await third.ended;
      assert.equal(refused.code, status.RESOURCE_EXHAUSTED);
      assert.match(refused.details, /VECTORADMIN_MAX_STREAMS_PER_TENANT is 2/);

      // Another tenant is not held back by this one's streams.
      const elsewhere = openStream(clients[3]!, bearer(tenantKey(other)));
      assert.equal((await sendOne(elsewhere.call, uniqueTable('free'), 1n)).upserted, 2);
      elsewhere.call.end();
      assert.equal((await elsewhere.ended).code, status.OK);

      first.call.end();
      assert.equal((await first.ended).code, status.OK);
      const again = openStream(clients[2]!, bearer(tenantKey(tenant)));
      assert.equal((await sendOne(again.call, table, 3n)).upserted, 2, 'the freed slot is usable');
      for (const s of [second, again]) {
        s.call.end();
        assert.equal((await s.ended).code, status.OK);
      }
    } finally {
      for (const client of clients) client.close();
    }
  });

  test('stream limits - past the per-connection cap a stream is RESOURCE_EXHAUSTED naming the limit; another connection is not affected', async () => {
    const tenant = uniqueName('conn');
    await using stack = await startTestStack({
      tenants: [tenant],
      env: { VECTORADMIN_MAX_STREAMS_PER_CONNECTION: '2' },
    });
    const shared = ownConnection(stack.address);
    const separate = ownConnection(stack.address);
    try {
      const table = uniqueTable('conn');
      const streams = [1n, 2n].map(() => openStream(shared, bearer(tenantKey(tenant))));
      for (const [i, s] of streams.entries()) await sendOne(s.call, table, BigInt(i + 1));
      const refused = await openStream(shared, bearer(tenantKey(tenant))).ended;
      assert.equal(refused.code, status.RESOURCE_EXHAUSTED);
      assert.match(refused.details, /VECTORADMIN_MAX_STREAMS_PER_CONNECTION is 2/);

      const other = openStream(separate, bearer(tenantKey(tenant)));
      assert.equal((await sendOne(other.call, table, 5n)).upserted, 2);
      for (const s of [...streams, other]) {
        s.call.end();
        assert.equal((await s.ended).code, status.OK);
      }
    } finally {
      shared.close();
      separate.close();
    }
  });

  test('stream limits - an idle stream is ended with DEADLINE_EXCEEDED naming the timeout; stream_opened is evented at open', async () => {
    await using nats = await NatsServer.start();
    const tenant = uniqueName('idle');
    await using stack = await startTestStack({
      tenants: [tenant],
      natsUrl: nats.url,
      env: { VECTORADMIN_EVENTS_STREAM: STREAM, VECTORADMIN_STREAM_IDLE_TIMEOUT_MS: '1000' },
    });
    const connection: Connection = stack.connection(tenantKey(tenant));
    // Never sends a batch: it must be seen at open, and ended once idle.
    const silent = openStream(connection.raw, connection.metadata());
    const opened = await readAllEvents(nats.url, STREAM, 1);
    assert.deepEqual(
      opened.map((e) => [e.data.operation, e.data.outcome, e.data.tenant_id]),
      [['stream_opened', 'ok', tenant]],
    );
    const streamId = opened[0]?.data.stream_id;
    assert.ok(streamId !== undefined, 'stream_opened names its stream');

    const ended = await silent.ended;
    assert.equal(ended.code, status.DEADLINE_EXCEEDED);
    assert.match(ended.details, /idle for 1000 ms \(VECTORADMIN_STREAM_IDLE_TIMEOUT_MS\)/);
    const events = await readAllEvents(nats.url, STREAM, 2);
    const closed = events.find((e) => e.data.operation === 'stream_closed');
    assert.equal(closed?.data.stream_id, streamId);
    assert.equal(closed?.data.grpc_code, 'DEADLINE_EXCEEDED');

    // A stream that sends is acked as before, then idles out the same way.
    const busy = openStream(connection.raw, connection.metadata());
    assert.equal((await sendOne(busy.call, uniqueTable('busy'), 1n)).upserted, 2);
    assert.equal((await busy.ended).code, status.DEADLINE_EXCEEDED);
  });
});
