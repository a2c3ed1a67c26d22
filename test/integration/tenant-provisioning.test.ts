import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import {
  ProvisionOutcome,
  type ProvisionTenantResponse,
} from '../../src/gen/vectoradmin/v1/provisioning.js';
import { Distance, Tenancy } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  STORE_KINDS,
  storeUnderTest,
  type StoreUnderTest,
} from '../helpers/shared-tenancy-stores.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

// Issue 15, part 1: tenants provisioned from table profiles, and deprovisioned as a whole.

const PROFILES = {
  tables: {
    docs: {
      vector_size: 4,
      distance: 'cosine',
      payload_indexes: [{ key: 'state', type: 'keyword' }],
      max_payload_bytes: 64,
    },
    notes: { vector_size: 4, distance: 'dot', tenancy: 'shared_collection' },
    tickets: { vector_size: 8, distance: 'euclid', hnsw: { m: 16 } },
  },
};
const TABLES = ['docs', 'notes', 'tickets'];
const { CREATED, ALREADY_PRESENT, CONFLICT } = {
  CREATED: ProvisionOutcome.PROVISION_OUTCOME_CREATED,
  ALREADY_PRESENT: ProvisionOutcome.PROVISION_OUTCOME_ALREADY_PRESENT,
  CONFLICT: ProvisionOutcome.PROVISION_OUTCOME_CONFLICT,
};

const outcomes = (response: ProvisionTenantResponse) =>
  Object.fromEntries(response.tables.map((t) => [t.table, t.outcome]));

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a refusal'),
    (err: ServiceError) => err,
  );

let profileDir: string;
let profileFile: string;
before(async () => {
  profileDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-profiles-'));
  profileFile = path.join(profileDir, 'tables.yaml');
  // JSON is YAML: the same file serves both readers.
  await writeFile(profileFile, JSON.stringify(PROFILES));
});
after(() => rm(profileDir, { recursive: true, force: true }));

