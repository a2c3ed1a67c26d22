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

/** What a store knows about one physical collection. */
export interface StoredCollection {
  readonly name: string;
  readonly config: CollectionConfig;
  readonly pointsCount: number;
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
}

/** Which points a delete removes: by ids, by filter, or both (a point matching either). */
export interface PointSelector {
  readonly ids?: readonly PointId[];
  readonly filter?: Filter;
}
