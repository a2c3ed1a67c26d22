import {
  AnalysisSort,
  VectorAdminError,
  type AnalysisPage,
  type AnalysisQuery,
  type AnalysisRow,
  type CollectionStorage,
} from '../domain/index.js';
import * as pba from '../gen/vectoradmin/v1/analysis.js';
import {
  collectionStatusToJSON,
  distanceToJSON,
  tenancyToJSON,
} from '../gen/vectoradmin/v1/vectoradmin.js';
import { collectionToProto } from './collection-mappers.js';

/** Rows per page when the request leaves page_size unset, and the most it may ask. */
export const DEFAULT_ANALYSIS_PAGE_SIZE = 100;
export const MAX_ANALYSIS_PAGE_SIZE = 1000;

const SORT_FROM_PROTO: Partial<Record<number, AnalysisSort>> = {
  [pba.CollectionSort.COLLECTION_SORT_UNSPECIFIED]: AnalysisSort.Table,
  [pba.CollectionSort.COLLECTION_SORT_SIZE]: AnalysisSort.Size,
  [pba.CollectionSort.COLLECTION_SORT_ACTIVITY]: AnalysisSort.Activity,
};

/** What a page token carries: where the next page starts, and for which query. */
interface PageToken {
  readonly offset: number;
  readonly sort: AnalysisSort;
  readonly tenant: string;
}

/** The query a request asks for; invalid_argument naming page_size, page_token or sort. */
export function analysisQueryFromProto(request: pba.DescribeCollectionsRequest): AnalysisQuery {
  const sort = SORT_FROM_PROTO[request.sort];
  if (sort === undefined)
    throw VectorAdminError.invalidField('sort', `unknown value ${request.sort}`);
  const pageSize = request.pageSize === 0 ? DEFAULT_ANALYSIS_PAGE_SIZE : request.pageSize;
  if (pageSize > MAX_ANALYSIS_PAGE_SIZE)
    throw VectorAdminError.invalidField('page_size', `must be at most ${MAX_ANALYSIS_PAGE_SIZE}`);
  let offset = 0;
  if (request.pageToken !== '') {
    const token = parseToken(request.pageToken);
    if (token.sort !== sort || token.tenant !== request.tenantId)
      throw VectorAdminError.invalidField(
        'page_token',
        'belongs to another query: repeat tenant_id and sort of the first page',
      );
    offset = token.offset;
  }
  return {
    sort,
    offset,
    pageSize,
    ...(request.tenantId === '' ? {} : { tenantId: request.tenantId }),
  };
}

/** The wire form of a page; its token repeats the query so a mismatched reuse is refused. */
export function analysisPageToProto(
  page: AnalysisPage,
  query: AnalysisQuery,
): pba.DescribeCollectionsResponse {
  const nextPageToken =
    page.nextOffset === undefined
      ? ''
      : Buffer.from(
          JSON.stringify({
            offset: page.nextOffset,
            sort: query.sort,
            tenant: query.tenantId ?? '',
          }),
        ).toString('base64url');
  return { collections: page.rows.map(rowToProto), nextPageToken, totalSize: page.totalSize };
}

/** One row: GetCollection's figures (enums by value name) and the store's and consumer's. */
export function rowToProto(row: AnalysisRow): pba.CollectionAnalysis {
  const collection = collectionToProto(row.view);
  const config = collection.config;
  return {
    name: collection.name,
    tenantId: collection.tenantId,
    table: collection.table,
    pointsCount: collection.pointsCount,
    indexedVectorsCount: collection.indexedVectorsCount,
    status: collectionStatusToJSON(collection.status),
    vectorSize: config?.vectorSize ?? 0,
    distance: distanceToJSON(config?.distance ?? 0),
    tenancy: tenancyToJSON(config?.tenancy ?? 0),
    storage: row.storage === undefined ? undefined : storageToProto(row.storage),
    sharedMembers: row.sharedMembers ?? 0,
    collectionPointsCount: BigInt(row.collectionPointsCount),
    activity:
      row.activity === undefined
        ? undefined
        : {
            lastWriteAt: row.activity.lastWriteAt,
            pointsPerSecond: row.activity.pointsPerSecond,
          },
  };
}

function storageToProto(storage: CollectionStorage): pba.CollectionStorage {
  const big = (n: number | undefined) => (n === undefined ? undefined : BigInt(Math.round(n)));
  return {
    diskBytes: big(storage.diskBytes),
    vectorsBytes: big(storage.vectorsBytes),
    payloadsBytes: big(storage.payloadsBytes),
    segmentsCount: big(storage.segmentsCount),
    createdAt: storage.createdAt,
  };
}

function parseToken(text: string): PageToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<PageToken>;
    if (
      typeof token.offset === 'number' &&
      Number.isSafeInteger(token.offset) &&
      token.offset >= 0 &&
      typeof token.sort === 'string' &&
      typeof token.tenant === 'string'
    )
      return { offset: token.offset, sort: token.sort, tenant: token.tenant };
  } catch {
    // Not JSON: refused below like any other token this service did not make.
  }
  throw VectorAdminError.invalidField('page_token', 'is not a token this service made');
}
