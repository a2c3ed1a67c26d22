import { VectorAdminError } from '../domain/errors.js';
import type { Condition, Filter, MatchValue, Payload, RangeBounds } from '../domain/types.js';

/** One step of a payload key path: an object key, an array index, or every array element. */
export type KeyPathItem =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'each' };

const SEGMENT = /^([^[\]]+)((?:\[\d*\])*)$/;

/**
 * Parses a payload key the way Qdrant does: dots separate object keys, `[]` takes every
 * element of an array and `[n]` one element. Undefined when the key is malformed.
 */
export function parseKeyPath(key: string): KeyPathItem[] | undefined {
  const items: KeyPathItem[] = [];
  for (const segment of key.split('.')) {
    const m = SEGMENT.exec(segment);
    if (m === null) return undefined;
    items.push({ kind: 'key', key: m[1]! });
    for (const bracket of m[2]!.match(/\[\d*\]/g) ?? []) {
      const digits = bracket.slice(1, -1);
      items.push(digits === '' ? { kind: 'each' } : { kind: 'index', index: Number(digits) });
    }
  }
  return items;
}

/**
 * The values a key path reaches in `payload`. Like Qdrant (segment/src/json_path), a key
 * step into an array reaches nothing: arrays are entered only with `[]` or `[n]`.
 */
export function valuesAt(payload: unknown, path: readonly KeyPathItem[]): unknown[] {
  const out: unknown[] = [];
  collect(payload, path, 0, out);
  return out;
}

function collect(value: unknown, path: readonly KeyPathItem[], at: number, out: unknown[]): void {
  const step = path[at];
  if (step === undefined) {
    if (value !== undefined) out.push(value);
    return;
  }
  if (step.kind === 'key') {
    if (isObject(value) && Object.hasOwn(value, step.key)) {
      collect(value[step.key], path, at + 1, out);
    }
  } else if (Array.isArray(value)) {
    if (step.kind === 'index') collect(value[step.index], path, at + 1, out);
    else for (const element of value) collect(element, path, at + 1, out);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Qdrant's match on one stored value: same JSON type and equal; integers match integers only. */
export function matchesValue(stored: unknown, wanted: MatchValue): boolean {
  if (typeof wanted === 'number') {
    return typeof stored === 'number' && Number.isInteger(stored) && stored === wanted;
  }
  return stored === wanted;
}

/** Qdrant's range on one stored value: numbers only, every given bound must hold. */
export function inRange(stored: unknown, range: RangeBounds): boolean {
  if (typeof stored !== 'number') return false;
  return (
    (range.gt === undefined || stored > range.gt) &&
    (range.gte === undefined || stored >= range.gte) &&
    (range.lt === undefined || stored < range.lt) &&
    (range.lte === undefined || stored <= range.lte)
  );
}

/** A condition compiled once per filter, tested per payload. */
type CompiledCondition = (payload: Payload) => boolean;

function compileCondition(condition: Condition, field: string): CompiledCondition {
  const path = parseKeyPath(condition.key);
  if (path === undefined) {
    // Qdrant refuses such a key too (400), so both stores answer invalid_argument.
    throw VectorAdminError.invalidField(`${field}.key`, 'is not a valid payload key path');
  }
  const test: (stored: unknown) => boolean =
    'match' in condition
      ? (stored) => matchesValue(stored, condition.match)
      : (stored) => inRange(stored, condition.range);
  // Qdrant tests an array leaf element by element (any match), one level deep.
  const testLeaf = (stored: unknown) => (Array.isArray(stored) ? stored.some(test) : test(stored));
  return (payload) => valuesAt(payload, path).some(testLeaf);
}

/**
 * Compiles a filter to a predicate with Qdrant's semantics: every `must`, at least one
 * `should` when there are any, no `mustNot`. A missing key matches no condition; a malformed
 * key is invalid_argument.
 */
export function compileFilter(filter: Filter): (payload: Payload) => boolean {
  const compile = (conditions: readonly Condition[], clause: string) =>
    conditions.map((c, i) => compileCondition(c, `filter.${clause}[${i}]`));
  const must = compile(filter.must, 'must');
  const should = compile(filter.should, 'should');
  const mustNot = compile(filter.mustNot, 'must_not');
  return (payload) =>
    must.every((c) => c(payload)) &&
    (should.length === 0 || should.some((c) => c(payload))) &&
    !mustNot.some((c) => c(payload));
}

/** True when `payload` satisfies `filter` (see `compileFilter`). */
export function matchesFilter(payload: Payload, filter: Filter): boolean {
  return compileFilter(filter)(payload);
}
