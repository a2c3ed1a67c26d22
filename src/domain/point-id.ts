import { createHash } from 'node:crypto';
import { VectorAdminError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Fixed namespace for record ids (RFC 9562 v5): changing it would re-key every stored point.
const RECORD_NAMESPACE = Buffer.from(
  '6f1a8c52-3c0e-4f43-9d5b-2f1b7a6c9e40'.replace(/-/g, ''),
  'hex',
);

/** Lowercase canonical form of a UUID, or an invalid_argument error naming `field`. */
export function canonicalUuid(value: string, field: string): string {
  if (!UUID.test(value)) throw VectorAdminError.invalidField(field, 'is not a canonical UUID');
  return value.toLowerCase();
}

/** A safe unsigned integer id, or an invalid_argument error naming `field`. */
export function numericId(value: bigint, field: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw VectorAdminError.invalidField(field, 'must be at most 2^53 - 1');
  }
  return Number(value);
}

/** Deterministic UUID v5 of (tenant, table, recordId): re-running an ETL never duplicates. */
export function recordUuid(tenantId: string, table: string, recordId: string): string {
  const name = `${tenantId}\u0000${table}\u0000${recordId}`;
  const hash = createHash('sha1').update(RECORD_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The stored string key of an id: decimal for numbers, the UUID otherwise. */
export function pointIdKey(id: number | string): string {
  return typeof id === 'number' ? String(id) : id;
}

/** Inverse of `pointIdKey`. */
export function pointIdFromKey(key: string): number | string {
  return /^\d+$/.test(key) ? Number(key) : key;
}

/**
 * One point per id, the later one winning, as if the points were written one after another
 * (UUIDs compared in canonical lowercase form). The surviving point takes its last position.
 */
export function lastWriteWins<P extends { readonly id: number | string }>(
  points: readonly P[],
): P[] {
  const byId = new Map<string, P>();
  for (const point of points) {
    const id = typeof point.id === 'string' ? point.id.toLowerCase() : point.id;
    const key = pointIdKey(id);
    byId.delete(key);
    byId.set(key, id === point.id ? point : { ...point, id });
  }
  return [...byId.values()];
}
