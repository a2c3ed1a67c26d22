import {
  QdrantClient,
  UpdateStatus,
  WriteOrderingType,
  type UpdateResult,
} from '@qdrant/js-client-grpc';
import { ErrorCode, VectorAdminError } from '../domain/errors.js';
import type { CreateCollectionOptions, VectorStore } from '../domain/ports.js';
import type {
  CollectionConfig,
  Filter,
  Point,
  PointId,
  PointSelector,
  RetrieveQuery,
  RetrievedPoint,
  ScoredPoint,
  SearchQuery,
  CollectionStorage,
  StoredCollection,
} from '../domain/types.js';
import type { QdrantCallContext } from './qdrant-errors.js';
import { toPointsSelector, toQdrantFilter, uniqueIds } from './qdrant-filter.js';
import { toVectorAdminErrorFromGrpc } from './qdrant-grpc-errors.js';
import {
  fromGrpcPayload,
  fromGrpcPointId,
  fromGrpcVector,
  toGrpcFilter,
  toGrpcPointId,
  upsertRequest,
} from './qdrant-grpc-points.js';
import { encodeGrpcPoint } from './qdrant-grpc-point-bytes.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  chunkByRequestBytes,
  dedupeById,
} from './qdrant-upsert-batches.js';
import type { QdrantVectorStore } from './qdrant-vector-store.js';
import {
  createQdrantVectorStore,
  searchParams,
  type QdrantVectorStoreOptions,
  type QdrantWriteOrdering,
} from './qdrant-vector-store.js';

const pointsOf = (client: QdrantClient) => client.api('points');

const ORDERING: Record<QdrantWriteOrdering, WriteOrderingType> = {
  weak: WriteOrderingType.Weak,
  medium: WriteOrderingType.Medium,
  strong: WriteOrderingType.Strong,
};

/** Settings of a QdrantGrpcVectorStore: the REST ones plus Qdrant's gRPC port. */
export interface QdrantGrpcVectorStoreOptions extends QdrantVectorStoreOptions {
  /** Qdrant's gRPC port on the host of `url`, reached with the scheme of `url` (https: TLS). */
  readonly grpcPort: number;
}

/**
 * A VectorStore on Qdrant whose points path (upsert, delete, search, count) goes over gRPC,
 * vectors as packed floats, while collection management stays on the REST adapter: its config
 * mapping, create races and index handling are written once against REST, and those calls are
 * few and carry no vectors.
 */
export class QdrantGrpcVectorStore implements VectorStore {
  readonly #rest: QdrantVectorStore;
  readonly #client: QdrantClient;
  readonly #points: ReturnType<typeof pointsOf>;
  readonly #ordering: QdrantWriteOrdering;
  readonly #timeoutMs: number;
  readonly #maxRequestBytes: number;
  #closed = false;

  constructor(
    rest: QdrantVectorStore,
    client: QdrantClient,
    options: QdrantGrpcVectorStoreOptions,
  ) {
    this.#rest = rest;
    this.#client = client;
    this.#points = pointsOf(client);
    this.#ordering = options.writeOrdering ?? 'weak';
    this.#timeoutMs = options.timeoutMs;
    this.#maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  createCollection(
    name: string,
    config: CollectionConfig,
    options?: CreateCollectionOptions,
  ): Promise<void> {
    return this.#rest.createCollection(name, config, options);
  }

  getCollection(name: string): Promise<StoredCollection | undefined> {
    return this.#rest.getCollection(name);
  }

  listCollections(prefix: string): Promise<string[]> {
    return this.#rest.listCollections(prefix);
  }

  describeStorage(names: readonly string[]): Promise<CollectionStorage[]> {
    return this.#rest.describeStorage(names);
  }

  deleteCollection(name: string): Promise<boolean> {
    return this.#rest.deleteCollection(name);
  }

  /**
   * Upserts with `wait`, so the ack means applied. Requests are split to stay under Qdrant's
   * request size limit and go one after another, as on REST: a call is atomic only when it
   * fits one request, and retrying it is safe (upsert by id is idempotent).
   */
  async upsert(name: string, points: readonly Point[]): Promise<void> {
    const ctx = { operation: 'upsert', collection: name };
    // Encoded points know their size: chunks are measured, not estimated.
    const encoded = dedupeById(points).map(encodeGrpcPoint);
    const chunks = chunkByRequestBytes(
      encoded,
      this.#maxRequestBytes,
      // The element's tag and length prefix: at most 6 bytes.
      (point) => point.messageBytes + 6,
    );
    for (const chunk of chunks) {
      const request = upsertRequest(
        { collectionName: name, wait: true, ordering: { type: ORDERING[this.#ordering] } },
        chunk,
      );
      const { result } = await this.#call(ctx, (callOptions) =>
        this.#points.upsert(request, callOptions),
      );
      assertApplied(result, ctx);
    }
  }

  async deletePoints(name: string, selector: PointSelector): Promise<void> {
    const body = toPointsSelector(selector);
    if (body === undefined) return;
    const ctx = { operation: 'delete points', collection: name };
    const { result } = await this.#call(ctx, (callOptions) =>
      this.#points.delete(
        {
          collectionName: name,
          wait: true,
          ordering: { type: ORDERING[this.#ordering] },
          points: {
            pointsSelectorOneOf:
              'points' in body
                ? { case: 'points', value: { ids: body.points.map(toGrpcPointId) } }
                : { case: 'filter', value: toGrpcFilter(body.filter) },
          },
        },
        callOptions,
      ),
    );
    assertApplied(result, ctx);
  }

  async search(name: string, query: SearchQuery): Promise<ScoredPoint[]> {
    if (query.limit < 1) return [];
    const filter = query.filter === undefined ? undefined : toQdrantFilter(query.filter);
    const { params } = searchParams(query);
    const { result } = await this.#call({ operation: 'search', collection: name }, (callOptions) =>
      this.#points.query(
        {
          collectionName: name,
          query: {
            variant: {
              case: 'nearest',
              value: { variant: { case: 'dense', value: { data: Array.from(query.vector) } } },
            },
          },
          limit: BigInt(query.limit),
          withPayload: { selectorOptions: { case: 'enable', value: query.withPayload } },
          ...(filter === undefined ? {} : { filter: toGrpcFilter(filter) }),
          ...(params === undefined
            ? {}
            : {
                params: {
                  ...(params.exact === undefined || params.exact === null
                    ? {}
                    : { exact: params.exact }),
                  ...(params.hnsw_ef === undefined || params.hnsw_ef === null
                    ? {}
                    : { hnswEf: BigInt(params.hnsw_ef) }),
                },
              }),
        },
        callOptions,
      ),
    );
    return result.map((p) => ({
      id: fromGrpcPointId(p.id),
      score: p.score,
      ...(query.withPayload ? { payload: fromGrpcPayload(p.payload) } : {}),
    }));
  }

