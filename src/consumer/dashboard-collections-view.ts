import { TENANT_ID } from '../domain/naming.js';
import {
  CollectionAnalysis,
  CollectionSort,
  type DescribeCollectionsRequest,
  type DescribeCollectionsResponse,
} from '../gen/vectoradmin/v1/analysis.js';
import { DashboardQueryError } from './dashboard-view.js';

/** The orders the collections page offers: DescribeCollections' sorts by their short names. */
export const COLLECTION_SORTS = {
  table: CollectionSort.COLLECTION_SORT_UNSPECIFIED,
  size: CollectionSort.COLLECTION_SORT_SIZE,
  activity: CollectionSort.COLLECTION_SORT_ACTIVITY,
} as const;
export type CollectionsSort = keyof typeof COLLECTION_SORTS;

/** DescribeCollections' bound on a page. */
const MAX_PAGE_SIZE = 1000;

/** What the viewer of the collections page chose: one DescribeCollections page. */
export interface CollectionsQuery {
  readonly sort: CollectionsSort;
  /** One tenant's collections; every tenant's when absent. */
  readonly tenant?: string;
  /** Rows per page; the service's default (100) when absent. */
  readonly page_size?: number;
  /** The previous page's next_page_token; the first page when absent. */
  readonly page_token?: string;
}

/** Reads `sort`, `tenant`, `page_size` and `page_token` from a URL's query; throws naming a bad one. */
export function parseCollectionsQuery(params: URLSearchParams): CollectionsQuery {
  const sort = params.get('sort') || 'table';
  if (!Object.hasOwn(COLLECTION_SORTS, sort)) {
    const allowed = Object.keys(COLLECTION_SORTS).join(', ');
    throw new DashboardQueryError(`sort must be one of ${allowed}, not ${JSON.stringify(sort)}`);
  }
  const tenant = params.get('tenant') ?? '';
  if (tenant !== '' && !TENANT_ID.test(tenant)) {
    throw new DashboardQueryError(
      `tenant must be a tenant id (1-63 of a-z 0-9 -), not ${JSON.stringify(tenant)}`,
    );
  }
  const size = params.get('page_size') ?? '';
  const pageSize = Number(size);
  if (size !== '' && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_PAGE_SIZE)) {
    throw new DashboardQueryError(
      `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}, not ${JSON.stringify(size)}`,
    );
  }
  const token = params.get('page_token') ?? '';
  return {
    sort: sort as CollectionsSort,
    ...(tenant === '' ? {} : { tenant }),
    ...(size === '' ? {} : { page_size: pageSize }),
    ...(token === '' ? {} : { page_token: token }),
  };
}

/** The DescribeCollections call a query stands for. */
export function describeRequest(query: CollectionsQuery): DescribeCollectionsRequest {
  return {
    tenantId: query.tenant ?? '',
    pageSize: query.page_size ?? 0,
    pageToken: query.page_token ?? '',
    sort: COLLECTION_SORTS[query.sort],
  };
}

/** What the collections page shows: served on /api/collections. */
export type CollectionsView = CollectionsPage | CollectionsFailure;

interface CollectionsViewBase {
  readonly query: CollectionsQuery;
  /** The service address the consumer asked (VECTORADMIN_GRPC_ADDR). */
  readonly service: string;
  readonly as_of: string;
}

/** One page of DescribeCollections, its rows grouped by tenant. */
export interface CollectionsPage extends CollectionsViewBase {
  readonly ok: true;
  /**
   * The page's rows by tenant, in the service's order: tenants in the order of their first row,
   * each tenant's rows in the order they came. A row is the CollectionAnalysis in proto3 JSON
   * (as grpcurl prints it: 64-bit counts as strings, zero fields left out).
   */
  readonly tenants: readonly {
    readonly tenant_id: string;
    readonly collections: readonly unknown[];
  }[];
  /** Empty on the last page. */
  readonly next_page_token: string;
  /** Rows of all pages. */
  readonly total_size: number;
}

/** Why there is no page, and what to change so that there is one. */
export interface CollectionsFailure extends CollectionsViewBase {
  readonly ok: false;
  readonly error: {
    /** The gRPC status name, e.g. UNAVAILABLE. */
    readonly status: string;
    readonly message: string;
    /** What to set or do, naming the variable. */
    readonly fix: string;
  };
}

/** Answers a query with a page or a failure, never throwing. */
export type CollectionsSource = (query: CollectionsQuery) => Promise<CollectionsView>;

/** The page of `response`, grouped by tenant. Pure apart from the time stamp. */
export function collectionsPage(
  query: CollectionsQuery,
  service: string,
  response: DescribeCollectionsResponse,
): CollectionsPage {
  const tenants = new Map<string, unknown[]>();
  for (const row of response.collections) {
    const rows = tenants.get(row.tenantId) ?? [];
    rows.push(CollectionAnalysis.toJSON(row));
    tenants.set(row.tenantId, rows);
  }
  return {
    ok: true,
    query,
    service,
    as_of: new Date().toISOString(),
    tenants: [...tenants].map(([tenantId, collections]) => ({ tenant_id: tenantId, collections })),
    next_page_token: response.nextPageToken,
    total_size: response.totalSize,
  };
}
