import type { Schemas } from '@qdrant/js-client-rest';
import { ErrorCode, VectorAdminError } from '../domain/errors.js';
import { isReservedKey } from '../domain/shared-points.js';
import { PayloadIndexType } from '../domain/types.js';
import type { CollectionConfig, Distance, HnswConfig, PayloadIndex } from '../domain/types.js';

type QdrantDistance = Schemas['Distance'];

const TO_QDRANT: Record<Distance, QdrantDistance> = {
  cosine: 'Cosine',
  euclid: 'Euclid',
  dot: 'Dot',
  manhattan: 'Manhattan',
};

const FROM_QDRANT: Record<QdrantDistance, Distance> = {
  Cosine: 'cosine',
  Euclid: 'euclid',
  Dot: 'dot',
  Manhattan: 'manhattan',
};

/** The body of `PUT /collections/{name}`: one unnamed dense vector plus the optional settings. */
export interface CreateCollectionBody {
  vectors: { size: number; distance: QdrantDistance; on_disk?: boolean };
  shard_number?: number;
  replication_factor?: number;
  write_consistency_factor?: number;
  on_disk_payload?: boolean;
  hnsw_config?: {
    m?: number;
    ef_construct?: number;
    full_scan_threshold?: number;
    on_disk?: boolean;
  };
}

/** Builds Qdrant's CreateCollection body; unset options are left to Qdrant's defaults. */
export function toCreateCollection(config: CollectionConfig): CreateCollectionBody {
  const body: CreateCollectionBody = {
    vectors: { size: config.vectorSize, distance: TO_QDRANT[config.distance] },
  };
  if (config.shardNumber !== undefined) body.shard_number = config.shardNumber;
  if (config.replicationFactor !== undefined) body.replication_factor = config.replicationFactor;
  if (config.writeConsistencyFactor !== undefined) {
    body.write_consistency_factor = config.writeConsistencyFactor;
  }
  if (config.onDisk !== undefined) {
    // One switch for both: vectors served from disk (mmap) and payload read from disk.
    body.vectors.on_disk = config.onDisk;
    body.on_disk_payload = config.onDisk;
  }
  const hnsw = config.hnsw;
  if (hnsw !== undefined) {
    const h: NonNullable<CreateCollectionBody['hnsw_config']> = {};
    if (hnsw.m !== undefined) h.m = hnsw.m;
    if (hnsw.efConstruct !== undefined) h.ef_construct = hnsw.efConstruct;
    if (hnsw.fullScanThreshold !== undefined) h.full_scan_threshold = hnsw.fullScanThreshold;
    if (hnsw.onDisk !== undefined) h.on_disk = hnsw.onDisk;
    if (Object.keys(h).length > 0) body.hnsw_config = h;
  }
  return body;
}

/** The body of `PUT /collections/{name}/index` for a tenant key: keyword, `is_tenant: true`. */
export function tenantIndexBody(key: string): {
  field_name: string;
  field_schema: { type: 'keyword'; is_tenant: true };
} {
  // Qdrant's multitenancy guide: is_tenant groups each tenant's points together on disk.
  return { field_name: key, field_schema: { type: 'keyword', is_tenant: true } };
}

/** The body of `PUT /collections/{name}/index` for a declared payload index. */
export function payloadIndexBody(index: PayloadIndex): {
  field_name: string;
  field_schema: Schemas['PayloadSchemaType'];
} {
  // Our four types are Qdrant's PayloadSchemaType names, so the type goes as it is.
  return { field_name: index.key, field_schema: index.type };
}

/**
 * The declared payload indexes in a collection's `payload_schema`, sorted by key. The shared
 * tables' tenant index (a reserved key) and index types this service does not declare (text,
 * geo, …, made by hand) are not part of the config.
 */
function payloadIndexesFromSchema(
  schema: Schemas['CollectionInfo']['payload_schema'],
): PayloadIndex[] {
  const known = new Set<string>(Object.values(PayloadIndexType));
  const indexes: PayloadIndex[] = [];
  for (const [key, info] of Object.entries(schema)) {
    if (info === undefined || isReservedKey(key) || !known.has(info.data_type)) continue;
    indexes.push({ key, type: info.data_type as PayloadIndexType });
  }
  return indexes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function isVectorParams(vectors: unknown): vectors is Schemas['VectorParams'] {
  return (
    typeof vectors === 'object' &&
    vectors !== null &&
    typeof (vectors as { size?: unknown }).size === 'number' &&
    typeof (vectors as { distance?: unknown }).distance === 'string'
  );
}

/**
 * Reads our CollectionConfig back from Qdrant's collection info. Qdrant reports its effective
 * values, so defaults (shards, replication, HNSW) come back filled in.
 */
export function fromCollectionInfo(
  name: string,
  info: Schemas['CollectionInfo'],
): CollectionConfig {
  const params = info.config.params;
  const vectors: unknown = params.vectors;
  if (!isVectorParams(vectors)) {
    // Named vectors (or none) mean the collection was not made by this service.
    throw new VectorAdminError(
      ErrorCode.FailedPrecondition,
      `collection "${name}" does not hold a single unnamed dense vector`,
    );
  }
  const distance = FROM_QDRANT[vectors.distance];
  const payloadIndexes = payloadIndexesFromSchema(info.payload_schema);
  const h = info.config.hnsw_config;
  const hnsw: HnswConfig = {
    m: h.m,
    efConstruct: h.ef_construct,
    fullScanThreshold: h.full_scan_threshold,
    ...(typeof h.on_disk === 'boolean' ? { onDisk: h.on_disk } : {}),
  };
  return {
    vectorSize: vectors.size,
    distance,
    ...(params.shard_number === undefined ? {} : { shardNumber: params.shard_number }),
    ...(params.replication_factor === undefined
      ? {}
      : { replicationFactor: params.replication_factor }),
    ...(params.write_consistency_factor === undefined
      ? {}
      : { writeConsistencyFactor: params.write_consistency_factor }),
    ...(typeof vectors.on_disk === 'boolean' ? { onDisk: vectors.on_disk } : {}),
    hnsw,
    ...(payloadIndexes.length === 0 ? {} : { payloadIndexes }),
  };
}