for (const kind of STORE_KINDS) {
  describe(`tenant provisioning (${kind})`, () => {
    let store: StoreUnderTest;
    let stack: TestStack;
    const tenants = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((t) => uniqueName(`prov-${t}`));
    before(async () => {
      store = await storeUnderTest(kind);
      stack = await store.start(tenants, { VECTORADMIN_TABLES_FILE: profileFile });
    });
    after(async () => {
      await stack.stop();
      await store[Symbol.asyncDispose]();
    });

    test(`tenant provisioning (${kind}) - provisioning creates every profiled table once, then finds them there`, async () => {
      const tenant = tenants[0] ?? '';
      const first = await stack.api().provisionTenant({ tenantId: tenant });
      assert.equal(first.tenantId, tenant);
      assert.deepEqual(
        first.tables.map((t) => [t.table, t.outcome, t.collection]),
        [
          ['docs', CREATED, `client_${tenant}_docs`],
          ['notes', CREATED, 'client__shared_notes'],
          ['tickets', CREATED, `client_${tenant}_tickets`],
        ],
      );
      const again = await stack.api(tenantKey(tenant)).provisionTenant({ tenantId: '' });
      assert.deepEqual(outcomes(again), {
        docs: ALREADY_PRESENT,
        notes: ALREADY_PRESENT,
        tickets: ALREADY_PRESENT,
      });
      const listed = await stack.api().listCollections({ tenantId: tenant });
      const configs = Object.fromEntries(listed.collections.map((c) => [c.table, c.config]));
      assert.equal(configs.docs?.vectorSize, 4);
      assert.deepEqual(
        configs.docs?.payloadIndexes?.fields.map((f) => f.key),
        ['state'],
      );
      assert.equal(configs.notes?.tenancy, Tenancy.TENANCY_SHARED_COLLECTION);
      assert.equal(configs.notes?.distance, Distance.DISTANCE_DOT);
      assert.equal(configs.tickets?.distance, Distance.DISTANCE_EUCLID);
      assert.equal(configs.tickets?.hnsw?.m, 16);
    });

    test(`tenant provisioning (${kind}) - concurrent provisioning of one tenant creates each collection once`, async () => {
      const tenant = tenants[1] ?? '';
      const before = store.peer?.requestsFor('create_collection').length ?? 0;
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => stack.api().provisionTenant({ tenantId: tenant })),
      );
      for (const table of TABLES) {
        const created = answers.filter((a) => outcomes(a)[table] === CREATED).length;
        const present = answers.filter((a) => outcomes(a)[table] === ALREADY_PRESENT).length;
        assert.deepEqual([created, present], [1, 5], `${table}: created once, then present`);
      }
      if (store.peer !== undefined) {
        const creates = store.peer
          .requestsFor('create_collection')
          .slice(before)
          .map((r) => r.path);
        for (const table of ['docs', 'tickets'])
          assert.equal(
            creates.filter((p) => p.endsWith(`/client_${tenant}_${table}`)).length,
            1,
            `one create of ${table} reached Qdrant`,
          );
      }
      const listed = await stack.api().listCollections({ tenantId: tenant });
      assert.deepEqual(listed.collections.map((c) => c.table).sort(), TABLES);
    });

    test(`tenant provisioning (${kind}) - a conflicting existing collection is reported and left as it is`, async () => {
      const tenant = tenants[2] ?? '';
      const api = stack.api(tenantKey(tenant));
      const config = { vectorSize: 6, distance: Distance.DISTANCE_COSINE, tenancy: 0 };
      await api.createCollection({ tenantId: '', table: 'docs', config });
      await api.upsert({
        tenantId: '',
        table: 'docs',
        seq: 1n,
        points: wirePoints(seededRandom(1), 6, 0, 3).points,
      });
      const answer = await api.provisionTenant({ tenantId: '' });
      assert.deepEqual(outcomes(answer), { docs: CONFLICT, notes: CREATED, tickets: CREATED });
      const docs = answer.tables.find((t) => t.table === 'docs');
      assert.match(docs?.detail ?? '', /vector_size/);
      assert.equal(docs?.collection, `client_${tenant}_docs`);
      const kept = await api.getCollection({ tenantId: '', table: 'docs' });
      assert.equal(kept.config?.vectorSize, 6);
      assert.equal(kept.pointsCount, 3n);
      // Ensure without a config compares with the profile the same way.
      const ensured = await refusal(api.ensureCollection({ tenantId: '', table: 'docs' }));
      assert.equal(ensured.code, status.FAILED_PRECONDITION);
    });

    test(`tenant provisioning (${kind}) - ensure and auto_create without a config take the table profile`, async () => {
      const tenant = tenants[3] ?? '';
      const api = stack.api(tenantKey(tenant));
      const ensured = await api.ensureCollection({ tenantId: '', table: 'tickets' });
      assert.equal(ensured.created, true);
      assert.equal(ensured.collection?.config?.vectorSize, 8);
      assert.equal(ensured.collection?.config?.distance, Distance.DISTANCE_EUCLID);
      const ack = await api.upsert({
        tenantId: '',
        table: 'docs',
        seq: 1n,
        points: wirePoints(seededRandom(2), 4, 0, 2).points,
        autoCreate: { vectorSize: 0, distance: 0, tenancy: 0 },
      });
      assert.equal(ack.upserted, 2);
      const docs = await api.getCollection({ tenantId: '', table: 'docs' });
      assert.deepEqual(
        docs.config?.payloadIndexes?.fields.map((f) => f.key),
        ['state'],
      );
      // A table without a profile keeps the service-wide defaults.
      const plain = await api.ensureCollection({ tenantId: '', table: 'plain' });
      assert.equal(plain.collection?.config?.vectorSize, 1536);
      // The profile's payload limit (64 bytes) applies to its table.
      const big = await refusal(
        api.upsert({
          tenantId: '',
          table: 'docs',
          seq: 2n,
          points: wirePoints(seededRandom(3), 4, 10, 1).points.map((p) => ({
            ...p,
            payload: { text: 'x'.repeat(100) },
          })),
        }),
      );
      assert.equal(big.code, status.INVALID_ARGUMENT);
      assert.match(big.details, /points\[0\]\.payload: .*limit of 64/);
    });

    test(`tenant provisioning (${kind}) - only the admin key deprovisions; other tenants are untouched (property)`, async () => {
      const owner = tenants[4] ?? '';
      const denied = await refusal(
        stack.api(tenantKey(owner)).deprovisionTenant({ tenantId: owner }),
      );
      assert.equal(denied.code, status.PERMISSION_DENIED);
      const pool = tenants.slice(4);
      await fc.assert(
        fc.asyncProperty(
          fc.subarray(pool, { minLength: 2 }),
          fc.nat(),
          fc.subarray(TABLES),
          async (chosen, pick, extraPoints) => {
            const victim = chosen[pick % chosen.length] ?? '';
            for (const tenant of chosen) {
              await stack.api().provisionTenant({ tenantId: tenant });
              for (const table of extraPoints) {
                const size = table === 'tickets' ? 8 : 4;
                await stack.api(tenantKey(tenant)).upsert({
                  tenantId: '',
                  table,
                  seq: 1n,
                  points: wirePoints(seededRandom(pick), size, 0, 2).points,
                });
              }
              // A table outside the profiles goes too.
              await stack.api(tenantKey(tenant)).ensureCollection({
                tenantId: '',
                table: 'scratch',
                config: { vectorSize: 2, distance: 0, tenancy: 0 },
              });
            }
            const others = chosen.filter((t) => t !== victim);
            const snapshot = async () =>
              Promise.all(
                others.map(async (t) =>
                  (await stack.api().listCollections({ tenantId: t })).collections.map((c) => [
                    c.name,
                    c.pointsCount,
                  ]),
                ),
              );
            const beforeOthers = await snapshot();
            const { removed } = await stack.api().deprovisionTenant({ tenantId: victim });
            assert.deepEqual(
              removed.map((r) => [r.table, r.shared]),
              [
                ['docs', false],
                ['notes', true],
                ['scratch', false],
                ['tickets', false],
              ],
            );
            assert.deepEqual(
              (await stack.api().listCollections({ tenantId: victim })).collections,
              [],
            );
            assert.deepEqual(await snapshot(), beforeOthers, 'other tenants keep everything');
            const again = await stack.api().deprovisionTenant({ tenantId: victim });
            assert.deepEqual(again.removed, [], 'nothing left to remove');
          },
        ),
        { numRuns: kind === 'embedded' ? 4 : 8, includeErrorInReport: true },
      );
    });

    test(`tenant provisioning (${kind}) - ListTables shows the profiles in force`, async () => {
      const { tables } = await stack.api(tenantKey(tenants[0] ?? '')).listTables({});
      assert.deepEqual(
        tables.map((t) => [t.table, t.config?.vectorSize, t.config?.tenancy, t.maxPayloadBytes]),
        [
          ['docs', 4, Tenancy.TENANCY_COLLECTION_PER_TENANT, 64],
          ['notes', 4, Tenancy.TENANCY_SHARED_COLLECTION, 0],
          ['tickets', 8, Tenancy.TENANCY_COLLECTION_PER_TENANT, 0],
        ],
      );
    });
  });
}

test('tenant provisioning - provisioning and deprovisioning are evented', async () => {
  await using nats = await NatsServer.start();
  const tenant = uniqueName('evented');
  await using stack = await startTestStack({
    tenants: [tenant],
    natsUrl: nats.url,
    env: { VECTORADMIN_TABLES_FILE: profileFile },
  });
  await stack.api().provisionTenant({ tenantId: tenant });
  await stack.api().deprovisionTenant({ tenantId: tenant });
  await refusal(stack.api(tenantKey(tenant)).deprovisionTenant({ tenantId: tenant }));
  const events = await readAllEvents(nats.url, 'VECTORADMIN_EVENTS', 3);
  assert.deepEqual(
    events.map((e) => [e.data.operation, e.data.tenant_id, e.data.grpc_code]),
    [
      ['provision_tenant', tenant, 'OK'],
      ['deprovision_tenant', tenant, 'OK'],
      ['deprovision_tenant', tenant, 'PERMISSION_DENIED'],
    ],
  );
});
