import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { streamUpserts, type StreamBatch } from '../../src/client/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { waitForHealth } from '../helpers/health.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const DIM = 1536;
const BUDGET = 1 << 20;
const NO_RETRY = { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 };

test('stream budget - a batch whose event the outbox refused gives its bytes back to the shared budget', async () => {
  await using nats = await NatsServer.start();
  await nats.stop(); // events pile up in the outbox until it is full
  const tenant = uniqueName('budget');
  await using stack = await startTestStack({
    tenants: [tenant],
    natsUrl: nats.url,
    env: { VECTORADMIN_OUTBOX_MAX_EVENTS: '2', VECTORADMIN_MAX_INFLIGHT_BYTES: String(BUDGET) },
  });
  const table = uniqueTable('budget');
  const random = seededRandom(11);
  // Over the whole budget on its own: 200 × 1,536 float32 is 1.2 MB.
  const big = (from: number): StreamBatch => ({
    table,
    points: wirePoints(random, DIM, from, 200).points,
    autoCreate: { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 },
  });
  const connection = stack.connection(tenantKey(tenant));
  // Opened-event and batch 1's event fill the outbox; batch 2 is refused, and so is its event.
  const refused = await streamUpserts(
    connection,
    [{ ...big(0), points: wirePoints(random, DIM, 0, 10).points }, big(10)],
    { retry: NO_RETRY },
  ).then(
    () => assert.fail('expected UNAVAILABLE'),
    (e: ServiceError) => e,
  );
  assert.equal(refused.code, status.UNAVAILABLE);

  await nats.restart();
  await waitForHealth(connection, 'vectoradmin.v1.Events', 'SERVING');
  let done: unknown;
  void streamUpserts(connection, [big(1000), big(2000), big(3000)], { retry: NO_RETRY }).then(
    (result) => (done = result),
    (err: unknown) => (done = err),
  );
  await waitFor(() => done !== undefined, {
    timeoutMs: 30_000,
    reason: 'a later stream, which needs the whole budget, to finish',
  });
  assert.ok(!(done instanceof Error), String(done));
  assert.equal((done as { batches: number }).batches, 3);
});
