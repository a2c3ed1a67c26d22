import { VectorAdminError } from './errors.js';
import { Tenancy, type CollectionConfig, type Distance } from './types.js';

/**
 * A requested config: unset vector size (0) and distance fall back to defaults; unset tenancy
 * means "whatever exists", or collection-per-tenant for a new collection.
 */
export type CollectionConfigRequest = Partial<CollectionConfig> & { readonly tenancy?: Tenancy };

/** Defaults applied to unset fields of a requested config. */
export interface CollectionDefaults {
  readonly vectorSize: number;
  readonly distance: Distance;
  /** Qdrant accepts at most 65,536 dimensions. */
  readonly maxVectorSize: number;
}

/** The store config for a request (tenancy is not the store's), or invalid_argument naming the field. */
export function resolveCollectionConfig(
  request: CollectionConfigRequest | undefined,
  defaults: CollectionDefaults,
  field = 'config',
): CollectionConfig {
  const vectorSize =
    request?.vectorSize === undefined || request.vectorSize === 0
      ? defaults.vectorSize
      : request.vectorSize;
  if (!Number.isInteger(vectorSize) || vectorSize < 1 || vectorSize > defaults.maxVectorSize) {
    throw VectorAdminError.invalidField(
      `${field}.vector_size`,
      `must be 1-${defaults.maxVectorSize}`,
    );
  }
  for (const key of ['shardNumber', 'replicationFactor', 'writeConsistencyFactor'] as const) {
    const value = request?.[key];
    if (value !== undefined && (value < 1 || value > 1024)) {
      throw VectorAdminError.invalidField(`${field}.${snake(key)}`, 'must be 1-1024');
    }
  }
  const config: CollectionConfig & { tenancy?: Tenancy } = {
    ...request,
    vectorSize,
    distance: request?.distance ?? defaults.distance,
  };
  delete config.tenancy;
  return config;
}

/** The tenancy a new collection gets for `request`. */
export function requestedTenancy(request: CollectionConfigRequest | undefined): Tenancy {
  return request?.tenancy ?? Tenancy.CollectionPerTenant;
}

/**
 * Names of the fields that `requested` sets and `existing` holds differently. Only what the
 * request sets counts: a store reports its effective settings (Qdrant fills in every HNSW
 * parameter and on_disk), which a request that left them out must still match.
 */
export function configConflicts(
  existing: CollectionConfig & { readonly tenancy?: Tenancy },
  requested: CollectionConfigRequest,
): string[] {
  const conflicts: string[] = [];
  for (const key of Object.keys(requested) as (keyof CollectionConfigRequest)[]) {
    const want = requested[key];
    if (want === undefined || (key === 'vectorSize' && want === 0)) continue;
    if (key === 'hnsw' && typeof want === 'object') {
      const have: Record<string, unknown> = { ...existing.hnsw };
      for (const [field, value] of Object.entries(want)) {
        if (value !== undefined && !sameSetting(have[field], value)) {
          conflicts.push(`hnsw.${snake(field)}`);
        }
      }
      continue;
    }
    if (!sameSetting(existing[key], want)) conflicts.push(snake(key));
  }
  return conflicts;
}

// An unset flag is false, as stores treat it.
function sameSetting(have: unknown, want: unknown): boolean {
  if (typeof want === 'boolean') return (have ?? false) === want;
  return JSON.stringify(have) === JSON.stringify(want);
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
