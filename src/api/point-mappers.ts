import { endianness } from 'node:os';
import {
  VectorAdminError,
  type CallerPointId,
  type FetchedPoint,
  type FoundPoint,
  type PointInput,
} from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';

// f32le is copied straight into a Float32Array, which uses the host's byte order.
if (endianness() !== 'LE') throw new Error('VectorAdmin needs a little-endian host');

/** A wire point as the domain validates it; decoding problems become per-point errors. */
export function pointInputFromProto(point: pb.Point): PointInput {
  return {
    id: idInputFromProto(point.id),
    vector: vectorFromProto(point.vector),
    payload: point.payload ?? {},
  };
}

/** A wire id before validation. */
export function idInputFromProto(id: pb.PointId | undefined): PointInput['id'] {
  const kind = id?.kind;
  if (kind === undefined) return undefined;
  if (kind.$case === 'num') return { kind: 'num', value: kind.value };
  return { kind: kind.$case === 'uuid' ? 'uuid' : 'record', value: kind.value };
}

/** A wire vector as float32, or why it cannot be one. */
export function vectorFromProto(vector: pb.Vector | undefined): Float32Array | { error: string } {
  const kind = vector?.kind;
  if (kind === undefined) return { error: 'is required' };
  if (kind.$case === 'dense') {
    if (kind.value.values.length === 0) return { error: 'is empty' };
    return Float32Array.from(kind.value.values);
  }
  const bytes = kind.value;
  if (bytes.length === 0) return { error: 'is empty' };
  if (bytes.length % 4 !== 0)
    return { error: `f32le has ${bytes.length} bytes, not a multiple of 4` };
  // Copy rather than view: the decoder's buffer slice need not be 4-byte aligned.
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** A query vector, or invalid_argument naming `field`. */
export function queryVectorFromProto(
  vector: pb.Vector | undefined,
  field = 'vector',
): Float32Array {
  const decoded = vectorFromProto(vector);
  if (!(decoded instanceof Float32Array)) throw VectorAdminError.invalidField(field, decoded.error);
  return decoded;
}

/** The wire form of an id as the caller wrote it. */
export function pointIdToProto(id: CallerPointId): pb.PointId {
  if (typeof id === 'number') return { kind: { $case: 'num', value: BigInt(id) } };
  if (typeof id === 'string') return { kind: { $case: 'uuid', value: id } };
  return { kind: { $case: 'recordId', value: id.recordId } };
}

/** The wire form of a search hit. */
export function scoredPointToProto(point: FoundPoint): pb.ScoredPoint {
  return { id: pointIdToProto(point.id), score: point.score, payload: point.payload };
}

/** The wire form of a point read by id; vectors go out as dense floats, readable as JSON. */
export function fetchedPointToProto(point: FetchedPoint): pb.RetrievedPoint {
  return {
    id: pointIdToProto(point.id),
    payload: point.payload,
    ...(point.vector === undefined
      ? {}
      : { vector: { kind: { $case: 'dense', value: { values: Array.from(point.vector) } } } }),
  };
}

/** Bytes of vector data in a wire batch, for events and the in-flight bound. */
export function vectorBytes(points: readonly pb.Point[]): number {
  let bytes = 0;
  for (const point of points) {
    const kind = point.vector?.kind;
    if (kind?.$case === 'dense') bytes += kind.value.values.length * 4;
    else if (kind?.$case === 'f32le') bytes += kind.value.length;
  }
  return bytes;
}
