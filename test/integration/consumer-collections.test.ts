import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { CollectionsView } from '../../src/consumer/dashboard-collections-view.js';
import { CollectionSort } from '../../src/gen/vectoradmin/v1/analysis.js';
import { closedPort } from '../helpers/closed-port.js';
import { activityReported, startCollectionsFixture } from '../helpers/collections-fixture.js';
import { startTestStack, tenantKey } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

async function getView(base: string, query: string): Promise<CollectionsView> {
  const res = await fetch(`${base}/api/collections${query}`, {
    signal: AbortSignal.timeout(20_000),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as CollectionsView;
}

/**
 * The endpoint's view and DescribeCollections' grouped answer, asked one after the other until
 * they agree: a summary the service receives between the two calls may still move a row's
 * activity. A view that never agrees fails with the difference.
 */
async function agreed<T>(
  view: () => Promise<CollectionsView>,
  expected: () => Promise<T>,
  pick: (v: CollectionsView) => T,
): Promise<CollectionsView> {
  let last: [CollectionsView, T] | undefined;
  try {
    return await waitFor(
      async () => {
        const v = await view();
        const e = await expected();
        last = [v, e];
        return isDeepStrictEqual(pick(v), e) && v;
      },
      { timeoutMs: 10_000, reason: 'the page data to equal DescribeCollections' },
    );
  } catch (err) {
    if (last !== undefined) assert.deepEqual(pick(last[0]), last[1]);
    throw err;
  }
}

const groupsOf = (v: CollectionsView) =>
  v.ok ? { groups: v.tenants, next: v.next_page_token } : v;

test('consumer collections - the page data is DescribeCollections, grouped by tenant, sorted and paged as the RPC', async () => {
  await using fixture = await startCollectionsFixture('consumer collections');
  const handle = await fixture.consumer();
  await activityReported(fixture);
  const base = `http://127.0.0.1:${handle.dashboardPort}`;
  const [acme, beta] = fixture.tenants;

  for (const [sort, value] of [
    ['table', CollectionSort.COLLECTION_SORT_UNSPECIFIED],
    ['size', CollectionSort.COLLECTION_SORT_SIZE],
    ['activity', CollectionSort.COLLECTION_SORT_ACTIVITY],
  ] as const) {
    const view = await agreed(
      () => getView(base, `?sort=${sort}`),
      async () => {
        const e = await fixture.expected({ sort: value });
        return { groups: e.groups, next: e.nextPageToken };
      },
      groupsOf,
    );
    assert.ok(view.ok, JSON.stringify(view));
    assert.equal(view.total_size, fixture.written);
    assert.equal(view.next_page_token, '');
    assert.equal(view.service, fixture.stack.address);
    assert.deepEqual(view.query, { sort });
  }
  const bySize = await getView(base, '?sort=size');
  assert.ok(bySize.ok);
  assert.deepEqual(
    bySize.tenants.map((g) => g.tenant_id),
    [acme, beta],
    "the tenant of the largest table first (acme's 2,000 points)",
  );
  const firstRow = bySize.tenants[0]?.collections[0] as {
    pointsCount?: string;
    activity?: unknown;
  };
  assert.equal(firstRow.pointsCount, '2000');
  assert.ok(firstRow.activity !== undefined, 'write activity from the consumer summaries');

  // Paged as the RPC pages: the endpoint's tokens lead through the same pages.
  let token = '';
  let pages = 0;
  do {
    const pageToken = token;
    const view = await agreed(
      () =>
        getView(
          base,
          `?sort=size&page_size=2${pageToken === '' ? '' : `&page_token=${encodeURIComponent(pageToken)}`}`,
        ),
      async () => {
        const e = await fixture.expected({
          sort: CollectionSort.COLLECTION_SORT_SIZE,
          pageSize: 2,
          pageToken,
        });
        return { groups: e.groups, next: e.nextPageToken };
      },
      groupsOf,
    );
    assert.ok(view.ok, JSON.stringify(view));
    assert.equal(view.tenants.reduce((n, g) => n + g.collections.length, 0) <= 2, true);
    token = view.next_page_token;
    pages += 1;
  } while (token !== '' && pages < 10);
  assert.equal(pages, Math.ceil(fixture.written / 2));

  // One tenant.
  const beta1 = await agreed(
    () => getView(base, `?tenant=${beta}`),
    async () => ({ groups: (await fixture.expected({ tenantId: beta })).groups, next: '' }),
    groupsOf,
  );
  assert.ok(beta1.ok);
  assert.deepEqual(
    beta1.tenants.map((g) => g.tenant_id),
    [beta],
  );

  // A query the page cannot honour is a 400 naming the parameter; the service is not asked.
  for (const [query, message] of [
    ['?sort=name', /sort must be one of table, size, activity/],
    ['?page_size=0', /page_size must be a whole number from 1 to 1000/],
    ['?page_size=1001', /page_size/],
    ['?tenant=Not_A_Tenant', /tenant must be a tenant id/],
  ] as const) {
    const res = await fetch(`${base}/api/collections${query}`);
    assert.equal(res.status, 400, query);
    assert.match(await res.text(), message);
  }
  // A token the service refuses is the page's message, not a failure of the dashboard.
  const stale = await getView(base, '?page_token=not-a-token');
  assert.equal(stale.ok, false);
  assert.ok(!stale.ok && stale.error.status === 'INVALID_ARGUMENT', JSON.stringify(stale));

  const html = await fetch(`${base}/collections`);
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  const page = await html.text();
  assert.match(page, /<title>VectorAdmin collections<\/title>/);
  assert.doesNotMatch(page, /(src|href)=["']?(https?:)?\/\//, 'no external assets');
});

test('consumer collections - without the admin key, or the service, the page says which variable to set and the rest of the dashboard serves', async () => {
  await using fixture = await startCollectionsFixture('consumer collections unconfigured');
  const failures: [string, Record<string, string>, string, RegExp, RegExp][] = [
    [
      'no admin key',
      { VECTORADMIN_ADMIN_KEY: '' },
      'UNAUTHENTICATED',
      /requires a key, and the consumer has no VECTORADMIN_ADMIN_KEY/,
      /set VECTORADMIN_ADMIN_KEY/,
    ],
    [
      'a wrong key',
      { VECTORADMIN_ADMIN_KEY: 'not-the-admin-key-0123456' },
      'UNAUTHENTICATED',
      /does not know the consumer's VECTORADMIN_ADMIN_KEY/,
      /set VECTORADMIN_ADMIN_KEY/,
    ],
    [
      "a tenant's key",
      { VECTORADMIN_ADMIN_KEY: tenantKey(fixture.tenants[0]) },
      'PERMISSION_DENIED',
      /not the admin key .*DescribeCollections is admin-only/,
      /set VECTORADMIN_ADMIN_KEY/,
    ],
  ];
  for (const [what, env, status, message, fix] of failures) {
    const handle = await fixture.consumer(env);
    const base = `http://127.0.0.1:${handle.dashboardPort}`;
    const view = await getView(base, '');
    assert.equal(view.ok, false, what);
    assert.ok(!view.ok);
    assert.equal(view.error.status, status, what);
    assert.match(view.error.message, message, what);
    assert.match(view.error.fix, fix, what);
    assert.equal((await fetch(`${base}/api/state`)).status, 200, `${what}: the dashboard serves`);
    assert.equal((await fetch(`${base}/collections`)).status, 200, `${what}: the page serves`);
    await handle.stop();
  }

  // Nothing listening: the page names the address and the variable; once a service listens
  // there, the page answers.
  const port = await closedPort();
  const handle = await fixture.consumer({ VECTORADMIN_GRPC_ADDR: `127.0.0.1:${port}` });
  const base = `http://127.0.0.1:${handle.dashboardPort}`;
  const down = await getView(base, '');
  assert.ok(!down.ok);
  assert.equal(down.error.status, 'UNAVAILABLE');
  assert.match(
    down.error.message,
    new RegExp(`cannot reach the VectorAdmin service at 127\\.0\\.0\\.1:${port}`),
  );
  assert.match(down.error.fix, /VECTORADMIN_GRPC_ADDR/);
  assert.equal((await fetch(`${base}/api/state`)).status, 200, 'the dashboard serves');
  await using late = await startTestStack({
    tenants: ['late'],
    env: { VECTORADMIN_GRPC_ADDR: `127.0.0.1:${port}` },
  });
  const up = await waitFor(
    async () => {
      const view = await getView(base, '');
      return view.ok && view;
    },
    { timeoutMs: 20_000, reason: 'the page to reach the service that came up' },
  );
  assert.deepEqual(up.tenants, [], `a new service without collections at ${late.address}`);
});
