import { ApiKeys, Operation, type CollectionService } from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import type { Caller } from './caller.js';
import { collectionToProto, configRequestFromProto } from './collection-mappers.js';
import type { OperationPipeline } from './operation-pipeline.js';

type CollectionHandlers = Pick<
  pb.VectorAdminServer,
  'createCollection' | 'ensureCollection' | 'getCollection' | 'listCollections' | 'deleteCollection'
>;

/** The validated ref of the table a request names, as the caller may use it. */
export function tableOf(collections: Pick<CollectionService, 'naming'>) {
  return (caller: Caller, request: { readonly tenantId: string; readonly table: string }) =>
    ApiKeys.authorize(caller.principal, collections.naming, request);
}

/** Handlers for the collection lifecycle RPCs. */
export function collectionHandlers(
  pipeline: OperationPipeline,
  collections: CollectionService,
): CollectionHandlers {
  const authorize = tableOf(collections);
  return {
    createCollection: pipeline.unary({
      operation: Operation.CreateCollection,
      authorize,
      run: async (ref, request: pb.CreateCollectionRequest) => {
        const view = await collections.create(ref, configRequestFromProto(request.config));
        const facts = { collection: view.ref.name, vectorSize: view.config.vectorSize };
        return { reply: collectionToProto(view), facts };
      },
    }),
    ensureCollection: pipeline.unary({
      operation: Operation.EnsureCollection,
      authorize,
      run: async (ref, request: pb.EnsureCollectionRequest) => {
        const ensured = await collections.ensure(ref, configRequestFromProto(request.config));
        const { collection, created } = ensured;
        const facts = { collection: collection.ref.name, vectorSize: collection.config.vectorSize };
        return { reply: { collection: collectionToProto(collection), created }, facts };
      },
    }),
    getCollection: pipeline.unary({
      operation: Operation.GetCollection,
      authorize,
      run: async (ref, _request: pb.GetCollectionRequest) => {
        const view = await collections.get(ref);
        const facts = {
          collection: view.ref.name,
          points: view.pointsCount,
          vectorSize: view.config.vectorSize,
        };
        return { reply: collectionToProto(view), facts };
      },
    }),
    listCollections: pipeline.unary({
      operation: Operation.ListCollections,
      authorize: (caller, request: pb.ListCollectionsRequest) => ({
        tenantId: ApiKeys.tenantFor(caller.principal, request.tenantId),
      }),
      run: async ({ tenantId }) => {
        const views = await collections.list(tenantId);
        return { reply: { collections: views.map(collectionToProto) } };
      },
    }),
    deleteCollection: pipeline.unary({
      operation: Operation.DeleteCollection,
      authorize,
      run: async (ref, _request: pb.DeleteCollectionRequest) => ({
        reply: { deleted: await collections.delete(ref) },
      }),
    }),
  };
}
