import { ApiKeys, Operation, type AuthorizedRef, type CollectionService } from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import type { Caller } from './caller.js';
import { collectionToProto, configRequestFromProto } from './collection-mappers.js';
import type { OperationPipeline, OperationSpec, Target } from './operation-pipeline.js';

type CollectionHandlers = Pick<
  pb.VectorAdminServer,
  'createCollection' | 'ensureCollection' | 'getCollection' | 'listCollections' | 'deleteCollection'
>;

/** The validated ref of the table a request names, as the caller may use it. */
export function tableOf(collections: Pick<CollectionService, 'naming'>) {
  return (caller: Caller, request: { readonly tenantId: string; readonly table: string }) =>
    ApiKeys.authorize(caller.principal, collections.naming, request);
}

/** The collection lifecycle operations, as the pipeline runs them (RPCs and the probe alike). */
export function collectionOperations(collections: CollectionService) {
  const authorize = tableOf(collections);
  return {
    createCollection: {
      operation: Operation.CreateCollection,
      authorize,
      run: async (ref, request) => {
        const view = await collections.create(ref, configRequestFromProto(request.config));
        const facts = { collection: view.ref.name, vectorSize: view.config.vectorSize };
        return { reply: collectionToProto(view), facts };
      },
    } satisfies OperationSpec<pb.CreateCollectionRequest, AuthorizedRef, pb.Collection>,
    ensureCollection: {
      operation: Operation.EnsureCollection,
      authorize,
      run: async (ref, request) => {
        const ensured = await collections.ensure(ref, configRequestFromProto(request.config));
        const { collection, created } = ensured;
        const facts = { collection: collection.ref.name, vectorSize: collection.config.vectorSize };
        return { reply: { collection: collectionToProto(collection), created }, facts };
      },
    } satisfies OperationSpec<
      pb.EnsureCollectionRequest,
      AuthorizedRef,
      pb.EnsureCollectionResponse
    >,
    getCollection: {
      operation: Operation.GetCollection,
      authorize,
      run: async (ref) => {
        const view = await collections.get(ref);
        const facts = {
          collection: view.ref.name,
          points: view.pointsCount,
          vectorSize: view.config.vectorSize,
        };
        return { reply: collectionToProto(view), facts };
      },
    } satisfies OperationSpec<pb.GetCollectionRequest, AuthorizedRef, pb.Collection>,
    listCollections: {
      operation: Operation.ListCollections,
      authorize: (caller, request) => ({
        tenantId: ApiKeys.tenantFor(caller.principal, request.tenantId),
      }),
      run: async ({ tenantId }) => {
        const views = await collections.list(tenantId);
        return { reply: { collections: views.map(collectionToProto) } };
      },
    } satisfies OperationSpec<pb.ListCollectionsRequest, Target, pb.ListCollectionsResponse>,
    deleteCollection: {
      operation: Operation.DeleteCollection,
      authorize,
      run: async (ref) => ({ reply: { deleted: await collections.delete(ref) } }),
    } satisfies OperationSpec<
      pb.DeleteCollectionRequest,
      AuthorizedRef,
      pb.DeleteCollectionResponse
    >,
  };
}

/** Handlers for the collection lifecycle RPCs. */
export function collectionHandlers(
  pipeline: OperationPipeline,
  collections: CollectionService,
): CollectionHandlers {
  const operations = collectionOperations(collections);
  return {
    createCollection: pipeline.unary(operations.createCollection),
    ensureCollection: pipeline.unary(operations.ensureCollection),
    getCollection: pipeline.unary(operations.getCollection),
    listCollections: pipeline.unary(operations.listCollections),
    deleteCollection: pipeline.unary(operations.deleteCollection),
  };
}
