import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  collectionsPage,
  describeRequest,
  parseCollectionsQuery,
} from '../../src/consumer/dashboard-collections-view.js';
import { DashboardQueryError } from '../../src/consumer/dashboard-view.js';
import { CollectionSort, type CollectionAnalysis } from '../../src/gen/vectoradmin/v1/analysis.js';

const parse = (query: string) => parseCollectionsQuery(new URLSearchParams(query));

function row(tenantId: string, table: string, pointsCount: bigint): CollectionAnalysis {
  return {
    name: `client_${tenantId}_${table}`,
    tenantId,
    table,
    pointsCount,
    indexedVectorsCount: 0n,
    status: 'COLLECTION_STATUS_GREEN',
    vectorSize: 4,
    distance: 'DISTANCE_COSINE',
    tenancy: 'TENANCY_COLLECTION_PER_TENANT',
    storage: undefined,
    sharedMembers: 0,
    collectionPointsCount: 0n,
    activity: undefined,
  };
}

test('collections query - defaults to the RPC first page by tenant and table', () => {
  assert.deepEqual(parse(''), { sort: 'table' });
  assert.deepEqual(describeRequest(parse('')), {
    tenantId: '',
    pageSize: 0,
    pageToken: '',
    sort: CollectionSort.COLLECTION_SORT_UNSPECIFIED,
  });
  assert.deepEqual(
    describeRequest(parse('sort=activity&tenant=acme&page_size=25&page_token=abc')),
    {
      tenantId: 'acme',
      pageSize: 25,
      pageToken: 'abc',
      sort: CollectionSort.COLLECTION_SORT_ACTIVITY,
    },
  );
  assert.equal(describeRequest(parse('sort=size')).sort, CollectionSort.COLLECTION_SORT_SIZE);
});

test('collections query - a parameter it cannot honour is named', () => {
  for (const [query, name] of [
    ['sort=name', /^sort must be one of table, size, activity/],
    ['sort=constructor', /^sort must be/],
    ['tenant=A_B', /^tenant must be a tenant id/],
    ['page_size=0', /^page_size must be a whole number from 1 to 1000/],
    ['page_size=1.5', /^page_size/],
    ['page_size=x', /^page_size/],
    ['page_size=1001', /^page_size/],
  ] as const) {
    assert.throws(
      () => parse(query),
      (err: unknown) => err instanceof DashboardQueryError && name.test(err.message),
      query,
    );
  }
});

test("collections page - groups the service's rows by tenant in the order they came", () => {
  const page = collectionsPage({ sort: 'size' }, '127.0.0.1:50051', {
    collections: [row('b', 'big', 900n), row('a', 'mid', 50n), row('b', 'small', 3n)],
    nextPageToken: 'next',
    totalSize: 7,
  });
  assert.equal(page.ok, true);
  assert.deepEqual(
    page.tenants.map((g) => [
      g.tenant_id,
      g.collections.map((c) => (c as { table: string }).table),
    ]),
    [
      ['b', ['big', 'small']],
      ['a', ['mid']],
    ],
  );
  assert.deepEqual(page.tenants[0]?.collections[0], {
    name: 'client_b_big',
    tenantId: 'b',
    table: 'big',
    pointsCount: '900',
    status: 'COLLECTION_STATUS_GREEN',
    vectorSize: 4,
    distance: 'DISTANCE_COSINE',
    tenancy: 'TENANCY_COLLECTION_PER_TENANT',
  });
  assert.equal(page.next_page_token, 'next');
  assert.equal(page.total_size, 7);
  assert.equal(page.service, '127.0.0.1:50051');
});
