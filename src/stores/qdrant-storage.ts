import type { Schemas } from '@qdrant/js-client-rest';
import type { CollectionStorage } from '../domain/types.js';

/**
 * The collection metadata key holding when this service created a collection: Qdrant records
 * no creation time of its own, and its spec names metadata as the place for one.
 */
export const CREATED_AT_KEY = 'vectoradmin_created_at';

/** The `metadata` of a collection created now. */
export function creationMetadata(now: Date): Record<string, string> {
  return { [CREATED_AT_KEY]: now.toISOString() };
}

/** Qdrant's size estimates of one collection, summed over its local shards. */
export interface QdrantSizes {
  readonly vectorsBytes: number;
  readonly payloadsBytes: number;
}

/**
 * Sizes per collection from `GET /telemetry?details_level=3`, the level at which Qdrant reports
 * each local shard's `vectors_size_bytes` and `payloads_size_bytes` (its own estimates).
 * Collections reported in aggregate, or without local shards, are left out.
 */
export function telemetrySizes(telemetry: Schemas['TelemetryData']): Map<string, QdrantSizes> {
  const sizes = new Map<string, QdrantSizes>();
  for (const collection of telemetry.collections.collections ?? []) {
    if (!('id' in collection)) continue;
    let vectorsBytes = 0;
    let payloadsBytes = 0;
    let reported = false;
    for (const shard of collection.shards ?? []) {
      const local = shard.local;
      if (local === undefined || local === null) continue;
      if (typeof local.vectors_size_bytes === 'number') {
        vectorsBytes += local.vectors_size_bytes;
        reported = true;
      }
      if (typeof local.payloads_size_bytes === 'number') {
        payloadsBytes += local.payloads_size_bytes;
        reported = true;
      }
    }
    if (reported) sizes.set(collection.id, { vectorsBytes, payloadsBytes });
  }
  return sizes;
}

/** A collection's footprint from its info (segments, creation metadata) and telemetry sizes. */
export function qdrantStorage(
  name: string,
  info: Schemas['CollectionInfo'],
  sizes: QdrantSizes | undefined,
): CollectionStorage {
  const created = info.config.metadata?.[CREATED_AT_KEY];
  const createdAt = typeof created === 'string' ? new Date(created) : undefined;
  return {
    name,
    segmentsCount: info.segments_count,
    ...(sizes ?? {}),
    ...(createdAt === undefined || Number.isNaN(createdAt.getTime()) ? {} : { createdAt }),
  };
}
