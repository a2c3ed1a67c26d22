import { ApiKeys, Operation, type CollectionService } from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { collectionToProto, configRequestFromProto } from './collection-mappers.js';
import { mayConfigureShared, type Caller, type OperationFacts } from './operation-recorder.js';
import { handleUnary, unary, type HandlerDeps } from './unary.js';

type CollectionHandlers = Pick<
  pb.VectorAdminServer,
  'createCollection' | 'ensureCollection' | 'getCollection' | 'listCollections' | 'deleteCollection'
>;

/** Authorizes the request's tenant and records tenant, table and collection for the event. */
export function authorizeTable(
  collections: Pick<CollectionService, 'naming'>,
  caller: Caller,
  facts: OperationFacts,
  request: { tenantId: string; table: string },
) {
  const tenantId = ApiKeys.tenantFor(caller.principal, request.tenantId);
  facts.tenantId = tenantId;
  const ref = collections.naming.ref(tenantId, request.table);
  facts.table = ref.table;
  facts.collection = ref.name;
  return ref;
}

/** Handlers for the collection lifecycle RPCs. */
export function collectionHandlers(
  deps: HandlerDeps,
  collections: CollectionService,
): CollectionHandlers {
  return {
    createCollection: unary(
      (call, callback) =>
        handleUnary(deps, Operation.CreateCollection, call, callback, async (caller, facts) => {
          const ref = authorizeTable(collections, caller, facts, call.request);
          const config = configRequestFromProto(call.request.config);
          const view = await collections.create(
            ref.tenantId,
            ref.table,
            config,
            mayConfigureShared(caller),
          );
          facts.collection = view.ref.name;
          facts.vectorSize = view.config.vectorSize;
          return collectionToProto(view);
        }),
      deps.logger,
    ),
    ensureCollection: unary(
      (call, callback) =>
        handleUnary(deps, Operation.EnsureCollection, call, callback, async (caller, facts) => {
          const ref = authorizeTable(collections, caller, facts, call.request);
          const config = configRequestFromProto(call.request.config);
          const { collection, created } = await collections.ensure(
            ref.tenantId,
            ref.table,
            config,
            mayConfigureShared(caller),
          );
          facts.collection = collection.ref.name;
          facts.vectorSize = collection.config.vectorSize;
          return { collection: collectionToProto(collection), created };
        }),
      deps.logger,
    ),
    getCollection: unary(
      (call, callback) =>
        handleUnary(deps, Operation.GetCollection, call, callback, async (caller, facts) => {
          const ref = authorizeTable(collections, caller, facts, call.request);
          const view = await collections.get(ref.tenantId, ref.table);
          facts.collection = view.ref.name;
          facts.points = view.pointsCount;
          facts.vectorSize = view.config.vectorSize;
          return collectionToProto(view);
        }),
      deps.logger,
    ),
    listCollections: unary(
      (call, callback) =>
        handleUnary(deps, Operation.ListCollections, call, callback, async (caller, facts) => {
          const tenantId = ApiKeys.tenantFor(caller.principal, call.request.tenantId);
          facts.tenantId = tenantId;
          const views = await collections.list(tenantId);
          return { collections: views.map(collectionToProto) };
        }),
      deps.logger,
    ),
    deleteCollection: unary(
      (call, callback) =>
        handleUnary(deps, Operation.DeleteCollection, call, callback, async (caller, facts) => {
          const ref = authorizeTable(collections, caller, facts, call.request);
          return { deleted: await collections.delete(ref.tenantId, ref.table) };
        }),
      deps.logger,
    ),
  };
}
