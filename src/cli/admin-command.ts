import { connect, vectorAdminApi, type VectorAdminApi } from '../client/index.js';
import type { Config } from '../config/index.js';
import {
  CollectionAnalysis as AnalysisMessage,
  CollectionSort,
  DescribeCollectionsResponse,
  type CollectionAnalysis,
  type DescribeCollectionsRequest,
} from '../gen/vectoradmin/v1/analysis.js';
import { CLIENT_OPTIONS, UsageError, parse, positiveInt } from './args.js';
import { clientOptions } from './client-options.js';
import { formatTable, toJson } from './format.js';

/** The flags of `admin collections` (also what its --help lists). */
export const ADMIN_COLLECTIONS_OPTIONS = {
  ...CLIENT_OPTIONS,
  sort: { type: 'string', default: 'table' },
  'page-size': { type: 'string' },
  'page-token': { type: 'string' },
} as const;

const SORTS: Record<string, CollectionSort> = {
  table: CollectionSort.COLLECTION_SORT_UNSPECIFIED,
  size: CollectionSort.COLLECTION_SORT_SIZE,
  activity: CollectionSort.COLLECTION_SORT_ACTIVITY,
};

/**
 * `vector-admin admin collections`: DescribeCollections as a table or JSON. Without
 * --page-size or --page-token it follows every page; with either it prints one page and the
 * token of the next.
 */
export async function adminCommand(
  argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  const { values, positionals } = parse(argv, ADMIN_COLLECTIONS_OPTIONS);
  if (positionals[0] !== 'collections') throw new UsageError('admin needs: collections');
  const sort = SORTS[values.sort];
  if (sort === undefined) throw new UsageError('--sort must be table, size or activity');
  const onePage = values['page-size'] !== undefined || values['page-token'] !== undefined;
  const request: DescribeCollectionsRequest = {
    tenantId: values.tenant,
    sort,
    pageSize: positiveInt(values['page-size'], 'page-size', 0),
    pageToken: values['page-token'] ?? '',
  };
  const connection = connect(clientOptions(config, values));
  try {
    const api = vectorAdminApi(connection);
    const page = onePage ? await api.describeCollections(request) : await everyPage(api, request);
    if (values.json) out(toJson(DescribeCollectionsResponse.toJSON(page)));
    else {
      out(analysisTable(page.collections));
      if (page.nextPageToken !== '') out(`next page: --page-token ${page.nextPageToken}`);
    }
  } finally {
    connection.close();
  }
}

async function everyPage(
  api: VectorAdminApi,
  request: DescribeCollectionsRequest,
): Promise<DescribeCollectionsResponse> {
  const collections: CollectionAnalysis[] = [];
  let page = await api.describeCollections(request);
  collections.push(...page.collections);
  while (page.nextPageToken !== '') {
    page = await api.describeCollections({ ...request, pageToken: page.nextPageToken });
    collections.push(...page.collections);
  }
  return { collections, nextPageToken: '', totalSize: page.totalSize };
}

/** The rows as an aligned table; enums shortened (COLLECTION_STATUS_GREEN -> green). */
export function analysisTable(rows: readonly CollectionAnalysis[]): string {
  const short = (name: string, prefix: string) => name.replace(prefix, '').toLowerCase();
  return formatTable(
    [
      'TENANT',
      'TABLE',
      'TENANCY',
      'POINTS',
      'INDEXED',
      'STATUS',
      'SIZE',
      'DISTANCE',
      'BYTES',
      'CREATED',
      'LAST WRITE',
      'POINTS/S',
    ],
    rows.map((r) => {
      const json = AnalysisMessage.toJSON(r) as { storage?: { createdAt?: string } };
      const bytes = r.storage?.diskBytes ?? sumBytes(r);
      return [
        r.tenantId,
        r.table,
        r.tenancy === 'TENANCY_SHARED_COLLECTION' ? `shared (${r.sharedMembers})` : 'own',
        r.pointsCount.toString(),
        r.indexedVectorsCount.toString(),
        short(r.status, 'COLLECTION_STATUS_'),
        String(r.vectorSize),
        short(r.distance, 'DISTANCE_'),
        bytes === undefined ? '' : bytes.toString(),
        json.storage?.createdAt ?? '',
        r.activity?.lastWriteAt?.toISOString() ?? '',
        r.activity === undefined ? '' : r.activity.pointsPerSecond.toFixed(1),
      ];
    }),
  );
}

function sumBytes(r: CollectionAnalysis): bigint | undefined {
  const { vectorsBytes, payloadsBytes } = r.storage ?? {};
  if (vectorsBytes === undefined && payloadsBytes === undefined) return undefined;
  return (vectorsBytes ?? 0n) + (payloadsBytes ?? 0n);
}
