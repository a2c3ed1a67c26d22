import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { wireId, wireVector, type VectorAdminApi } from '../../src/client/index.js';
import {
  Distance,
  Tenancy,
  type CollectionConfig,
  type Point,
  type PointId,
} from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { startQdrantPeers } from '../helpers/qdrant-grpc-peer.js';
import { STORE_KINDS, storeUnderTest } from '../helpers/shared-tenancy-stores.js';
import {
  ADMIN_KEY,
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

// Issue 13, items 3 and 4: GetPoints, and ids that come back in the caller's own form.

const DIM = 4;
const UUID = '3f2c9a4e-1b7d-4c8e-9f0a-2b3c4d5e6f70';
const vec = (...v: number[]) => Float32Array.from(v);
const recordId = (value: string) => wireId({ recordId: value });
const POINTS: Point[] = [
  { id: recordId('WI-0'), vector: wireVector(vec(1, 0, 0, 0)), payload: { row: 0 } },
  { id: recordId('WI-1'), vector: wireVector(vec(0, 2, 0, 0)), payload: { row: 1 } },
  { id: wireId(7), vector: wireVector(vec(0, 0, 3, 0)), payload: { row: 7 } },
  { id: wireId({ uuid: UUID.toUpperCase() }), vector: wireVector(vec(0, 0, 0, 4)), payload: {} },
];

/** An id as the test compares it: its kind and value, e.g. `recordId:WI-0`. */
function idText(id: PointId | undefined): string {
  const kind = id?.kind;
  return kind === undefined ? 'none' : `${kind.$case}:${String(kind.value)}`;
}

async function rejects(promise: Promise<unknown>, code: status, field?: string): Promise<void> {
  const err = await promise.then(
    () => assert.fail(`expected ${status[code]}`),
    (e: ServiceError) => e,
  );
  assert.equal(err.code, code, `expected ${status[code]}, got ${status[err.code]}: ${err.details}`);
  if (field === undefined) return;
  const fields = err.metadata.get('field-violation').map(String);
  assert.ok(
    fields.some((v) => v.startsWith(`${field}:`)),
    `${field} named in ${fields.join('; ')}`,
  );
}

const TABLES: [string, CollectionConfig][] = [
  ['own', { vectorSize: DIM, distance: Distance.DISTANCE_EUCLID, tenancy: 0 }],
  [
    'shared',
    {
      vectorSize: DIM,
      distance: Distance.DISTANCE_EUCLID,
      tenancy: Tenancy.TENANCY_SHARED_COLLECTION,
    },
  ],
];

/** A store behind the service: the shared suites' kinds, and Qdrant over its gRPC transport. */
interface StoreFixture extends AsyncDisposable {
  start(tenants: readonly string[]): Promise<TestStack>;
  /** Qdrant gRPC only: the methods the service called on the gRPC peer. */
  grpcMethods?(): string[];
}

async function storeFixture(kind: (typeof KINDS)[number]): Promise<StoreFixture> {
  if (kind !== 'qdrant-grpc') return storeUnderTest(kind);
  const peers = await startQdrantPeers();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-get-'));
  const env = {
    VECTORADMIN_STORE: 'qdrant',
    QDRANT_URL: peers.rest.url,
    QDRANT_TRANSPORT: 'grpc',
    QDRANT_GRPC_PORT: String(peers.grpc.port),
  };
  return {
    start: (tenants) => startTestStack({ tenants, dataDir, env }),
    grpcMethods: () => peers.grpc.calls.map((c) => c.method),
    [Symbol.asyncDispose]: async () => {
      await peers.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const KINDS = [...STORE_KINDS, 'qdrant-grpc'] as const;

for (const kind of KINDS) {
  describe(`points get on ${kind}`, () => {
    const [a, b] = [uniqueName('ga'), uniqueName('gb')];
    let store: StoreFixture;
    let stack: TestStack;
    const api = (tenant: string): VectorAdminApi => stack.api(tenantKey(tenant));
    before(async () => {
      store = await storeFixture(kind);
      stack = await store.start([a, b]);
    });
    after(async () => {
      await stack[Symbol.asyncDispose]();
      await store[Symbol.asyncDispose]();
    });

    for (const [tenancy, config] of TABLES) {
      test(`points get on ${kind} - ${tenancy} table: search and get answer with the ids as written`, async () => {
        const table = uniqueTable(`get_${tenancy}`);
        // The operator sets a shared table up; tenants then join it.
        await stack.api(ADMIN_KEY).createCollection({ tenantId: a, table, config });
        await api(a).upsert({
          tenantId: '',
          table,
          seq: 1n,
          points: POINTS,
          autoCreate: undefined,
        });

        const search = (vector: Float32Array, limit: number, withPayload: boolean) =>
          api(a).search({
            tenantId: '',
            table,
            vector: wireVector(vector),
            limit,
            filter: undefined,
            withPayload,
          });
        const hits = await search(vec(1, 0, 0, 0), 10, true);
        assert.deepEqual(hits.points.map((h) => idText(h.id)).sort(), [
          'num:7',
          'recordId:WI-0',
          'recordId:WI-1',
          `uuid:${UUID}`,
        ]);
        assert.equal(idText(hits.points[0]?.id), 'recordId:WI-0', 'the nearest first');
        for (const hit of hits.points) {
          assert.ok(
            Object.keys(hit.payload ?? {}).every((key) => !key.startsWith('_va_')),
            `payload of ${idText(hit.id)} has no service keys`,
          );
        }
        const bare = await search(vec(0, 2, 0, 0), 1, false);
        assert.deepEqual(
          bare.points.map((h) => [idText(h.id), h.payload]),
          [['recordId:WI-1', undefined]],
        );

        const got = await api(a).getPoints({
          tenantId: '',
          table,
          ids: [
            recordId('WI-1'),
            wireId(404),
            wireId({ uuid: UUID }),
            wireId(7),
            recordId('WI-1'),
            recordId('never-written'),
          ],
          withVectors: true,
        });
        assert.deepEqual(
          got.points.map((p) => [idText(p.id), p.payload, p.vector?.kind]),
          [
            ['recordId:WI-1', { row: 1 }, { $case: 'dense', value: { values: [0, 2, 0, 0] } }],
            [`uuid:${UUID}`, {}, { $case: 'dense', value: { values: [0, 0, 0, 4] } }],
            ['num:7', { row: 7 }, { $case: 'dense', value: { values: [0, 0, 3, 0] } }],
          ],
        );
        const plain = await api(a).getPoints({
          tenantId: '',
          table,
          ids: [recordId('WI-0')],
          withVectors: false,
        });
        assert.deepEqual(
          plain.points.map((p) => [idText(p.id), p.payload, p.vector]),
          [['recordId:WI-0', { row: 0 }, undefined]],
        );
        if (store.grpcMethods !== undefined) {
          const methods = store.grpcMethods();
          assert.ok(methods.includes('Query') && methods.includes('Get'), 'reads went over gRPC');
        }
      });
    }

    test(`points get on ${kind} - a shared table answers each tenant with its own points only`, async () => {
      const table = uniqueTable('get_tenants');
      const config = TABLES[1]![1];
      await stack.api(ADMIN_KEY).createCollection({ tenantId: a, table, config });
      await api(b).createCollection({ tenantId: '', table, config });
      await api(a).upsert({ tenantId: '', table, seq: 1n, points: POINTS, autoCreate: undefined });
      const ids = POINTS.map((p) => p.id!);
      const none = await api(b).getPoints({ tenantId: '', table, ids, withVectors: false });
      assert.deepEqual(none.points, [], "B reads none of A's points by A's ids");
      const mine: Point = {
        id: recordId('WI-0'),
        vector: wireVector(vec(9, 9, 9, 9)),
        payload: {},
      };
      await api(b).upsert({ tenantId: '', table, seq: 1n, points: [mine], autoCreate: undefined });
      const own = await api(b).getPoints({ tenantId: '', table, ids, withVectors: true });
      assert.deepEqual(
        own.points.map((p) => [idText(p.id), p.vector?.kind]),
        [['recordId:WI-0', { $case: 'dense', value: { values: [9, 9, 9, 9] } }]],
      );
    });

    test(`points get on ${kind} - bad requests name the field and read nothing`, async () => {
      const table = uniqueTable('get_bad');
      await api(a).createCollection({ tenantId: '', table, config: TABLES[0]![1] });
      const get = (ids: PointId[], tenantId = '') =>
        api(a).getPoints({ tenantId, table, ids, withVectors: false });
      await rejects(get([]), status.INVALID_ARGUMENT, 'ids');
      await rejects(
        get([wireId(1), wireId({ uuid: 'not-a-uuid' })]),
        status.INVALID_ARGUMENT,
        'ids[1]',
      );
      await rejects(get([recordId('')]), status.INVALID_ARGUMENT, 'ids[0].record_id');
      await rejects(get([{ kind: undefined }]), status.INVALID_ARGUMENT, 'ids[0]');
      // More ids than a batch may carry (VECTORADMIN_MAX_BATCH_POINTS, default 1024).
      const many = Array.from({ length: 1025 }, (_, i) => wireId(i));
      await rejects(get(many), status.INVALID_ARGUMENT, 'ids');
      await rejects(
        api(a).getPoints({ tenantId: '', table: 'missing', ids: [wireId(1)], withVectors: false }),
        status.NOT_FOUND,
      );
      const denied = await get([wireId(1)], b).then(
        () => assert.fail('expected PERMISSION_DENIED'),
        (e: ServiceError) => e,
      );
      assert.equal(denied.code, status.PERMISSION_DENIED);
    });
  });
}
