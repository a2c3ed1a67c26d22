import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  CollectionStatus,
  Distance,
  PayloadIndexType,
} from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import {
  ADMIN_KEY,
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

async function rejectsWith(
  promise: Promise<unknown>,
  code: status,
  field?: string,
): Promise<ServiceError> {
  const err = await promise.then(
    () => assert.fail(`expected gRPC status ${status[code]}`),
    (e: ServiceError) => e,
  );
  assert.equal(err.code, code, `expected ${status[code]}, got ${status[err.code]}: ${err.details}`);
  if (field !== undefined) {
    const violations = err.metadata.get('field-violation').map(String);
    assert.ok(
      violations.some((v) => v.startsWith(`${field}:`)),
      `expected a violation of ${field}, got ${violations.join('; ')}`,
    );
  }
  return err;
}

describe('collections api', () => {
  const alice = uniqueName('alice');
  const bob = uniqueName('bob');
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ tenants: [alice, bob] });
  });
  after(async () => {
    await stack[Symbol.asyncDispose]();
  });

  test('collections api - create, get with points_count, list, delete', async () => {
    const api = stack.api(tenantKey(alice));
    const table = uniqueTable('work_items');
    const created = await api.createCollection({
      tenantId: alice,
      table,
      config: { vectorSize: 8, distance: Distance.DISTANCE_DOT, tenancy: 0 },
    });
    assert.equal(created.name, `client_${alice}_${table}`);
    assert.equal(created.config?.vectorSize, 8);
    assert.equal(created.config?.distance, Distance.DISTANCE_DOT);
    const got = await api.getCollection({ tenantId: '', table });
    assert.equal(got.pointsCount, 0n);
    assert.equal(got.tenantId, alice);
    const listed = await api.listCollections({ tenantId: '' });
    assert.deepEqual(
      listed.collections.map((c) => c.table),
      [table],
    );
    assert.equal((await api.deleteCollection({ tenantId: alice, table })).deleted, true);
    assert.equal((await api.deleteCollection({ tenantId: alice, table })).deleted, false);
    await rejectsWith(api.getCollection({ tenantId: alice, table }), status.NOT_FOUND);
  });

  test('collections api - unset size and distance take the defaults', async () => {
    const api = stack.api(tenantKey(alice));
    const table = uniqueTable('defaults');
    const created = await api.createCollection({ tenantId: alice, table, config: undefined });
    assert.equal(created.config?.vectorSize, 1536);
    assert.equal(created.config?.distance, Distance.DISTANCE_COSINE);
  });

  test('collections api - create twice is ALREADY_EXISTS', async () => {
    const api = stack.api(tenantKey(alice));
    const table = uniqueTable('twice');
    await api.createCollection({ tenantId: alice, table, config: undefined });
    await rejectsWith(
      api.createCollection({ tenantId: alice, table, config: undefined }),
      status.ALREADY_EXISTS,
    );
  });

  test('collections api - ensure is idempotent and refuses a conflicting config', async () => {
    const api = stack.api(tenantKey(alice));
    const table = uniqueTable('ensure');
    const config = { vectorSize: 4, distance: Distance.DISTANCE_EUCLID, tenancy: 0 };
    const first = await api.ensureCollection({ tenantId: alice, table, config });
    assert.equal(first.created, true);
    const second = await api.ensureCollection({ tenantId: alice, table, config });
    assert.equal(second.created, false);
    assert.equal(second.collection?.config?.distance, Distance.DISTANCE_EUCLID);
    const sizeOnly = await api.ensureCollection({
      tenantId: alice,
      table,
      config: { vectorSize: 4, distance: 0, tenancy: 0 },
    });
    assert.equal(sizeOnly.created, false);
    await rejectsWith(
      api.ensureCollection({
        tenantId: alice,
        table,
        config: { vectorSize: 5, distance: 0, tenancy: 0 },
      }),
      status.FAILED_PRECONDITION,
    );
  });

  test('collections api - payload indexes round-trip on the wire; a different set is FAILED_PRECONDITION', async () => {
    const api = stack.api(tenantKey(alice));
    const table = uniqueTable('indexed');
    const fields = [
      { key: 'state', type: PayloadIndexType.PAYLOAD_INDEX_TYPE_KEYWORD },
      { key: 'size', type: PayloadIndexType.PAYLOAD_INDEX_TYPE_INTEGER },
      { key: 'done', type: PayloadIndexType.PAYLOAD_INDEX_TYPE_BOOL },
    ];
    const config = { vectorSize: 4, distance: 0, tenancy: 0, payloadIndexes: { fields } };
    const created = await api.createCollection({ tenantId: alice, table, config });
    const sorted = [...fields].sort((a, b) => a.key.localeCompare(b.key));
    assert.deepEqual(created.config?.payloadIndexes?.fields, sorted);
    const got = await api.getCollection({ tenantId: alice, table });
    assert.deepEqual(got.config?.payloadIndexes?.fields, sorted);
    assert.equal(got.status, CollectionStatus.COLLECTION_STATUS_GREEN);
    assert.equal(got.indexedVectorsCount, got.pointsCount);
    const again = await api.ensureCollection({ tenantId: alice, table, config });
    assert.equal(again.created, false);
    const err = await rejectsWith(
      api.ensureCollection({
        tenantId: alice,
        table,
        config: { ...config, payloadIndexes: { fields: fields.slice(1) } },
      }),
      status.FAILED_PRECONDITION,
    );
    assert.match(err.details, /payload_indexes/);
    // A collection without any reports none.
    const plain = uniqueTable('plain');
    await api.createCollection({ tenantId: alice, table: plain, config: undefined });
    const none = await api.getCollection({ tenantId: alice, table: plain });
    assert.equal(none.config?.payloadIndexes, undefined);
  });

  test('collections api - a bad payload index is INVALID_ARGUMENT naming the field', async () => {
    const api = stack.api(tenantKey(alice));
    const keyword = PayloadIndexType.PAYLOAD_INDEX_TYPE_KEYWORD;
    for (const [fields, field] of [
      [[{ key: 'meta.level', type: keyword }], 'config.payload_indexes.fields[0].key'],
      [[{ key: '_va_tenant', type: keyword }], 'config.payload_indexes.fields[0].key'],
      [
        [
          { key: 'a', type: keyword },
          { key: 'a', type: keyword },
        ],
        'config.payload_indexes.fields[1].key',
      ],
      [
        [{ key: 'a', type: PayloadIndexType.PAYLOAD_INDEX_TYPE_UNSPECIFIED }],
        'config.payload_indexes.fields[0].type',
      ],
      [
        Array.from({ length: 17 }, (_, i) => ({ key: `k${i}`, type: keyword })),
        'config.payload_indexes',
      ],
    ] as const) {
      await rejectsWith(
        api.createCollection({
          tenantId: alice,
          table: uniqueTable('bad_index'),
          config: {
            vectorSize: 4,
            distance: 0,
            tenancy: 0,
            payloadIndexes: { fields: [...fields] },
          },
        }),
        status.INVALID_ARGUMENT,
        field,
      );
    }
  });

  test('collections api - invalid names are INVALID_ARGUMENT naming the field', async () => {
    const api = stack.api(ADMIN_KEY);
    await rejectsWith(
      api.createCollection({ tenantId: 'Bad_Tenant', table: 'ok', config: undefined }),
      status.INVALID_ARGUMENT,
      'tenant_id',
    );
    await rejectsWith(
      api.createCollection({ tenantId: alice, table: '1bad', config: undefined }),
      status.INVALID_ARGUMENT,
      'table',
    );
    await rejectsWith(
      api.createCollection({ tenantId: alice, table: 'a.b', config: undefined }),
      status.INVALID_ARGUMENT,
      'table',
    );
    await rejectsWith(
      api.createCollection({
        tenantId: alice,
        table: 'ok_size',
        config: { vectorSize: 70_000, distance: 0, tenancy: 0 },
      }),
      status.INVALID_ARGUMENT,
      'config.vector_size',
    );
    await rejectsWith(
      api.createCollection({
        tenantId: alice,
        table: 'ok_dist',
        config: { vectorSize: 4, distance: 9 as Distance, tenancy: 0 },
      }),
      status.INVALID_ARGUMENT,
      'config.distance',
    );
  });

  test('collections api - missing or wrong key is UNAUTHENTICATED', async () => {
    await rejectsWith(stack.api('').listCollections({ tenantId: alice }), status.UNAUTHENTICATED);
    await rejectsWith(
      stack.api('not-a-key-0123456789').listCollections({ tenantId: alice }),
      status.UNAUTHENTICATED,
    );
  });

  test('collections api - a tenant key cannot act for another tenant', async () => {
    const table = uniqueTable('private');
    await stack.api(tenantKey(bob)).createCollection({
      tenantId: bob,
      table,
      config: { vectorSize: 4, distance: 0, tenancy: 0 },
    });
    const asAlice = stack.api(tenantKey(alice));
    await rejectsWith(asAlice.getCollection({ tenantId: bob, table }), status.PERMISSION_DENIED);
    await rejectsWith(asAlice.deleteCollection({ tenantId: bob, table }), status.PERMISSION_DENIED);
    await rejectsWith(asAlice.listCollections({ tenantId: bob }), status.PERMISSION_DENIED);
    const own = await asAlice.listCollections({ tenantId: '' });
    assert.ok(own.collections.every((c) => c.tenantId === alice));
    const bobs = await stack.api(ADMIN_KEY).listCollections({ tenantId: bob });
    assert.ok(bobs.collections.some((c) => c.table === table));
  });

  test('collections api - the admin key must name a tenant', async () => {
    await rejectsWith(
      stack.api(ADMIN_KEY).listCollections({ tenantId: '' }),
      status.INVALID_ARGUMENT,
      'tenant_id',
    );
  });

  test('collections api - list does not show a tenant whose id extends another', async () => {
    const admin = stack.api(ADMIN_KEY);
    const short = uniqueName('p');
    const long = `${short}-x`;
    await admin.createCollection({
      tenantId: short,
      table: 'a',
      config: { vectorSize: 2, distance: 0, tenancy: 0 },
    });
    await admin.createCollection({
      tenantId: long,
      table: 'b',
      config: { vectorSize: 2, distance: 0, tenancy: 0 },
    });
    assert.deepEqual(
      (await admin.listCollections({ tenantId: short })).collections.map((c) => c.table),
      ['a'],
    );
    assert.deepEqual(
      (await admin.listCollections({ tenantId: long })).collections.map((c) => c.table),
      ['b'],
    );
  });
});
