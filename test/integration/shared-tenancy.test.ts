import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { plainId, wireId, wireVector, type VectorAdminApi } from '../../src/client/index.js';
import {
  Distance,
  Tenancy,
  type CollectionConfig,
  type Condition,
  type Point,
} from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import {
  STORE_KINDS,
  storeUnderTest,
  type StoreUnderTest,
} from '../helpers/shared-tenancy-stores.js';
import {
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const DIM = 4;
const OPERATOR = 'operator';
const SHARED: CollectionConfig = {
  vectorSize: DIM,
  distance: Distance.DISTANCE_EUCLID,
  tenancy: Tenancy.TENANCY_SHARED_COLLECTION,
};
const match = (key: string, value: string): Condition => ({
  key,
  condition: { $case: 'match', value: { value: { $case: 'keyword', value } } },
});
const where = (...must: Condition[]) => ({ must, should: [], mustNot: [] });
const vec = (...v: number[]) => Float32Array.from(v);
const point = (id: number | string, v: Float32Array, owner: string): Point => ({
  id: typeof id === 'number' ? wireId(id) : wireId({ recordId: id }),
  vector: wireVector(v),
  payload: { owner, tag: 'same' },
});

async function rejects(promise: Promise<unknown>, code: status, field?: string): Promise<void> {
  const err = await promise.then(
    () => assert.fail(`expected ${status[code]}`),
    (e: ServiceError) => e,
  );
  assert.equal(err.code, code, `expected ${status[code]}, got ${status[err.code]}: ${err.details}`);
  if (field !== undefined)
    assert.ok(
      err.metadata
        .get('field-violation')
        .map(String)
        .some((v) => v.startsWith(`${field}:`)),
    );
}

const count = async (api: VectorAdminApi, table: string, filter?: ReturnType<typeof where>) =>
  Number((await api.count({ tenantId: '', table, filter, exact: true })).count);
const search = async (api: VectorAdminApi, table: string, v: Float32Array, withPayload = true) =>
  (
    await api.search({
      tenantId: '',
      table,
      vector: wireVector(v),
      limit: 100,
      filter: undefined,
      withPayload,
    })
  ).points;
const upsert = (api: VectorAdminApi, table: string, points: Point[]) =>
  api.upsert({ tenantId: '', table, seq: 1n, points, autoCreate: undefined });

for (const kind of STORE_KINDS) {
  describe(`shared tenancy on ${kind}`, () => {
    const [a, b, c] = [uniqueName('sa'), uniqueName('sb'), uniqueName('sc')];
    let store: StoreUnderTest;
    let stack: TestStack;
    const api = (tenant: string) => stack.api(tenantKey(tenant));
    // Shared tables are set up by the operator (admin key); its member keeps each one alive.
    const setUp = (table: string) =>
      stack.api().ensureCollection({ tenantId: OPERATOR, table, config: SHARED });
    before(async () => {
      store = await storeUnderTest(kind);
      stack = await store.start([a, b, c]);
    });
    after(async () => {
      await stack.stop();
      await store[Symbol.asyncDispose]();
    });

    test(`shared tenancy (${kind}) - equal ids of two tenants never see, count, search, overwrite or delete each other`, async () => {
      const table = uniqueTable('iso');
      await setUp(table);
      for (const t of [a, b]) await api(t).createCollection({ tenantId: t, table, config: SHARED });
      await upsert(api(a), table, [
        point(1, vec(1, 0, 0, 0), 'a'),
        point(2, vec(0, 1, 0, 0), 'a'),
        point('r', vec(0, 0, 1, 0), 'a'),
      ]);
      await upsert(api(b), table, [
        point(1, vec(5, 5, 5, 5), 'b'),
        point(3, vec(6, 6, 6, 6), 'b'),
        point('r', vec(7, 7, 7, 7), 'b'),
      ]);
      assert.deepEqual([await count(api(a), table), await count(api(b), table)], [3, 3]);
      assert.equal(await count(api(a), table, where(match('owner', 'b'))), 0);
      assert.equal(await count(api(a), table, where(match('tag', 'same'))), 3);

      // B's vectors are A's nearest only among A's points; ids are A's own, payloads clean.
      const hits = await search(api(a), table, vec(5, 5, 5, 5));
      assert.deepEqual(new Set(hits.map((h) => plainId(h.id))), new Set([1, 2, 'r']));
      assert.ok(
        hits.every(
          (h) =>
            h.payload?.owner === 'a' && Object.keys(h.payload).every((k) => !k.startsWith('_va_')),
        ),
      );
      assert.ok(
        (await search(api(a), table, vec(1, 0, 0, 0), false)).every((h) => h.payload === undefined),
      );

      // A overwrites and deletes its id 1 and record r; B's id 1 and record r stay as they were.
      await upsert(api(a), table, [point(1, vec(9, 9, 9, 9), 'a')]);
      const bHits = await search(api(b), table, vec(5, 5, 5, 5));
      assert.equal(plainId(bHits[0]?.id), 1);
      assert.ok(Math.abs(bHits[0]!.score) < 1e-6, "B's point 1 keeps its vector");
      await api(a).deletePoints({
        tenantId: '',
        table,
        ids: [wireId(1), wireId({ recordId: 'r' })],
        filter: undefined,
      });
      assert.deepEqual([await count(api(a), table), await count(api(b), table)], [1, 3]);
      await api(a).deletePoints({
        tenantId: '',
        table,
        ids: [],
        filter: where(match('tag', 'same')),
      });
      assert.deepEqual([await count(api(a), table), await count(api(b), table)], [0, 3]);
      await api(b).deletePoints({
        tenantId: '',
        table,
        ids: [wireId(3)],
        filter: where(match('owner', 'nobody')),
      });
      assert.equal(await count(api(b), table), 2);

      const got = await api(b).getCollection({ tenantId: '', table });
      assert.equal(got.name, `client__shared_${table}`);
      assert.equal(got.config?.tenancy, Tenancy.TENANCY_SHARED_COLLECTION);
      assert.equal(got.pointsCount, 2n);
      const listed = (await api(a).listCollections({ tenantId: '' })).collections.filter(
        (x) => x.table === table,
      );
      assert.deepEqual(
        listed.map((x) => [x.tenantId, x.pointsCount]),
        [[a, 0n]],
      );
    });

    test(`shared tenancy (${kind}) - deleting one tenant leaves the other intact; auto-create races and re-joining starts empty`, async () => {
      const table = uniqueTable('del');
      await setUp(table);
      // Both auto-create at once: they race to create the shared collection, and both join.
      await Promise.all(
        [a, b].map((t) =>
          api(t).upsert({
            tenantId: '',
            table,
            seq: 1n,
            points: [point(1, vec(1, 1, 1, 1), t)],
            autoCreate: SHARED,
          }),
        ),
      );
      assert.equal((await api(a).deleteCollection({ tenantId: '', table })).deleted, true);
      assert.equal((await api(a).deleteCollection({ tenantId: '', table })).deleted, false);
      await rejects(api(a).getCollection({ tenantId: '', table }), status.NOT_FOUND);
      await rejects(
        api(a).count({ tenantId: '', table, filter: undefined, exact: true }),
        status.NOT_FOUND,
      );
      await rejects(
        upsert(api(a), table, [point(2, vec(1, 1, 1, 1), a)]),
        status.INVALID_ARGUMENT,
        'table',
      );
      assert.equal(await count(api(b), table), 1);
      assert.equal(plainId((await search(api(b), table, vec(1, 1, 1, 1)))[0]?.id), 1);
      const again = await api(a).ensureCollection({ tenantId: '', table, config: SHARED });
      assert.deepEqual([again.created, again.collection?.pointsCount], [true, 0n]);
    });

    test(`shared tenancy (${kind}) - a per-tenant collection of the same table works alongside`, async () => {
      const table = uniqueTable('mix');
      await setUp(table);
      await api(a).createCollection({ tenantId: '', table, config: SHARED });
      const own = await api(c).createCollection({
        tenantId: '',
        table,
        config: { vectorSize: 2, distance: 0, tenancy: 0 },
      });
      assert.equal(own.name, `client_${c}_${table}`);
      assert.equal(own.config?.tenancy, Tenancy.TENANCY_COLLECTION_PER_TENANT);
      await upsert(api(c), table, [point(1, vec(1, 2), c)]);
      await upsert(api(a), table, [point(1, vec(1, 2, 3, 4), a)]);
      assert.deepEqual([await count(api(a), table), await count(api(c), table)], [1, 1]);
      const tenancies = async (t: string) =>
        (await api(t).listCollections({ tenantId: '' })).collections
          .filter((x) => x.table === table)
          .map((x) => x.config?.tenancy);
      assert.deepEqual(await tenancies(a), [Tenancy.TENANCY_SHARED_COLLECTION]);
      assert.deepEqual(await tenancies(c), [Tenancy.TENANCY_COLLECTION_PER_TENANT]);
      await rejects(
        api(c).ensureCollection({ tenantId: '', table, config: SHARED }),
        status.FAILED_PRECONDITION,
      );
    });

    test(`shared tenancy (${kind}) - create, ensure and conflicts behave as for own collections`, async () => {
      const table = uniqueTable('life');
      await setUp(table);
      const first = await api(a).ensureCollection({ tenantId: '', table, config: SHARED });
      assert.equal(first.created, true);
      assert.equal(
        (await api(a).ensureCollection({ tenantId: '', table, config: SHARED })).created,
        false,
      );
      const unspecified = await api(a).ensureCollection({
        tenantId: '',
        table,
        config: { ...SHARED, tenancy: 0 },
      });
      assert.equal(unspecified.collection?.config?.tenancy, Tenancy.TENANCY_SHARED_COLLECTION);
      const perTenant = { ...SHARED, tenancy: Tenancy.TENANCY_COLLECTION_PER_TENANT };
      await rejects(
        api(a).ensureCollection({ tenantId: '', table, config: perTenant }),
        status.FAILED_PRECONDITION,
      );
      await rejects(
        api(a).createCollection({ tenantId: '', table, config: SHARED }),
        status.ALREADY_EXISTS,
      );
      await rejects(
        api(a).createCollection({ tenantId: '', table, config: perTenant }),
        status.ALREADY_EXISTS,
      );
      // The shared collection's settings are the table's: another size cannot join.
      await rejects(
        api(b).ensureCollection({ tenantId: '', table, config: { ...SHARED, vectorSize: 8 } }),
        status.FAILED_PRECONDITION,
      );
      await rejects(api(b).getCollection({ tenantId: '', table }), status.NOT_FOUND);
      await rejects(
        api(a).createCollection({
          tenantId: '',
          table,
          config: { ...SHARED, tenancy: 7 as Tenancy },
        }),
        status.INVALID_ARGUMENT,
        'config.tenancy',
      );
    });

    test(`shared tenancy (${kind}) - reserved _va_ keys are INVALID_ARGUMENT naming the field`, async () => {
      const table = uniqueTable('reserved');
      await setUp(table);
      await api(a).createCollection({ tenantId: '', table, config: SHARED });
      const forged = { ...point(1, vec(1, 1, 1, 1), a), payload: { _va_tenant: b } };
      await rejects(
        upsert(api(a), table, [forged]),
        status.INVALID_ARGUMENT,
        'points[0].payload._va_tenant',
      );
      await rejects(
        count(api(a), table, where(match('_va_tenant', b))),
        status.INVALID_ARGUMENT,
        'filter.must[0].key',
      );
      assert.equal(await count(api(b), table).catch(() => -1), -1, 'nothing joined B');
    });

    test(`shared tenancy (${kind}) - a restart keeps memberships and points`, async () => {
      const table = uniqueTable('restart');
      await setUp(table);
      for (const t of [a, b]) {
        await api(t).createCollection({ tenantId: '', table, config: SHARED });
        await upsert(api(t), table, [point(1, vec(1, 1, 1, 1), t), point(2, vec(2, 2, 2, 2), t)]);
      }
      await api(b).deletePoints({ tenantId: '', table, ids: [wireId(2)], filter: undefined });
      await stack.stop();
      stack = await store.start([a, b, c]);
      assert.deepEqual([await count(api(a), table), await count(api(b), table)], [2, 1]);
      const got = await api(a).getCollection({ tenantId: '', table });
      assert.deepEqual(
        [got.config?.tenancy, got.config?.vectorSize],
        [Tenancy.TENANCY_SHARED_COLLECTION, DIM],
      );
      assert.ok(
        (await search(api(b), table, vec(2, 2, 2, 2))).every((h) => h.payload?.owner === b),
      );
    });
  });
}
