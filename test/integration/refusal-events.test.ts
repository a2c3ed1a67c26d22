import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import type { CloudEvent } from '../../src/events/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const DIM = 4;
const STREAM = 'VECTORADMIN_EVENTS';
const OUTBOX_MAX_EVENTS = 40;
// Refused calls, half lists and half upserts: several times what the whole outbox holds.
const FLOOD = 150;

const refusedCalls = (events: readonly CloudEvent[]) =>
  events.filter((e) => e.data.grpc_code === 'UNAUTHENTICATED');
const callsOf = (events: readonly CloudEvent[]) =>
  events.reduce((n, e) => n + (e.data.calls ?? 1), 0);

test('refusal events - a flood of bad keys while NATS is down leaves the outbox to writes, and every refused call is counted once NATS is back', async () => {
  await using nats = await NatsServer.start();
  const tenant = uniqueName('flood');
  await using stack = await startTestStack({
    tenants: [tenant],
    natsUrl: nats.url,
    env: {
      VECTORADMIN_EVENTS_STREAM: STREAM,
      VECTORADMIN_OUTBOX_MAX_EVENTS: String(OUTBOX_MAX_EVENTS),
    },
  });
  await nats.stop({ kill: true });
  const bad = stack.api('not-a-key');
  const table = uniqueTable('flood');
  for (let i = 0; i < FLOOD; i += 25) {
    const codes = await Promise.all(
      Array.from({ length: 25 }, (_, j) =>
        (j % 2 === 0
          ? bad.listCollections({ tenantId: '' })
          : bad.upsert({
              tenantId: tenant,
              table,
              seq: 1n,
              points: wirePoints(seededRandom(i + j), DIM, 0, 1).points,
              autoCreate: undefined,
            })
        ).then(
          () => status.OK,
          (e: ServiceError) => e.code,
        ),
      ),
    );
    assert.deepEqual(new Set(codes), new Set([status.UNAUTHENTICATED]));
  }
  const state = stack.service.events.state();
  assert.ok(
    state.pending <= OUTBOX_MAX_EVENTS / 4,
    `refusals hold at most a quarter of the outbox: ${state.pending} of ${OUTBOX_MAX_EVENTS}`,
  );

  const api = stack.api(tenantKey(tenant));
  const config = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };
  await api.createCollection({ tenantId: '', table, config });
  for (let seq = 1n; seq <= 5n; seq += 1n) {
    const points = wirePoints(seededRandom(Number(seq)), DIM, Number(seq) * 10, 3).points;
    await api.upsert({ tenantId: '', table, seq, points, autoCreate: undefined });
  }

  await nats.restart();
  const events = await waitFor(
    async () => {
      const all = await readAllEvents(nats.url, STREAM, 6, 30_000);
      return callsOf(refusedCalls(all)) >= FLOOD ? all : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, reason: 'every refused call counted in the events' },
  );
  const refusals = refusedCalls(events);
  assert.equal(callsOf(refusals), FLOOD, 'each refused call counted exactly once');
  assert.ok(
    refusals.length <= OUTBOX_MAX_EVENTS / 4 + 2,
    `a few events stand for all ${FLOOD} refusals: ${refusals.length}`,
  );
  for (const e of refusals) {
    assert.equal(e.data.tenant_id, '', 'a refusal names no tenant');
    assert.ok(e.data.operation === 'list_collections' || e.data.operation === 'upsert');
  }
  const writes = events.filter((e) => e.data.tenant_id === tenant && e.data.outcome === 'ok');
  assert.deepEqual(
    writes.map((e) => e.data.operation),
    ['create_collection', 'upsert', 'upsert', 'upsert', 'upsert', 'upsert'],
  );
});
