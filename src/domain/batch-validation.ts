import { ErrorCode, VectorAdminError } from './errors.js';
import { storedPayload } from './caller-points.js';
import { canonicalUuid, lastWriteWins, numericId, recordUuid } from './point-id.js';
import { RESERVED_KEY_PREFIX, isReservedKey } from './shared-points.js';
import type { Payload, Point, PointId } from './types.js';

/** A point as decoded from the wire, before validation. */
export interface PointInput {
  readonly id:
    | { readonly kind: 'num'; readonly value: bigint }
    | { readonly kind: 'uuid' | 'record'; readonly value: string }
    | undefined;
  /** Decoded vector, or why it could not be decoded. */
  readonly vector: Float32Array | { readonly error: string };
  readonly payload: Payload;
  /** Why the payload could not be decoded (`payload` is then empty), naming the wire field. */
  readonly payloadError?: { readonly field: string; readonly message: string };
}

/** Why one point of a batch was refused. */
export interface PointError {
  readonly index: number;
  readonly field: string;
  readonly message: string;
}

/** Limits a batch must respect; configurable, documented in the README. */
export interface BatchLimits {
  readonly maxPoints: number;
  readonly maxPayloadBytes: number;
}

export type BatchValidation =
  /** `points` holds each id once: a repeated id's later point wins (what the store keeps). */
  | { readonly ok: true; readonly points: Point[]; readonly payloadBytes: number }
  | { readonly ok: false; readonly errors: PointError[] };

/**
 * Validates a whole batch against the collection's dimension: every bad point is reported,
 * and a batch with any bad point yields no points at all (it is rejected whole).
 */
export function validateBatch(
  tenantId: string,
  table: string,
  inputs: readonly PointInput[],
  vectorSize: number,
  limits: BatchLimits,
): BatchValidation {
  if (inputs.length === 0) {
    return { ok: false, errors: [{ index: 0, field: 'points', message: 'batch is empty' }] };
  }
  if (inputs.length > limits.maxPoints) {
    const message = `batch has ${inputs.length} points, more than the limit of ${limits.maxPoints}`;
    return { ok: false, errors: [{ index: 0, field: 'points', message }] };
  }
  const errors: PointError[] = [];
  const points: Point[] = [];
  let payloadBytes = 0;
  inputs.forEach((input, index) => {
    const at = `points[${index}]`;
    const fail = (field: string, message: string) =>
      errors.push({ index, field: `${at}.${field}`, message });
    const id = resolveId(tenantId, table, input, `${at}.id`, fail);
    const vector = checkVector(input.vector, vectorSize, fail);
    if (input.payloadError !== undefined)
      fail(input.payloadError.field, input.payloadError.message);
    for (const key of Object.keys(input.payload)) {
      // Shared tables keep the owner and original id under these keys (shared-points.ts).
      if (isReservedKey(key))
        fail(`payload.${key}`, `keys starting with "${RESERVED_KEY_PREFIX}" are reserved`);
    }
    const size = payloadSize(input.payload);
    payloadBytes += size;
    if (size > limits.maxPayloadBytes) {
      fail('payload', `is ${size} bytes as JSON, more than the limit of ${limits.maxPayloadBytes}`);
    }
    if (id !== undefined && vector !== undefined && errors.length === 0) {
      const recordId = input.id?.kind === 'record' ? input.id.value : undefined;
      points.push({ id, vector, payload: storedPayload(recordId, input.payload) });
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, points: lastWriteWins(points), payloadBytes };
}

/** The stored id for a wire id; invalid_argument naming `field` when it is not valid. */
export function resolvePointId(
  tenantId: string,
  table: string,
  id: PointInput['id'],
  field: string,
): PointId {
  if (id === undefined) throw VectorAdminError.invalidField(field, 'is required');
  if (id.kind === 'num') return numericId(id.value, field);
  if (id.kind === 'uuid') return canonicalUuid(id.value, field);
  if (id.value.length === 0 || id.value.length > 1024) {
    throw VectorAdminError.invalidField(`${field}.record_id`, 'must be 1-1024 characters');
  }
  return recordUuid(tenantId, table, id.value);
}

function resolveId(
  tenantId: string,
  table: string,
  input: PointInput,
  field: string,
  fail: (field: string, message: string) => void,
): PointId | undefined {
  try {
    return resolvePointId(tenantId, table, input.id, field);
  } catch (err) {
    if (!(err instanceof VectorAdminError) || err.code !== ErrorCode.InvalidArgument) throw err;
    const violation = err.violations[0];
    fail(
      violation?.field.replace(/^points\[\d+\]\./, '') ?? 'id',
      violation?.message ?? err.message,
    );
    return undefined;
  }
}

function checkVector(
  vector: PointInput['vector'],
  vectorSize: number,
  fail: (field: string, message: string) => void,
): Float32Array | undefined {
  const problem = vector instanceof Float32Array ? vectorProblem(vector, vectorSize) : vector.error;
  if (problem === undefined) return vector as Float32Array;
  fail('vector', problem);
  return undefined;
}

/** Why `vector` cannot go into a collection of `vectorSize` dimensions; undefined when it can. */
export function vectorProblem(vector: Float32Array, vectorSize: number): string | undefined {
  const size = vectorSizeProblem(vector.length, vectorSize);
  if (size !== undefined) return size;
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) return `value at ${i} is not finite`;
  }
  return undefined;
}

function payloadSize(payload: Payload): number {
  return Buffer.byteLength(JSON.stringify(payload), 'utf8');
}

/** The one vector-size rule: why `dimensions` do not fit the collection; undefined when they do. */
export function vectorSizeProblem(dimensions: number, vectorSize: number): string | undefined {
  return dimensions === vectorSize
    ? undefined
    : `has ${dimensions} dimensions, the collection has ${vectorSize}`;
}
