import { VectorAdminError } from './errors.js';
import { RESERVED_KEY_PREFIX, isReservedKey } from './shared-points.js';
import {
  PayloadIndexType,
  Tenancy,
  type CollectionConfig,
  type Distance,
  type PayloadIndex,
} from './types.js';

/** Most payload indexes one collection may declare: each one costs memory and write time. */
export const MAX_PAYLOAD_INDEXES = 16;
/**
 * A top-level payload key: a letter or underscore, then letters, digits and underscores. No
 * dots or brackets (those address nested values), and a name every store can use as a column.
 */
export const PAYLOAD_INDEX_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

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
  const payloadIndexes = resolvePayloadIndexes(request?.payloadIndexes, field);
  const config: { -readonly [K in keyof CollectionConfigRequest]: CollectionConfigRequest[K] } = {
    ...request,
    vectorSize,
    distance: request?.distance ?? defaults.distance,
  };
  delete config.tenancy;
  delete config.payloadIndexes;
  if (payloadIndexes.length > 0) config.payloadIndexes = payloadIndexes;
  return config as CollectionConfig;
}

/**
 * Requested payload indexes checked and sorted by key (so stores and comparisons see one
 * order), or invalid_argument naming the first bad entry.
 */
function resolvePayloadIndexes(
  indexes: readonly PayloadIndex[] | undefined,
  field: string,
): PayloadIndex[] {
  if (indexes === undefined) return [];
  const path = `${field}.payload_indexes`;
  if (indexes.length > MAX_PAYLOAD_INDEXES) {
    throw VectorAdminError.invalidField(path, `at most ${MAX_PAYLOAD_INDEXES} indexes`);
  }
  const seen = new Set<string>();
  indexes.forEach(({ key, type }, i) => {
    const at = `${path}.fields[${i}]`;
    if (!PAYLOAD_INDEX_KEY.test(key)) {
      throw VectorAdminError.invalidField(
        `${at}.key`,
        'must be a top-level payload key: 1-64 letters, digits or _, not starting with a digit',
      );
    }
    if (isReservedKey(key)) {
      throw VectorAdminError.invalidField(
        `${at}.key`,
        `keys starting with "${RESERVED_KEY_PREFIX}" are reserved`,
      );
    }
    if (seen.has(key)) throw VectorAdminError.invalidField(`${at}.key`, `"${key}" is repeated`);
    seen.add(key);
    if (!Object.values<string>(PayloadIndexType).includes(type)) {
      throw VectorAdminError.invalidField(`${at}.type`, 'must be keyword, integer, float or bool');
    }
  });
  return [...indexes].map(({ key, type }) => ({ key, type })).sort(byKey);
}

function byKey(a: PayloadIndex, b: PayloadIndex): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
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
    if (key === 'payloadIndexes' && Array.isArray(want)) {
      // The same set, in any order; none declared equals an empty list.
      const have = [...(existing.payloadIndexes ?? [])].sort(byKey);
      if (!sameSetting(have, [...(want as PayloadIndex[])].sort(byKey))) {
        conflicts.push('payload_indexes');
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
