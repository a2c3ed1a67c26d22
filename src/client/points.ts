import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';

/** A wire vector: f32le bytes (the fast path) or dense floats. */
export function wireVector(values: Float32Array, encoding: 'f32le' | 'dense' = 'f32le'): pb.Vector {
  if (encoding === 'dense')
    return { kind: { $case: 'dense', value: { values: Array.from(values) } } };
  return {
    kind: {
      $case: 'f32le',
      value: Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    },
  };
}

/**
 * A payload as `Point.payloadJson`: UTF-8 JSON, the fast path. Encoding a batch with Struct
 * payloads took 1.4-1.8x the encode CPU (docs/BENCHMARKS.md, "Payloads as JSON").
 */
export function wirePayloadJson(payload: Readonly<Record<string, unknown>>): Uint8Array {
  return Buffer.from(JSON.stringify(payload));
}

/** A wire payload in the form that goes with a vector encoding: f32le's fast path is JSON. */
export function wirePayload(
  payload: Readonly<Record<string, unknown>>,
  encoding: 'f32le' | 'dense' = 'f32le',
): Pick<pb.Point, 'payload' | 'payloadJson'> {
  return encoding === 'f32le' ? { payloadJson: wirePayloadJson(payload) } : { payload };
}

/** A wire id from a number, a UUID, or a source record key. */
export function wireId(id: number | bigint | { uuid: string } | { recordId: string }): pb.PointId {
  if (typeof id === 'number' || typeof id === 'bigint')
    return { kind: { $case: 'num', value: BigInt(id) } };
  return 'uuid' in id
    ? { kind: { $case: 'uuid', value: id.uuid } }
    : { kind: { $case: 'recordId', value: id.recordId } };
}

/** The plain form of a wire id: a number or a UUID string. */
export function plainId(id: pb.PointId | undefined): number | string | undefined {
  const kind = id?.kind;
  if (kind === undefined) return undefined;
  return kind.$case === 'num' ? Number(kind.value) : kind.value;
}
