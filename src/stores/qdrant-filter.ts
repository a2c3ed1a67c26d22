import { VectorAdminError } from '../domain/errors.js';
import type { Condition, Filter, PointId, PointSelector, RangeBounds } from '../domain/types.js';

/** Qdrant's `Range` JSON. */
export interface QdrantRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** Qdrant's JSON for one condition (the FieldCondition, HasIdCondition and nested Filter shapes we send). */
export type QdrantCondition =
  | { key: string; match: { value: string | number | boolean } }
  | { key: string; range: QdrantRange }
  | { has_id: PointId[] }
  | QdrantFilter;

/** Qdrant's JSON Filter (`#/components/schemas/Filter`); empty clauses are left out. */
export interface QdrantFilter {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}

function toCondition(condition: Condition, field: string): QdrantCondition {
  if ('match' in condition) {
    const value = condition.match;
    // Qdrant's ValueVariants takes int64 only: a fractional number is refused with a 400.
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw VectorAdminError.invalidField(`${field}.match`, 'must be a string, boolean or integer');
    }
    return { key: condition.key, match: { value } };
  }
  return { key: condition.key, range: toRange(condition.range, `${field}.range`) };
}

function toRange(range: RangeBounds, field: string): QdrantRange {
  const out: QdrantRange = {};
  for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
    const value = range[bound];
    if (value === undefined) continue;
    if (!Number.isFinite(value))
      throw VectorAdminError.invalidField(`${field}.${bound}`, 'must be finite');
    out[bound] = value;
  }
  return out;
}

/** Translates the domain filter to Qdrant's filter JSON; `field` names it in errors. */
export function toQdrantFilter(filter: Filter, field = 'filter'): QdrantFilter {
  const out: QdrantFilter = {};
  if (filter.must.length > 0)
    out.must = filter.must.map((c, i) => toCondition(c, `${field}.must[${i}]`));
  if (filter.should.length > 0) {
    out.should = filter.should.map((c, i) => toCondition(c, `${field}.should[${i}]`));
  }
  if (filter.mustNot.length > 0) {
    out.must_not = filter.mustNot.map((c, i) => toCondition(c, `${field}.must_not[${i}]`));
  }
  return out;
}

/** Ids once each, UUIDs lowercase (Qdrant's `has_id` declares its list `uniqueItems`). */
export function uniqueIds(ids: readonly PointId[]): PointId[] {
  return [...new Set(ids.map((id) => (typeof id === 'string' ? id.toLowerCase() : id)))];
}

/** A `has_id` condition selecting `ids`. */
export function hasIdCondition(ids: readonly PointId[]): { has_id: PointId[] } {
  return { has_id: uniqueIds(ids) };
}

/** Qdrant's PointsSelector: ids, a filter, or (both given) points matching either. */
export type QdrantPointsSelector = { points: PointId[] } | { filter: QdrantFilter };

/**
 * The selector of a delete; undefined when it selects nothing. Ids and a filter together become
 * `should: [has_id, filter]`, which selects either, so one request deletes both.
 */
export function toPointsSelector(selector: PointSelector): QdrantPointsSelector | undefined {
  const ids = selector.ids ?? [];
  const filter =
    selector.filter === undefined ? undefined : toQdrantFilter(selector.filter, 'selector.filter');
  if (filter === undefined) return ids.length === 0 ? undefined : { points: uniqueIds(ids) };
  if (ids.length === 0 || isEmptyFilter(filter)) return { filter };
  return { filter: { should: [hasIdCondition(ids), filter] } };
}

function isEmptyFilter(filter: QdrantFilter): boolean {
  return filter.must === undefined && filter.should === undefined && filter.must_not === undefined;
}