  /** Qdrant's Get; answers are put back in the order asked, each id once (as on REST). */
  async retrieve(name: string, query: RetrieveQuery): Promise<RetrievedPoint[]> {
    const ids = uniqueIds(query.ids);
    if (ids.length === 0) return [];
    const ctx = { operation: 'retrieve points', collection: name };
    const { result } = await this.#call(ctx, (callOptions) =>
      this.#points.get(
        {
          collectionName: name,
          ids: ids.map(toGrpcPointId),
          withPayload: { selectorOptions: { case: 'enable', value: query.withPayload } },
          withVectors: { selectorOptions: { case: 'enable', value: query.withVector } },
        },
        callOptions,
      ),
    );
    const found = new Map<PointId, RetrievedPoint>();
    for (const record of result) {
      const id = fromGrpcPointId(record.id);
      found.set(id, {
        id,
        ...(query.withPayload ? { payload: fromGrpcPayload(record.payload) } : {}),
        ...(query.withVector ? { vector: fromGrpcVector(record.vectors, ctx) } : {}),
      });
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  async count(name: string, filter: Filter | undefined, exact: boolean): Promise<number> {
    const qf = filter === undefined ? undefined : toQdrantFilter(filter);
    const { result } = await this.#call({ operation: 'count', collection: name }, (callOptions) =>
      this.#points.count(
        { collectionName: name, exact, ...(qf === undefined ? {} : { filter: toGrpcFilter(qf) }) },
        callOptions,
      ),
    );
    return Number(result?.count ?? 0n);
  }

  /** Ready when REST's /readyz passes and the gRPC port answers Qdrant's health check. */
  async ping(): Promise<void> {
    await this.#rest.ping();
    await this.pingGrpc(this.#timeoutMs);
  }

  /** Resolves when Qdrant's gRPC health check answers within `timeoutMs`; unavailable otherwise. */
  async pingGrpc(timeoutMs: number): Promise<void> {
    await this.#call({ operation: 'gRPC health check' }, () =>
      this.#client.api('service').healthCheck({}, { timeoutMs }),
    );
  }

  /** The REST half, for a caller that settles on REST after all. */
  get rest(): QdrantVectorStore {
    return this.#rest;
  }

  /** Later calls fail as failed_precondition; idle HTTP/2 sessions close on their own. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#rest.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #call<T>(
    ctx: QdrantCallContext,
    fn: (options: { timeoutMs: number }) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) {
      throw new VectorAdminError(ErrorCode.FailedPrecondition, 'Qdrant store is closed');
    }
    try {
      return await fn({ timeoutMs: this.#timeoutMs });
    } catch (err) {
      throw toVectorAdminErrorFromGrpc(err, ctx);
    }
  }
}

/** With wait=true Qdrant answers Completed; anything else means not (yet) applied. */
function assertApplied(result: UpdateResult | undefined, ctx: QdrantCallContext): void {
  if (result?.status === UpdateStatus.Completed) return;
  throw new VectorAdminError(
    ErrorCode.Unavailable,
    `${ctx.operation} on collection "${ctx.collection ?? ''}": Qdrant answered "${UpdateStatus[result?.status ?? 0]}" instead of applying the write`,
  );
}

/** The gRPC address beside a REST URL: same scheme (TLS or not) and host, the gRPC port. */
export function grpcUrlFor(restUrl: string, grpcPort: number): string {
  const url = new URL(restUrl);
  return `${url.protocol}//${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${grpcPort}`;
}

/** Builds a QdrantGrpcVectorStore; invalid_argument when a client refuses the URL. */
export function createQdrantGrpcVectorStore(
  options: QdrantGrpcVectorStoreOptions,
): QdrantGrpcVectorStore {
  const rest = createQdrantVectorStore(options);
  let client: QdrantClient;
  try {
    client = new QdrantClient({
      url: grpcUrlFor(options.url, options.grpcPort),
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      // Deadlines go per call (timeoutMs), so an expired one is DEADLINE_EXCEEDED, not a cancel.
      timeout: Number.POSITIVE_INFINITY,
      // Packed floats hardly compress: gzip would only spend the CPU this path saves.
      compression: false,
      checkCompatibility: false,
    });
  } catch (err) {
    throw new VectorAdminError(ErrorCode.InvalidArgument, 'invalid Qdrant URL', { cause: err });
  }
  return new QdrantGrpcVectorStore(rest, client, options);
}
