import { VectorAdminError, type FieldViolation } from './errors.js';
import { pointIdKey, recordUuid } from './point-id.js';
import type { Condition, Filter, Payload, Point, PointId } from './types.js';

/** Payload keys starting with this are the service's; clients may not write or filter on them. */
export const RESERVED_KEY_PREFIX = '_va_';
/** The partition key of a shared collection: the owning tenant (Qdrant: `is_tenant` index). */
export const TENANT_KEY = '_va_tenant';
/** The tenant's own id of a point stored in a shared collection. */
export const ORIGINAL_ID_KEY = '_va_id';

/** True when a payload key or filter key path is reserved for the service. */
export function isReservedKey(key: string): boolean {
  return key.startsWith(RESERVED_KEY_PREFIX);
}

/**
 * The stored id of a tenant's point in a shared table: UUID v5 of (tenant, id key), so two
 * tenants' equal ids never meet. The empty table part never names a real table, so these
 * names never equal a record id's (`recordUuid` of a real table).
 */
export function sharedPointId(tenantId: string, id: PointId): string {
  return recordUuid(tenantId, '', pointIdKey(id));
}

/** A tenant's point as a shared collection stores it: derived id, partition and original id. */
export function toSharedPoint(tenantId: string, point: Point): Point {
  return {
    id: sharedPointId(tenantId, point.id),
    vector: point.vector,
    payload: { ...point.payload, [TENANT_KEY]: tenantId, [ORIGINAL_ID_KEY]: point.id },
  };
}

/** `filter` narrowed to one tenant's points: the tenant condition joins `must`. */
export function tenantFilter(tenantId: string, filter?: Filter): Filter {
  const own: Condition = { key: TENANT_KEY, match: tenantId };
  if (filter === undefined) return { must: [own], should: [], mustNot: [] };
  return { ...filter, must: [own, ...filter.must] };
}

/** The payload without the service's keys. */
export function withoutReservedKeys(payload: Payload): Payload {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => !isReservedKey(key)));
}

/** invalid_argument naming each condition of `filter` whose key is reserved. */
export function assertNoReservedFilterKeys(filter: Filter | undefined, field = 'filter'): void {
  if (filter === undefined) return;
  const violations: FieldViolation[] = [];
  const clauses = [
    ['must', filter.must],
    ['should', filter.should],
    ['must_not', filter.mustNot],
  ] as const;
  for (const [clause, conditions] of clauses) {
    conditions.forEach((condition, i) => {
      if (isReservedKey(condition.key)) {
        violations.push({
          field: `${field}.${clause}[${i}].key`,
          message: `keys starting with "${RESERVED_KEY_PREFIX}" are reserved`,
        });
      }
    });
  }
  if (violations.length > 0) {
    throw new VectorAdminError('invalid_argument', `${violations[0]?.field}: reserved key`, {
      violations,
    });
  }
}
