/** Vector distance functions, named as Qdrant names them (lowercase). */
export const Distance = {
  Cosine: 'cosine',
  Euclid: 'euclid',
  Dot: 'dot',
  Manhattan: 'manhattan',
} as const;
export type Distance = (typeof Distance)[keyof typeof Distance];

/** How a table's tenants share physical collections. */
export const Tenancy = {
  CollectionPerTenant: 'collection_per_tenant',
  SharedCollection: 'shared_collection',
} as const;
export type Tenancy = (typeof Tenancy)[keyof typeof Tenancy];

export interface HnswConfig {
  readonly m?: number;
  readonly efConstruct?: number;
  readonly fullScanThreshold?: number;
  readonly onDisk?: boolean;
}

/** A collection's settings; optional fields mean "the store's default". */
export interface CollectionConfig {
  readonly vectorSize: number;
  readonly distance: Distance;
  readonly shardNumber?: number;
  readonly replicationFactor?: number;
  readonly writeConsistencyFactor?: number;
  readonly onDisk?: boolean;
  readonly hnsw?: HnswConfig;
  /** Top-level payload keys to index; filters on them prefilter through the index. */
  readonly payloadIndexes?: readonly PayloadIndex[];
}

/** A payload key's value type, as Qdrant's field index schema names it. */
export const PayloadIndexType = {
  Keyword: 'keyword',
  Integer: 'integer',
  Float: 'float',
  Bool: 'bool',
} as const;
export type PayloadIndexType = (typeof PayloadIndexType)[keyof typeof PayloadIndexType];

export interface PayloadIndex {
  readonly key: string;
  readonly type: PayloadIndexType;
}

/** A point id as stored: a safe unsigned integer or a lowercase canonical UUID. */
export type PointId = number | string;

export type Payload = Record<string, unknown>;

export interface Point {
  readonly id: PointId;
  readonly vector: Float32Array;
  readonly payload: Payload;
}

export interface ScoredPoint {
  readonly id: PointId;
  readonly score: number;
  readonly payload?: Payload;
}

/** A point id as the caller wrote it: a record id comes back as itself, not as its UUID. */
export type CallerPointId = PointId | { readonly recordId: string };

/** A search hit as the caller sees it. */
export interface FoundPoint {
  readonly id: CallerPointId;
  readonly score: number;
  readonly payload?: Payload;
}

/** A point read back by id, as the caller sees it. */
export interface FetchedPoint {
  readonly id: CallerPointId;
  readonly payload: Payload;
  readonly vector?: Float32Array;
}

/** Which points `retrieve` reads back, and what of them. */
export interface RetrieveQuery {
  readonly ids: readonly PointId[];
  readonly withPayload: boolean;
  /** The vectors as stored: cosine collections hold them normalized, as Qdrant does. */
  readonly withVector: boolean;
}

/** A point read back by id. */
export interface RetrievedPoint {
  readonly id: PointId;
  readonly payload?: Payload;
  readonly vector?: Float32Array;
}

/** Where a collection's vector index stands, in Qdrant's colours. */
export const IndexStatus = {
  /** Every point is indexed, or the collection is below the indexing threshold. */
  Green: 'green',
  /** The index is being built or updated; unindexed points are searched exactly meanwhile. */
  Yellow: 'yellow',
  /** Indexing failed; searches still answer, exactly. */
  Red: 'red',
} as const;
export type IndexStatus = (typeof IndexStatus)[keyof typeof IndexStatus];

/** What a store knows about one physical collection. */
export interface StoredCollection {
  readonly name: string;
  readonly config: CollectionConfig;
  readonly pointsCount: number;
  /** Points covered by the vector index; the rest are searched exactly. */
  readonly indexedVectorsCount: number;
  readonly status: IndexStatus;
}

/** What a store reports about a physical collection's footprint; figures it lacks are unset. */
export interface CollectionStorage {
  readonly name: string;
  /** Bytes of the collection's files on disk (embedded store). */
  readonly diskBytes?: number;
  /** Qdrant's estimates (telemetry) of the bytes its vectors and payloads take. */
  readonly vectorsBytes?: number;
  readonly payloadsBytes?: number;
  readonly segmentsCount?: number;
  /** When the collection was created, where the store records it. */
  readonly createdAt?: Date;
}

export type MatchValue = string | number | boolean;

export interface RangeBounds {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/** A payload condition; `key` may address nested objects with dots. */
export type Condition =
  | { readonly key: string; readonly match: MatchValue }
  | { readonly key: string; readonly range: RangeBounds };

/** Qdrant's filter semantics: all of must, at least one of should (when any), none of mustNot. */
export interface Filter {
  readonly must: readonly Condition[];
  readonly should: readonly Condition[];
  readonly mustNot: readonly Condition[];
}

export interface SearchQuery {
  readonly vector: Float32Array;
  readonly limit: number;
  readonly filter?: Filter;
  readonly withPayload: boolean;
  readonly params?: SearchParams;
}

/** Per-query accuracy controls, as Qdrant's search params. */
export interface SearchParams {
  /** Bypass the vector index and compare against every point. */
  readonly exact?: boolean;
  /** Candidates the HNSW graph explores; unset means the store's default. */
  readonly hnswEf?: number;
}

/** Which points a delete removes: by ids, by filter, or both (a point matching either). */
export interface PointSelector {
  readonly ids?: readonly PointId[];
  readonly filter?: Filter;
}
