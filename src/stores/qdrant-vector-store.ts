import { QdrantClient } from '@qdrant/js-client-rest';
import type { Schemas } from '@qdrant/js-client-rest';
import { ErrorCode, VectorAdminError, hasErrorCode } from '../domain/errors.js';
import { IndexStatus } from '../domain/types.js';
import type { CreateCollectionOptions, VectorStore } from '../domain/ports.js';
import type {
  CollectionConfig,
  Filter,
  Point,
  PointId,
  PointSelector,
  RetrievedPoint,
  RetrieveQuery,
  ScoredPoint,
  SearchQuery,
  CollectionStorage,
  StoredCollection,
} from '../domain/types.js';
import { creationMetadata, qdrantStorage, telemetrySizes } from './qdrant-storage.js';
import type { QdrantSizes } from './qdrant-storage.js';
import {
  fromCollectionInfo,
  payloadIndexBody,
  tenantIndexBody,
  toCreateCollection,
} from './qdrant-collection-config.js';
import { toVectorAdminError } from './qdrant-errors.js';
import type { QdrantCallContext } from './qdrant-errors.js';
import { toPointsSelector, toQdrantFilter, uniqueIds } from './qdrant-filter.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  chunkByRequestBytes,
  estimatePointBytes,
  dedupeById,
  toPointStruct,
} from './qdrant-upsert-batches.js';

/** Qdrant's write ordering: how updates are sequenced across replicas. */
export type QdrantWriteOrdering = 'weak' | 'medium' | 'strong';

/** Settings of a QdrantVectorStore. */
export interface QdrantVectorStoreOptions {
  readonly url: string;
  readonly apiKey?: string;
  /** Per-request limit; a request past it fails as unavailable. */
  readonly timeoutMs: number;
  /** Default `weak`, Qdrant's own default. */
  readonly writeOrdering?: QdrantWriteOrdering;
  /** Largest upsert body sent in one request (estimated); default 16 MiB. */
  readonly maxRequestBytes?: number;
}

/** A VectorStore on a Qdrant server through its REST API; keeps no state of its own. */
export class QdrantVectorStore implements VectorStore {
  readonly #client: QdrantClient;
  readonly #ordering: QdrantWriteOrdering;
  readonly #maxRequestBytes: number;
  #closed = false;

