import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import type { UpsertAck } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { partitionOfTenant, SummaryState } from '../../src/consumer/index.js';
import type { CloudEvent } from '../../src/events/index.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import { startTestStack, uniqueName, uniqueTable } from '../helpers/vector-admin-stack.js';

const STREAM = 'VECTORADMIN_EVENTS';
const DIM = 4;
const PARTITIONS = 2;

/** Open streams as each of two consumer partitions counts them from `events`. */
function openStreamsByPartition(events: readonly CloudEvent[]): number[] {
  return Array.from({ length: PARTITIONS }, (_, index) => {
    const state = new SummaryState(60_000);
    for (const event of events)
      if (partitionOfTenant(event.data.tenant_id, PARTITIONS) === index) state.apply(event);
    return state.openStreamCount();
  });
}

function streamEvents(events: readonly CloudEvent[], op: string) {
  return events
    .filter((e) => e.data.operation === op)
    .map((e) => ({ tenant: e.data.tenant_id, stream: e.data.stream_id }));
}

test("stream events - an admin key's stream opens and closes under its first batch's tenant; consumer partitions count it once", async () => {
  await using nats = await NatsServer.start();
  // A tenant the second partition owns; events under no tenant go to the first.
  let tenant = uniqueName('adm');
  while (partitionOfTenant(tenant, PARTITIONS) !== 1) tenant = uniqueName('adm');
  await using stack = await startTestStack({
    tenants: [tenant],
    natsUrl: nats.url,
    env: { VECTORADMIN_EVENTS_STREAM: STREAM },
  });
  const connection = stack.connection(); // the admin key
  const call = connection.raw.upsertStream(connection.metadata());
  call.on('error', () => undefined);
  const table = uniqueTable('adm');
  const points = wirePoints(seededRandom(3), DIM, 0, 2).points;
  const autoCreate = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };
  call.write({ tenantId: tenant, table, seq: 1n, points, autoCreate });
  const [ack] = (await once(call, 'data')) as [UpsertAck];
  assert.equal(ack.upserted, 2);

  const whileOpen = await readAllEvents(nats.url, STREAM, 2);
  assert.deepEqual(
    whileOpen.map((e) => [e.data.operation, e.data.tenant_id]),
    [
      ['stream_opened', tenant],
      ['upsert', tenant],
    ],
  );
  assert.deepEqual(openStreamsByPartition(whileOpen), [0, 1]);

  call.end();
  await once(call, 'end');
  const events = await readAllEvents(nats.url, STREAM, 3);
  const [opened] = streamEvents(events, 'stream_opened');
  assert.deepEqual(streamEvents(events, 'stream_closed'), [opened]);
  assert.equal(opened?.tenant, tenant);
  assert.deepEqual(openStreamsByPartition(events), [0, 0]);

  // A stream that ends before naming a tenant opens and closes under none.
  const silent = connection.raw.upsertStream(connection.metadata());
  silent.on('error', () => undefined);
  silent.resume(); // no batch to read, but 'end' comes only to a flowing stream
  silent.end();
  await once(silent, 'end');
  const all = await readAllEvents(nats.url, STREAM, 5);
  const unnamed = streamEvents(all, 'stream_closed').filter((s) => s.stream !== opened?.stream);
  assert.deepEqual(
    unnamed.map((s) => s.tenant),
    [''],
  );
  assert.deepEqual(
    streamEvents(all, 'stream_opened').filter((s) => s.stream === unnamed[0]?.stream),
    unnamed,
  );
  assert.deepEqual(openStreamsByPartition(all), [0, 0]);
});
