import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { wireId, wireVector, type VectorAdminApi } from '../../src/client/index.js';
import {
  CollectionSort,
  type CollectionAnalysis,
  type DescribeCollectionsRequest,
} from '../../src/gen/vectoradmin/v1/analysis.js';
import {
  Distance,
  Tenancy,
  collectionStatusToJSON,
  distanceToJSON,
  tenancyToJSON,
  type Collection,
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
      `names ${field}`,
    );
}

const request = (r: Partial<DescribeCollectionsRequest>): DescribeCollectionsRequest => ({
  tenantId: '',
  pageSize: 0,
  pageToken: '',
  sort: CollectionSort.COLLECTION_SORT_UNSPECIFIED,
  ...r,
});

/** Every page of a query, following next_page_token. */
async function allPages(
  api: VectorAdminApi,
  r: Partial<DescribeCollectionsRequest>,
): Promise<{ rows: CollectionAnalysis[]; pages: number; totals: number[] }> {
  const rows: CollectionAnalysis[] = [];
  const totals: number[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const page = await api.describeCollections(request({ ...r, pageToken }));
    rows.push(...page.collections);
    totals.push(page.totalSize);
    pageToken = page.nextPageToken;
    pages += 1;
  } while (pageToken !== '' && pages < 100);
  return { rows, pages, totals };
}

/** GetCollection's answer in the analysis row's terms. */
function figuresOf(c: Collection) {
  return {
    name: c.name,
    tenantId: c.tenantId,
    table: c.table,
    pointsCount: c.pointsCount,
    indexedVectorsCount: c.indexedVectorsCount,
    status: collectionStatusToJSON(c.status),
    vectorSize: c.config?.vectorSize,
    distance: distanceToJSON(c.config?.distance ?? 0),
    tenancy: tenancyToJSON(c.config?.tenancy ?? 0),
  };
}

const points = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    id: wireId(from + i + 1),
    vector: wireVector(Float32Array.from({ length: DIM }, (_, d) => Math.sin(i + d))),
    payload: { i },
  }));