  constructor(
    client: QdrantClient,
    options: Omit<QdrantVectorStoreOptions, 'url' | 'apiKey' | 'timeoutMs'> = {},
  ) {
    this.#client = client;
    this.#ordering = options.writeOrdering ?? 'weak';
    this.#maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  /** With `options.tenantKey`, also indexes that key as Qdrant's tenant partition (`is_tenant`). */
  async createCollection(
    name: string,
    config: CollectionConfig,
    options: CreateCollectionOptions = {},
  ): Promise<void> {
    try {
      // Through the raw API: the client's createCollection drops `metadata`.
      await this.#call({ operation: 'create collection', collection: name }, () =>
        this.#client.api().createCollection({
          collection_name: name,
          ...toCreateCollection(config),
          metadata: creationMetadata(new Date()),
        }),
      );
    } catch (err) {
      // Qdrant refuses a taken name as bad input (400 "Collection `x` already exists!");
      // only some builds answer 409. The name being taken afterwards is what decides.
      const taken =
        hasErrorCode(err, ErrorCode.AlreadyExists) ||
        (hasErrorCode(err, ErrorCode.InvalidArgument) && (await this.#exists(name)));
      if (!taken) throw err;
      // The creator may have failed to index it (or its create timed out here but was applied):
      // every join makes sure the tenant index is there.
      if (options.tenantKey !== undefined) await this.#indexTenantKey(name, options.tenantKey);
      throw new VectorAdminError(
        ErrorCode.AlreadyExists,
        `create collection on collection "${name}": collection already exists`,
        { cause: err },
      );
    }
    await this.#indexPayloadKeys(name, config, options);
    if (options.tenantKey !== undefined) await this.#indexTenantKey(name, options.tenantKey);
  }

  /**
   * Creates the declared payload indexes, one request per key, each waiting until applied.
   * Qdrant has no create-with-indexes, so a failure would leave a collection whose config
   * differs from the one asked for, and every later ensure would refuse it: a tenant's own
   * collection is deleted again (best effort) so that a retry starts clean. A shared
   * collection is never dropped (other tenants may have joined it already); it stays, and its
   * table reports the indexes it has.
   */
  async #indexPayloadKeys(
    name: string,
    config: CollectionConfig,
    options: CreateCollectionOptions,
  ): Promise<void> {
    try {
      for (const index of config.payloadIndexes ?? []) {
        await this.#createPayloadIndex('create payload index', name, payloadIndexBody(index));
      }
    } catch (err) {
      if (options.tenantKey === undefined) await this.deleteCollection(name).catch(() => false);
      throw err;
    }
  }

  async getCollection(name: string): Promise<StoredCollection | undefined> {
    try {
      const info = await this.#call({ operation: 'get collection', collection: name }, () =>
        this.#client.getCollection(name),
      );
      const config = fromCollectionInfo(name, info);
      // Info's points_count is approximate (it lags optimisation); the exact count is the truth.
      const pointsCount = await this.count(name, undefined, true);
      // Qdrant's grey (optimisations pending, not started) is an index not yet current: yellow.
      const status =
        info.status === 'green'
          ? IndexStatus.Green
          : info.status === 'red'
            ? IndexStatus.Red
            : IndexStatus.Yellow;
      const indexedVectorsCount = Math.min(pointsCount, info.indexed_vectors_count ?? 0);
      return { name, config, pointsCount, indexedVectorsCount, status };
    } catch (err) {
      if (hasErrorCode(err, ErrorCode.NotFound)) return undefined;
      throw err;
    }
  }

  async listCollections(prefix: string): Promise<string[]> {
    const { collections } = await this.#call({ operation: 'list collections' }, () =>
      this.#client.getCollections(),
    );
    return collections
      .map((c) => c.name)
      .filter((n) => n.startsWith(prefix))
      .sort();
  }

  /** Segments and creation time from each collection's info; sizes from one telemetry call. */
  async describeStorage(names: readonly string[]): Promise<CollectionStorage[]> {
    if (names.length === 0) return [];
    const sizes = await this.#sizes();
    const described: CollectionStorage[] = [];
    for (const name of names) {
      try {
        const info = await this.#call({ operation: 'describe storage', collection: name }, () =>
          this.#client.getCollection(name),
        );
        described.push(qdrantStorage(name, info, sizes.get(name)));
      } catch (err) {
        if (!hasErrorCode(err, ErrorCode.NotFound)) throw err;
      }
    }
    return described;
  }

  /**
   * Telemetry's size estimates; none when telemetry is refused (a key without access to it) or
   * unreadable, since they only add to what collection info says. An unreachable Qdrant fails.
   */
  async #sizes(): Promise<Map<string, QdrantSizes>> {
    try {
      const { data } = await this.#call({ operation: 'read telemetry' }, () =>
        this.#client.api().telemetry({ details_level: 3 }),
      );
      return data.result === undefined || data.result === null
        ? new Map()
        : telemetrySizes(data.result);
    } catch (err) {
      if (hasErrorCode(err, ErrorCode.Unavailable)) throw err;
      return new Map();
    }
  }

  async deleteCollection(name: string): Promise<boolean> {
    try {
      return await this.#call({ operation: 'delete collection', collection: name }, () =>
        this.#client.deleteCollection(name),
      );
    } catch (err) {
      // Qdrant answers `result: false` for a missing collection; older servers answered 404.
      if (hasErrorCode(err, ErrorCode.NotFound)) return false;
      throw err;
    }
  }

  /**
   * Upserts with `wait=true`, so the ack means applied (and in the WAL). Bodies are split to
   * stay under Qdrant's request size limit, and the chunks go one after another: a failure
   * leaves the earlier chunks written, so a call is atomic only when it fits one request
   * (the default 16 MiB takes 418 points of 1,536 floats, ~12 MiB of JSON). Retrying the
   * whole call is safe: upsert by id is idempotent.
   */
  async upsert(name: string, points: readonly Point[]): Promise<void> {
    const ctx = { operation: 'upsert', collection: name };
    for (const chunk of chunkByRequestBytes(
      dedupeById(points),
      this.#maxRequestBytes,
      estimatePointBytes,
    )) {
      const result = await this.#call(ctx, () =>
        this.#client.upsert(name, {
          wait: true,
          ordering: this.#ordering,
          points: chunk.map(toPointStruct),
        }),
      );
      assertApplied(result, ctx);
    }
  }

  /** Deletes ids and filter matches in one request (see toPointsSelector). */
  async deletePoints(name: string, selector: PointSelector): Promise<void> {
    const body = toPointsSelector(selector);
    if (body === undefined) return;
    const ctx = { operation: 'delete points', collection: name };
    const result = await this.#call(ctx, () =>
      this.#client.delete(name, { wait: true, ordering: this.#ordering, ...body }),
    );
    assertApplied(result, ctx);
  }

  async search(name: string, query: SearchQuery): Promise<ScoredPoint[]> {
    if (query.limit < 1) return [];
    const filter = query.filter === undefined ? undefined : toQdrantFilter(query.filter);
    const { points } = await this.#call({ operation: 'search', collection: name }, () =>
      this.#client.query(name, {
        query: Array.from(query.vector),
        limit: query.limit,
        with_payload: query.withPayload,
        ...(filter === undefined ? {} : { filter }),
        ...searchParams(query),
      }),
    );
    return points.map((p) => ({
      id: toPointId(p.id),
      score: p.score,
      ...(query.withPayload ? { payload: jsonNumbers(p.payload ?? {}) } : {}),
    }));
  }

  /** Qdrant's retrieve, put back in the order asked, each id once (see docs/PLATFORM.md). */
  async retrieve(name: string, query: RetrieveQuery): Promise<RetrievedPoint[]> {
    const ids = uniqueIds(query.ids);
    if (ids.length === 0) return [];
    const ctx = { operation: 'retrieve points', collection: name };
    const records = await this.#call(ctx, () =>
      this.#client.retrieve(name, {
        ids,
        with_payload: query.withPayload,
        with_vector: query.withVector,
      }),
    );
    const found = new Map<PointId, RetrievedPoint>();
    for (const record of records) {
      const id = toPointId(record.id);
      found.set(id, {
        id,
        ...(query.withPayload ? { payload: jsonNumbers(record.payload ?? {}) } : {}),
        ...(query.withVector ? { vector: denseVector(record.vector, ctx) } : {}),
      });
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  async count(name: string, filter: Filter | undefined, exact: boolean): Promise<number> {
    const qf = filter === undefined ? undefined : toQdrantFilter(filter);
    const { count } = await this.#call({ operation: 'count', collection: name }, () =>
      this.#client.count(name, { exact, ...(qf === undefined ? {} : { filter: qf }) }),
    );
    return count;
  }

  /** Asks `/readyz`: 200 once Qdrant accepts traffic (in a cluster: caught up, shards healthy). */
  async ping(): Promise<void> {
    try {
      await this.#call({ operation: 'ping' }, () => this.#client.api().readyz({}));
    } catch (err) {
      if (
        hasErrorCode(err, ErrorCode.FailedPrecondition) ||
        hasErrorCode(err, ErrorCode.Unavailable)
      ) {
        throw err;
      }
      throw new VectorAdminError(ErrorCode.Unavailable, 'Qdrant is not ready', { cause: err });
    }
  }

  /** Nothing to release (requests hold no session); later calls fail as failed_precondition. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Creates the tenant index (Qdrant accepts a repeat): a shared collection without it would
   * still answer, but scan every tenant's points on each filtered call. A failure leaves the
   * collection, which other tenants may have joined meanwhile; the next create or join of it
   * indexes it again.
   */
  async #indexTenantKey(name: string, key: string): Promise<void> {
    await this.#createPayloadIndex('create tenant index', name, tenantIndexBody(key));
  }

  /** Creates one payload index and waits until Qdrant applied it. */
  async #createPayloadIndex(
    operation: string,
    name: string,
    body: ReturnType<typeof payloadIndexBody | typeof tenantIndexBody>,
  ): Promise<void> {
    const ctx = { operation, collection: name };
    const result = await this.#call(ctx, () =>
      this.#client.createPayloadIndex(name, { wait: true, ordering: this.#ordering, ...body }),
    );
    assertApplied(result, ctx);
  }

  /** True when the collection exists; false also when that cannot be told. */
  async #exists(name: string): Promise<boolean> {
    try {
      const { exists } = await this.#client.collectionExists(name);
      return exists;
    } catch {
      return false;
    }
  }

  async #call<T>(ctx: QdrantCallContext, fn: () => Promise<T>): Promise<T> {
    if (this.#closed)
      throw new VectorAdminError(ErrorCode.FailedPrecondition, 'Qdrant store is closed');
    try {
      return await fn();
    } catch (err) {
      throw toVectorAdminError(err, ctx);
    }
  }
}

