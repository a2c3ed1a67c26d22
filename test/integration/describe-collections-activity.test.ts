import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { wireId, wireVector } from '../../src/client/index.js';
import { CollectionSort } from '../../src/gen/vectoradmin/v1/analysis.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { spawnConsumer } from '../helpers/consumer-stack.js';
import { NatsServer } from '../helpers/nats-server.js';
import { startTestStack, uniqueName, uniqueTable } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

test('describe collections - write activity comes from the consumer summaries and orders by activity', async () => {
  await using nats = await NatsServer.start();
  const tenant = uniqueName('activity');
  await using stack = await startTestStack({ tenants: [tenant], natsUrl: nats.url });
  const consumerDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-activity-'));
  const consumer = spawnConsumer({
    VECTORADMIN_DATA_DIR: consumerDir,
    NATS_URL: nats.url,
    VECTORADMIN_CONSUMER_NAME: `activity-${tenant}`,
    VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
    VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
    VECTORADMIN_CONSUMER_ACK_WAIT_MS: '1000',
    VECTORADMIN_LOG_LEVEL: 'warn',
  });
  try {
    await consumer.ready;
    const admin = stack.api();
    const config = { vectorSize: 2, distance: Distance.DISTANCE_DOT, tenancy: 0 };
    const [quiet, busy] = [uniqueTable('a_quiet'), uniqueTable('b_busy')];
    for (const table of [quiet, busy])
      await admin.createCollection({ tenantId: tenant, table, config });
    const before = Date.now();
    const points = Array.from({ length: 50 }, (_, i) => ({
      id: wireId(i + 1),
      vector: wireVector(Float32Array.of(i, 1)),
      payload: {},
    }));
    await admin.upsert({ tenantId: tenant, table: busy, seq: 1n, points });
    const request = {
      tenantId: tenant,
      pageSize: 0,
      pageToken: '',
      sort: CollectionSort.COLLECTION_SORT_ACTIVITY,
    };
    const rows = await waitFor(
      async () => {
        const page = await admin.describeCollections(request);
        return page.collections[0]?.activity !== undefined && page.collections;
      },
      {
        timeoutMs: 30_000,
        reason: 'the upsert summary to reach the service',
        detail: () => consumer.log(),
      },
    );
    assert.deepEqual(
      rows.map((r) => r.table),
      [busy, quiet],
      'the written table first, though its name sorts last',
    );
    const activity = rows[0]?.activity;
    assert.ok(activity?.lastWriteAt !== undefined);
    assert.ok(activity.lastWriteAt.getTime() >= before - 1000, 'the write of this test');
    assert.ok(activity.lastWriteAt.getTime() <= Date.now() + 1000);
    assert.ok(activity.pointsPerSecond > 0, `a write rate (${activity.pointsPerSecond})`);
    assert.equal(rows[1]?.activity, undefined, 'no writes, no activity');
  } finally {
    consumer.kill('SIGTERM');
    assert.equal(await consumer.exited, 0, consumer.log());
    await rm(consumerDir, { recursive: true, force: true });
  }
});