for (const kind of STORE_KINDS) {
  void describe(`describe collections (${kind})`, () => {
    let store: StoreUnderTest;
    let stack: TestStack;
    const acme = uniqueName('acme');
    const beta = uniqueName('beta');
    const small = uniqueTable('small');
    const big = uniqueTable('big');
    const shared = uniqueTable('shared');
    // tenant -> table -> points written
    const written = new Map<string, number>();

    before(async () => {
      store = await storeUnderTest(kind);
      stack = await store.start([acme, beta]);
      const admin = stack.api();
      const own = {
        vectorSize: DIM,
        distance: Distance.DISTANCE_DOT,
        tenancy: Tenancy.TENANCY_COLLECTION_PER_TENANT,
      };
      const sharedConfig = { ...own, tenancy: Tenancy.TENANCY_SHARED_COLLECTION };
      const write = async (tenantId: string, table: string, n: number, from = 0) => {
        await admin.upsert({ tenantId, table, seq: 1n, points: points(n, from) });
        written.set(`${tenantId}/${table}`, (written.get(`${tenantId}/${table}`) ?? 0) + n);
      };
      await admin.createCollection({ tenantId: acme, table: small, config: own });
      await admin.createCollection({ tenantId: acme, table: big, config: own });
      await admin.createCollection({ tenantId: beta, table: small, config: own });
      await admin.createCollection({ tenantId: acme, table: shared, config: sharedConfig });
      await admin.createCollection({ tenantId: beta, table: shared, config: sharedConfig });
      await write(acme, small, 3);
      await write(acme, big, 300);
      await write(beta, small, 30);
      await write(acme, shared, 5);
      await write(beta, shared, 7, 100);
    });

    after(async () => {
      await stack.stop();
      await store[Symbol.asyncDispose]();
    });

    const ours = (rows: readonly CollectionAnalysis[]) =>
      rows.filter((r) => r.tenantId === acme || r.tenantId === beta);

    void test(`describe collections (${kind}) - a tenant key is refused, whatever tenant it names`, async () => {
      const tenant = stack.api(tenantKey(acme));
      await rejects(tenant.describeCollections(request({})), status.PERMISSION_DENIED);
      await rejects(
        tenant.describeCollections(request({ tenantId: acme })),
        status.PERMISSION_DENIED,
      );
    });

    void test(`describe collections (${kind}) - figures equal GetCollection's, shared tables per member`, async () => {
      const admin = stack.api();
      const { rows } = await allPages(admin, {});
      const mine = ours(rows);
      assert.deepEqual(
        mine.map((r) => `${r.tenantId}/${r.table}`),
        [
          `${acme}/${big}`,
          `${acme}/${shared}`,
          `${acme}/${small}`,
          `${beta}/${shared}`,
          `${beta}/${small}`,
        ],
        'every table of every tenant, by tenant and table',
      );
      for (const row of mine) {
        const got = await admin.getCollection({ tenantId: row.tenantId, table: row.table });
        const { storage, sharedMembers, collectionPointsCount, activity, ...figures } = row;
        assert.deepEqual(figures, figuresOf(got), `${row.tenantId}/${row.table}`);
        assert.equal(Number(row.pointsCount), written.get(`${row.tenantId}/${row.table}`));
        assert.equal(activity, undefined, 'no consumer summaries reach this service');
        assert.ok(storage !== undefined, 'the store describes the collection');
        const bytes =
          storage.diskBytes ?? (storage.vectorsBytes ?? 0n) + (storage.payloadsBytes ?? 0n);
        assert.ok(bytes > 0n, 'a collection with points takes room');
        assert.ok(storage.createdAt instanceof Date, 'both stores record the creation time');
        if (row.tenancy === 'TENANCY_SHARED_COLLECTION') {
          assert.equal(sharedMembers, 2);
          assert.equal(Number(collectionPointsCount), 12, "every member's points");
        } else {
          assert.equal(sharedMembers, 0);
          assert.equal(collectionPointsCount, row.pointsCount);
        }
      }
      const only = await allPages(admin, { tenantId: beta });
      assert.deepEqual(
        only.rows.map((r) => r.table),
        [shared, small],
        'one tenant: its own tables only',
      );
    });

    void test(`describe collections (${kind}) - pages cover every row once, in order`, async () => {
      const admin = stack.api();
      const whole = await allPages(admin, { pageSize: 1000 });
      assert.equal(whole.pages, 1);
      const paged = await allPages(admin, { pageSize: 2 });
      assert.equal(paged.pages, Math.ceil(whole.rows.length / 2));
      assert.deepEqual(
        paged.rows.map((r) => r.name + r.tenantId),
        whole.rows.map((r) => r.name + r.tenantId),
      );
      assert.ok(
        paged.totals.every((t) => t === whole.rows.length),
        'total_size on every page',
      );
      const first = await admin.describeCollections(request({ pageSize: 2 }));
      await rejects(
        admin.describeCollections(
          request({ pageToken: first.nextPageToken, sort: CollectionSort.COLLECTION_SORT_SIZE }),
        ),
        status.INVALID_ARGUMENT,
        'page_token',
      );
      await rejects(
        admin.describeCollections(request({ pageToken: 'bm90IGEgdG9rZW4' })),
        status.INVALID_ARGUMENT,
        'page_token',
      );
      await rejects(
        admin.describeCollections(request({ pageSize: 1001 })),
        status.INVALID_ARGUMENT,
        'page_size',
      );
      await rejects(
        admin.describeCollections(request({ tenantId: 'Not_A_Tenant' })),
        status.INVALID_ARGUMENT,
        'tenant_id',
      );
    });

    void test(`describe collections (${kind}) - sorted by size, the largest collection first`, async () => {
      const admin = stack.api();
      const { rows } = await allPages(admin, {
        pageSize: 2,
        sort: CollectionSort.COLLECTION_SORT_SIZE,
      });
      const bytes = (r: CollectionAnalysis) =>
        Number(
          r.storage?.diskBytes ??
            (r.storage?.vectorsBytes ?? 0n) + (r.storage?.payloadsBytes ?? 0n),
        );
      const sizes = rows.map(bytes);
      assert.deepEqual(
        sizes,
        [...sizes].sort((a, b) => b - a),
        'non-increasing sizes across pages',
      );
      const mine = ours(rows).filter((r) => r.tenancy !== 'TENANCY_SHARED_COLLECTION');
      assert.equal(mine[0]?.table, big, '300 points outweigh 30 and 3');
      assert.deepEqual(
        mine.map((r) => Number(r.pointsCount)),
        [300, 30, 3],
      );
    });
  });
}