/** Qdrant's `params` of a query: only what the caller set, so Qdrant's defaults apply otherwise. */
export function searchParams(query: SearchQuery): { params?: Schemas['SearchParams'] } {
  const { exact, hnswEf } = query.params ?? {};
  const params: Schemas['SearchParams'] = {};
  if (exact === true) params.exact = true;
  if (hnswEf !== undefined) params.hnsw_ef = hnswEf;
  return Object.keys(params).length === 0 ? {} : { params };
}

/** The unnamed dense vector of a record; internal when Qdrant holds another kind. */
function denseVector(vector: Schemas['Record']['vector'], ctx: QdrantCallContext): Float32Array {
  if (!Array.isArray(vector) || !vector.every((v) => typeof v === 'number')) {
    throw new VectorAdminError(
      ErrorCode.Internal,
      `${ctx.operation} on collection "${ctx.collection ?? ''}": Qdrant returned no dense vector`,
    );
  }
  return Float32Array.from(vector);
}

/** With wait=true Qdrant answers `completed`; anything else means not (yet) applied. */
function assertApplied(result: Schemas['UpdateResult'], ctx: QdrantCallContext): void {
  if (result.status === 'completed') return;
  throw new VectorAdminError(
    ErrorCode.Unavailable,
    `${ctx.operation} on collection "${ctx.collection ?? ''}": Qdrant answered "${result.status}" instead of applying the write`,
  );
}

