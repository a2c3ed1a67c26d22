import {
  VectorAdminError,
  type Condition,
  type Filter,
  type RangeBounds,
} from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';

const MAX_CONDITIONS = 256;

/** A domain filter from the wire, or invalid_argument naming the bad condition. */
export function filterFromProto(
  filter: pb.Filter | undefined,
  field = 'filter',
): Filter | undefined {
  if (filter === undefined) return undefined;
  const total = filter.must.length + filter.should.length + filter.mustNot.length;
  if (total === 0) return undefined;
  if (total > MAX_CONDITIONS)
    throw VectorAdminError.invalidField(field, `has more than ${MAX_CONDITIONS} conditions`);
  return {
    must: filter.must.map((c, i) => conditionFromProto(c, `${field}.must[${i}]`)),
    should: filter.should.map((c, i) => conditionFromProto(c, `${field}.should[${i}]`)),
    mustNot: filter.mustNot.map((c, i) => conditionFromProto(c, `${field}.must_not[${i}]`)),
  };
}

function conditionFromProto(condition: pb.Condition, field: string): Condition {
  const key = condition.key;
  if (key.length === 0 || key.length > 256 || key.split('.').some((part) => part.length === 0)) {
    throw VectorAdminError.invalidField(
      `${field}.key`,
      'must be 1-256 characters of dot-separated non-empty names',
    );
  }
  const body = condition.condition;
  if (body === undefined) throw VectorAdminError.invalidField(field, 'needs match or range');
  if (body.$case === 'match') {
    const value = body.value.value;
    if (value === undefined)
      throw VectorAdminError.invalidField(`${field}.match`, 'needs keyword, integer or boolean');
    if (value.$case === 'integer') {
      if (
        value.value > BigInt(Number.MAX_SAFE_INTEGER) ||
        value.value < BigInt(Number.MIN_SAFE_INTEGER)
      ) {
        throw VectorAdminError.invalidField(`${field}.match.integer`, 'must be within ±(2^53 - 1)');
      }
      return { key, match: Number(value.value) };
    }
    return { key, match: value.value };
  }
  const range: { -readonly [K in keyof RangeBounds]: RangeBounds[K] } = {};
  for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
    const value = body.value[bound];
    if (value === undefined) continue;
    if (!Number.isFinite(value))
      throw VectorAdminError.invalidField(`${field}.range.${bound}`, 'must be finite');
    range[bound] = value;
  }
  if (Object.keys(range).length === 0)
    throw VectorAdminError.invalidField(`${field}.range`, 'needs at least one bound');
  return { key, range };
}
