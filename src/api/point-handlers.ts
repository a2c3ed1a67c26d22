import {
  Operation,
  VectorAdminError,
  resolvePointId,
  type AuthorizedRef,
  type CollectionService,
  type FieldViolation,
  type PointId,
  type PointService,
} from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { tableOf } from './collection-handlers.js';
import { filterFromProto } from './filter-mapper.js';
import type { OperationPipeline, OperationSpec } from './operation-pipeline.js';
import {
  fetchedPointToProto,
  idInputFromProto,
  queryVectorFromProto,
  scoredPointToProto,
} from './point-mappers.js';
import { searchParamsFromProto } from './search-params-mapper.js';
import { upsertOperation } from './upsert-operation.js';

type PointHandlers = Pick<
  pb.VectorAdminServer,
  'upsert' | 'deletePoints' | 'getPoints' | 'search' | 'count'
>;

/** The point operations besides upsert, as the pipeline runs them (RPCs and the probe alike). */
export function pointOperations(collections: CollectionService, points: PointService) {
  const authorize = tableOf(collections);
  return {
    deletePoints: {
      operation: Operation.DeletePoints,
      authorize,
      run: async (ref, request) => {
        const ids = idsFromProto(ref.tenantId, ref.table, request.ids);
        const touched = await points.deletePoints(ref, ids, filterFromProto(request.filter));
        return { reply: {}, facts: { collection: touched.collection, points: ids.length } };
      },
    } satisfies OperationSpec<pb.DeletePointsRequest, AuthorizedRef, pb.DeletePointsResponse>,
    getPoints: {
      operation: Operation.GetPoints,
      authorize,
      run: async (ref, request) => {
        const ids = idsFromProto(ref.tenantId, ref.table, request.ids);
        const found = await points.getPoints(ref, ids, request.withVectors);
        const facts = { collection: found.collection, points: found.points.length };
        return { reply: { points: found.points.map(fetchedPointToProto) }, facts };
      },
    } satisfies OperationSpec<pb.GetPointsRequest, AuthorizedRef, pb.GetPointsResponse>,
    search: {
      operation: Operation.Search,
      authorize,
      run: async (ref, request) => {
        const vector = queryVectorFromProto(request.vector);
        const found = await points.search(
          ref,
          vector,
          request.limit,
          filterFromProto(request.filter),
          request.withPayload,
          searchParamsFromProto(request.params),
        );
        const facts = {
          collection: found.collection,
          points: found.points.length,
          vectorSize: vector.length,
        };
        return { reply: { points: found.points.map(scoredPointToProto) }, facts };
      },
    } satisfies OperationSpec<pb.SearchRequest, AuthorizedRef, pb.SearchResponse>,
    count: {
      operation: Operation.Count,
      authorize,
      run: async (ref, request) => {
        const counted = await points.count(ref, filterFromProto(request.filter), request.exact);
        const facts = { collection: counted.collection, points: counted.count };
        return { reply: { count: BigInt(counted.count) }, facts };
      },
    } satisfies OperationSpec<pb.CountRequest, AuthorizedRef, pb.CountResponse>,
  };
}

/** Handlers for the unary point RPCs. */
export function pointHandlers(
  pipeline: OperationPipeline,
  collections: CollectionService,
  points: PointService,
): PointHandlers {
  const operations = pointOperations(collections, points);
  return {
    upsert: pipeline.unary(upsertOperation(collections, points)),
    deletePoints: pipeline.unary(operations.deletePoints),
    getPoints: pipeline.unary(operations.getPoints),
    search: pipeline.unary(operations.search),
    count: pipeline.unary(operations.count),
  };
}

// Ids follow the same rules as upserted points (record ids map to the same UUIDs).
function idsFromProto(tenantId: string, table: string, ids: readonly pb.PointId[]): PointId[] {
  const violations: FieldViolation[] = [];
  const resolved: PointId[] = [];
  ids.forEach((id, index) => {
    try {
      resolved.push(resolvePointId(tenantId, table, idInputFromProto(id), `ids[${index}]`));
    } catch (err) {
      if (!(err instanceof VectorAdminError)) throw err;
      violations.push(...err.violations);
    }
  });
  if (violations.length > 0)
    throw new VectorAdminError('invalid_argument', 'invalid point ids', { violations });
  return resolved;
}
