import {
  Operation,
  VectorAdminError,
  resolvePointId,
  type CollectionService,
  type FieldViolation,
  type PointId,
  type PointService,
} from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { authorizeTable } from './collection-handlers.js';
import { configRequestFromProto } from './collection-mappers.js';
import { filterFromProto } from './filter-mapper.js';
import {
  fetchedPointToProto,
  idInputFromProto,
  pointInputFromProto,
  queryVectorFromProto,
  scoredPointToProto,
  vectorBytes,
} from './point-mappers.js';
import { searchParamsFromProto } from './search-params-mapper.js';
import { handleUnary, unary, type HandlerDeps } from './unary.js';
import { mayConfigureShared } from './operation-recorder.js';

type PointHandlers = Pick<
  pb.VectorAdminServer,
  'upsert' | 'deletePoints' | 'getPoints' | 'search' | 'count'
>;

/** Handlers for the unary point RPCs. */
export function pointHandlers(
  deps: HandlerDeps,
  collections: CollectionService,
  points: PointService,
): PointHandlers {
  return {
    upsert: unary(
      (call, callback) =>
        handleUnary(deps, Operation.Upsert, call, callback, async (caller, facts) => {
          const request = call.request;
          const ref = authorizeTable(collections, caller, facts, request);
          facts.seq = request.seq.toString();
          facts.points = 0;
          facts.pointsRequested = request.points.length;
          facts.bytes = vectorBytes(request.points);
          const outcome = await points.upsert(
            ref,
            request.points.map(pointInputFromProto),
            configRequestFromProto(request.autoCreate, 'auto_create'),
            mayConfigureShared(caller),
          );
          facts.vectorSize = outcome.vectorSize;
          if (outcome.collection !== '') facts.collection = outcome.collection;
          facts.points = outcome.upserted;
          if (outcome.errors.length > 0) {
            // A unary batch fails as a call: the status names the first field, trailers all.
            const first = outcome.errors[0];
            throw new VectorAdminError(
              'invalid_argument',
              `batch rejected: ${first?.field}: ${first?.message}`,
              {
                violations: outcome.errors.map((e) => ({ field: e.field, message: e.message })),
              },
            );
          }
          return { seq: request.seq, upserted: outcome.upserted, errors: [] };
        }),
      deps.logger,
    ),
    deletePoints: unary(
      (call, callback) =>
        handleUnary(deps, Operation.DeletePoints, call, callback, async (caller, facts) => {
          const ref = authorizeTable(collections, caller, facts, call.request);
          const ids = idsFromProto(ref.tenantId, ref.table, call.request.ids);
          facts.points = ids.length;
          const touched = await points.deletePoints(ref, ids, filterFromProto(call.request.filter));
          facts.collection = touched.collection;
          return {};
        }),
      deps.logger,
    ),
    getPoints: unary(
      (call, callback) =>
        handleUnary(deps, Operation.GetPoints, call, callback, async (caller, facts) => {
          const ref = authorizeTable(collections, caller, facts, call.request);
          const ids = idsFromProto(ref.tenantId, ref.table, call.request.ids);
          const found = await points.getPoints(ref, ids, call.request.withVectors);
          facts.collection = found.collection;
          facts.points = found.points.length;
          return { points: found.points.map(fetchedPointToProto) };
        }),
      deps.logger,
    ),
    search: unary(
      (call, callback) =>
        handleUnary(deps, Operation.Search, call, callback, async (caller, facts) => {
          const request = call.request;
          const ref = authorizeTable(collections, caller, facts, request);
          const vector = queryVectorFromProto(request.vector);
          facts.vectorSize = vector.length;
          const found = await points.search(
            ref,
            vector,
            request.limit,
            filterFromProto(request.filter),
            request.withPayload,
            searchParamsFromProto(request.params),
          );
          facts.collection = found.collection;
          facts.points = found.points.length;
          return { points: found.points.map(scoredPointToProto) };
        }),
      deps.logger,
    ),
    count: unary(
      (call, callback) =>
        handleUnary(deps, Operation.Count, call, callback, async (caller, facts) => {
          const ref = authorizeTable(collections, caller, facts, call.request);
          const counted = await points.count(
            ref,
            filterFromProto(call.request.filter),
            call.request.exact,
          );
          facts.collection = counted.collection;
          facts.points = counted.count;
          return { count: BigInt(counted.count) };
        }),
      deps.logger,
    ),
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