/** Qdrant ids come back as numbers or UUID strings; numbers stay numbers, UUIDs go lowercase. */
function toPointId(id: Schemas['ExtendedPointId'] | bigint): PointId {
  if (typeof id === 'string') return id.toLowerCase();
  if (typeof id === 'bigint') {
    // The REST client parses integers past 2^53 as BigInt where JSON.rawJSON exists (Node 21+).
    if (id > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new VectorAdminError(ErrorCode.Internal, `point id ${id} is beyond 2^53 - 1`);
    }
    return Number(id);
  }
  // Where the client lacks JSON.rawJSON (Node 20), a larger id arrives already rounded.
  if (!Number.isSafeInteger(id)) {
    throw new VectorAdminError(ErrorCode.Internal, `point id ${id} is beyond 2^53 - 1`);
  }
  return id;
}

/**
 * A payload with the REST client's BigInts (integers past 2^53 where JSON.rawJSON exists, Node
 * 21+) turned back into numbers, as JSON and google.protobuf.Struct carry them. Payloads
 * without any (every one on Node 20) are returned as they are, not copied.
 */
export function jsonNumbers<T>(value: T): T {
  return hasBigInt(value) ? withNumbers(value) : value;
}

function hasBigInt(value: unknown): boolean {
  if (typeof value === 'bigint') return true;
  return typeof value === 'object' && value !== null && Object.values(value).some(hasBigInt);
}

function withNumbers<T>(value: T): T {
  if (typeof value === 'bigint') return Number(value) as T;
  if (Array.isArray(value)) return value.map(withNumbers) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, withNumbers(v as unknown)]),
    ) as T;
  }
  return value;
}

/** Builds a QdrantVectorStore for `url`; invalid_argument when the client refuses the URL. */
export function createQdrantVectorStore(options: QdrantVectorStoreOptions): QdrantVectorStore {
  let client: QdrantClient;
  try {
    client = new QdrantClient({
      url: options.url,
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      timeout: options.timeoutMs,
      // The check is a fire-and-forget GET / that only logs; ping() is our readiness check.
      checkCompatibility: false,
    });
  } catch (err) {
    throw new VectorAdminError(ErrorCode.InvalidArgument, 'invalid Qdrant URL', { cause: err });
  }
  return new QdrantVectorStore(client, options);
}
