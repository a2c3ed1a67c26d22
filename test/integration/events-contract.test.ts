import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { streamUpserts, wireVector } from '../../src/client/index.js';
import { Distance, Tenancy } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents, SERVICE_STARTED_SUBJECT } from '../helpers/event-reader.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';

const DIM = 4;
const STREAM = 'VECTORADMIN_EVENTS';
const own = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };
const shared = { ...own, tenancy: Tenancy.TENANCY_SHARED_COLLECTION };

// Each test has its own broker: event streams bind every event subject, so two cannot share one.
describe('events contract', () => {
  test('events contract - each start is announced once on the service subject; every event carries its instance id', async () => {
    await using nats = await NatsServer.start();
    const tenant = uniqueName('inst');
    const env = { VECTORADMIN_EVENTS_STREAM: STREAM };
    const first = await startTestStack({ tenants: [tenant], natsUrl: nats.url, env });
    const table = uniqueTable('inst');
    await first.api(tenantKey(tenant)).createCollection({ tenantId: '', table, config: own });
    await first.stop();
    await using second = await startTestStack({
      tenants: [tenant],
      natsUrl: nats.url,
      env,
      dataDir: first.dataDir,
    });
    await second.api(tenantKey(tenant)).getCollection({ tenantId: '', table });
    const events = await readAllEvents(nats.url, STREAM, 2, 20_000, { withServiceEvents: true });
    const starts = events.filter((e) => e.data.operation === 'service_started');
    assert.deepEqual(
      starts.map((e) => e.data.instance_id),
      [first.service.instanceId, second.service.instanceId],
      'one announcement per start, in start order',
    );
    assert.notEqual(first.service.instanceId, second.service.instanceId);
    for (const start of starts) {
      assert.equal(start.subject, SERVICE_STARTED_SUBJECT);
      assert.equal(start.type, 'io.vectoradmin.v1.service_started');
      assert.equal(start.data.tenant_id, '');
      assert.equal(start.data.outcome, 'ok');
    }
    const calls = events.filter((e) => e.data.operation !== 'service_started');
    assert.deepEqual(
      calls.map((e) => [e.data.operation, e.data.instance_id]),
      [
        ['create_collection', first.service.instanceId],
        ['get_collection', second.service.instanceId],
      ],
    );
  });

  test('events contract - upsert events count points sent and points stored', async () => {
    await using nats = await NatsServer.start();
    const tenant = uniqueName('req');
    await using stack = await startTestStack({
      tenants: [tenant],
      natsUrl: nats.url,
      env: { VECTORADMIN_EVENTS_STREAM: STREAM },
    });
    const table = uniqueTable('req');
    const api = stack.api(tenantKey(tenant));
    const points = wirePoints(seededRandom(1), DIM, 0, 5).points;
    await api.upsert({ tenantId: '', table, seq: 1n, points, autoCreate: own });
    await streamUpserts(stack.connection(tenantKey(tenant)), [
      { table, points: wirePoints(seededRandom(2), DIM, 10, 3).points },
    ]);
    const events = await readAllEvents(nats.url, STREAM, 4);
    const upserts = events.filter((e) => e.data.operation === 'upsert');
    assert.deepEqual(
      upserts.map((e) => [e.data.points, e.data.points_requested]),
      [
        [5, 5],
        [3, 3],
      ],
    );
  });

  test('events contract - shared-table events carry the logical table and the physical collection', async () => {
    await using nats = await NatsServer.start();
    const tenant = uniqueName('shr');
    await using stack = await startTestStack({
      tenants: [tenant],
      natsUrl: nats.url,
      env: { VECTORADMIN_EVENTS_STREAM: STREAM },
    });
    const table = uniqueTable('shr');
    const api = stack.api(tenantKey(tenant));
    // The operator (admin key) sets a shared table up; here it does so for the tenant.
    await stack.api().ensureCollection({ tenantId: tenant, table, config: shared });
    await api.upsert({
      tenantId: '',
      table,
      seq: 1n,
      points: wirePoints(seededRandom(3), DIM, 0, 2).points,
      autoCreate: undefined,
    });
    await api.getCollection({ tenantId: '', table });
    await api.search({
      tenantId: '',
      table,
      vector: wireVector(new Float32Array(DIM).fill(0.5)),
      limit: 2,
      filter: undefined,
      withPayload: false,
    });
    await api.count({ tenantId: '', table, filter: undefined, exact: true });
    await api.deletePoints({ tenantId: '', table, ids: [], filter: undefined }).catch(() => 0);
    await api.deleteCollection({ tenantId: '', table });
    const events = await readAllEvents(nats.url, STREAM, 7);
    const physical = `client__shared_${table}`;
    for (const e of events.filter((x) => x.data.outcome === 'ok')) {
      assert.equal(e.data.table, table, `${e.data.operation} names the logical table`);
      assert.equal(e.data.tenant_id, tenant);
      if (e.data.operation !== 'delete_collection')
        assert.equal(e.data.collection, physical, `${e.data.operation} names ${physical}`);
    }
    assert.deepEqual(
      events.filter((x) => x.data.outcome === 'ok').map((e) => e.data.operation),
      ['ensure_collection', 'upsert', 'get_collection', 'search', 'count', 'delete_collection'],
    );
  });
});
