import type { Schemas } from '@qdrant/js-client-rest';
import { ErrorCode, VectorAdminError } from '../domain/errors.js';
import type { CollectionConfig, Distance, HnswConfig } from '../domain/types.js';

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
  };
}
