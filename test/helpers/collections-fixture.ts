import { createTelemetry, runConsumer, type ConsumerHandle } from '../../src/consumer/index.js';
import {
  CollectionAnalysis,
  CollectionSort,
  type DescribeCollectionsRequest,
} from '../../src/gen/vectoradmin/v1/analysis.js';
import { Distance, Tenancy } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { silentLogger } from '../../src/logging/index.js';
import { startConsumerFixture, type ConsumerFixture } from './consumer-stack.js';
import { seededRandom, wirePoints } from './points.js';
import {
  ADMIN_KEY,
  startTestStack,
  uniqueName,
  uniqueTable,
  type TestStack,
} from './vector-admin-stack.js';
import { waitFor } from './wait-for.js';

const DIM = 16;

/** A page's rows as the collections page groups them: tenant, then the tenant's rows. */
export interface TenantGroup {
  readonly tenant_id: string;
  readonly collections: readonly unknown[];
}

/**
 * NATS, a keyed service with events and two tenants' collections (own and shared, of very
 * different sizes), and consumers started against it on demand.
 */
export interface CollectionsFixture {
  readonly fx: ConsumerFixture;
  readonly stack: TestStack;
  readonly tenants: readonly [string, string];
  /** Physical collections written, for waiting on activity. */
  readonly written: number;
  /**
   * A consumer in this process whose collections page asks this stack's service with the
   * admin key; `env` adds to (or, with '', removes from) its environment.
   */
  consumer(env?: Record<string, string>): Promise<ConsumerHandle>;
  /** DescribeCollections' answer to `request`, grouped by tenant as the page groups it. */
  expected(
    request: Partial<DescribeCollectionsRequest>,
  ): Promise<{ groups: TenantGroup[]; nextPageToken: string; totalSize: number }>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startCollectionsFixture(title: string): Promise<CollectionsFixture> {
  const fx = await startConsumerFixture(title);
  const consumers: ConsumerHandle[] = [];
  let stack: TestStack | undefined;
  try {
    const acme = uniqueName('acme');
    const beta = uniqueName('beta');
    stack = await startTestStack({ tenants: [acme, beta], natsUrl: fx.server.url });
    const service = stack;
    const admin = stack.api();
    const own = {
      vectorSize: DIM,
      distance: Distance.DISTANCE_COSINE,
      tenancy: Tenancy.TENANCY_COLLECTION_PER_TENANT,
    };
    const shared = uniqueTable('c_shared');
    const tables: [string, string, number, typeof own][] = [
      [acme, uniqueTable('a_small'), 20, own],
      [acme, uniqueTable('b_big'), 2000, own],
      [beta, uniqueTable('a_small'), 200, own],
      [acme, shared, 5, { ...own, tenancy: Tenancy.TENANCY_SHARED_COLLECTION }],
      [beta, shared, 7, { ...own, tenancy: Tenancy.TENANCY_SHARED_COLLECTION }],
    ];
    const random = seededRandom(7);
    for (const [tenantId, table, count, config] of tables) {
      await admin.createCollection({ tenantId, table, config });
      for (let from = 0; from < count; from += 1000) {
        const { points } = wirePoints(random, DIM, from + 1, Math.min(1000, count - from));
        await admin.upsert({ tenantId, table, seq: 1n, points });
      }
    }
    const fixture: CollectionsFixture = {
      fx,
      stack: service,
      tenants: [acme, beta],
      written: tables.length,
      consumer: async (env = {}) => {
        const handle = await runConsumer(
          fx.config({
            VECTORADMIN_GRPC_ADDR: service.address,
            VECTORADMIN_ADMIN_KEY: ADMIN_KEY,
            VECTORADMIN_CONSUMER_NAME: uniqueName('collections'),
            ...env,
          }),
          silentLogger,
          { telemetry: createTelemetry([]), tickMs: 100 },
        );
        consumers.push(handle);
        return handle;
      },
      expected: async (request) => {
        const page = await admin.describeCollections({
          tenantId: '',
          pageSize: 0,
          pageToken: '',
          sort: CollectionSort.COLLECTION_SORT_UNSPECIFIED,
          ...request,
        });
        const groups: { tenant_id: string; collections: unknown[] }[] = [];
        for (const row of page.collections) {
          let group = groups.find((g) => g.tenant_id === row.tenantId);
          if (group === undefined)
            groups.push((group = { tenant_id: row.tenantId, collections: [] }));
          group.collections.push(CollectionAnalysis.toJSON(row));
        }
        return { groups, nextPageToken: page.nextPageToken, totalSize: page.totalSize };
      },
      [Symbol.asyncDispose]: async () => {
        for (const handle of consumers) await handle.stop();
        await service[Symbol.asyncDispose]();
        await fx[Symbol.asyncDispose]();
      },
    };
    return fixture;
  } catch (err) {
    await stack?.[Symbol.asyncDispose]();
    await fx[Symbol.asyncDispose]();
    throw err;
  }
}

/** Waits until the service reports write activity (from the consumer's summaries) on every written row. */
export async function activityReported(fixture: CollectionsFixture): Promise<void> {
  const api = fixture.stack.api();
  await waitFor(
    async () => {
      const page = await api.describeCollections({
        tenantId: '',
        pageSize: 0,
        pageToken: '',
        sort: CollectionSort.COLLECTION_SORT_UNSPECIFIED,
      });
      return (
        page.collections.length === fixture.written &&
        page.collections.every((r) => r.activity !== undefined)
      );
    },
    { timeoutMs: 30_000, reason: 'write activity on every row from the consumer summaries' },
  );
}
