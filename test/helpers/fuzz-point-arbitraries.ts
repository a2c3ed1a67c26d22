import fc from 'fast-check';
import { recordUuid } from '../../src/domain/index.js';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';

// Arbitraries for wire points, each carrying the oracle's verdict: which fields of the point
// the service must name (relative to `points[i].`), and under which key a good point is stored.
// The rules restated here are the contract's (proto comments, README limits), not the code's.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A generated point id with the field the service must name, or the key it is stored under. */
export interface FuzzId {
  readonly id: pb.PointId | undefined;
  readonly bad?: 'id' | 'id.record_id';
  readonly key?: string;
}

/** Point ids: safe integers, integers past 2^53, UUIDs in any case, non-UUIDs, record ids. */
export function idArb(tenantId: string, table: string): fc.Arbitrary<FuzzId> {
  const num = (value: bigint): pb.PointId => ({ kind: { $case: 'num', value } });
  const uuid = (value: string): pb.PointId => ({ kind: { $case: 'uuid', value } });
  const record = (value: string): pb.PointId => ({ kind: { $case: 'recordId', value } });
  return fc.oneof(
    fc.bigInt({ min: 0n, max: MAX_SAFE }).map((v) => ({ id: num(v), key: String(v) })),
    fc.constantFrom(0n, MAX_SAFE).map((v) => ({ id: num(v), key: String(v) })),
    fc
      .bigInt({ min: MAX_SAFE + 1n, max: 2n ** 64n - 1n })
      .map((v) => ({ id: num(v), bad: 'id' as const })),
    fc.tuple(fc.uuid(), fc.boolean()).map(([u, upper]) => ({
      id: uuid(upper ? u.toUpperCase() : u),
      key: u.toLowerCase(),
    })),
    fc
      .oneof(
        fc.string({ maxLength: 40 }),
        fc.uuid().map((u) => `{${u}}`),
        fc.constant(''),
      )
      .filter((s) => !UUID.test(s))
      .map((s) => ({ id: uuid(s), bad: 'id' as const })),
    // Well-formed UTF-16 only: the wire is UTF-8, so a lone surrogate would change the key.
    fc
      .oneof(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
        fc.constant('r'.repeat(1024)),
      )
      .filter((s) => s.length <= 1024)
      .map((s) => ({ id: record(s), key: recordUuid(tenantId, table, s) })),
    fc
      .constantFrom('', 'r'.repeat(1025))
      .map((s) => ({ id: record(s), bad: 'id.record_id' as const })),
    fc.constant({ id: undefined, bad: 'id' as const }),
  );
}

/** A generated vector and whether the service must refuse it. */
export interface FuzzVector {
  readonly vector: pb.Vector | undefined;
  readonly bad: boolean;
  readonly dims: number;
}

const f32le = (values: Float32Array): pb.Vector => ({
  kind: { $case: 'f32le', value: Buffer.from(values.buffer, values.byteOffset, values.byteLength) },
});
const dense = (values: number[]): pb.Vector => ({ kind: { $case: 'dense', value: { values } } });
const allFinite = (values: ArrayLike<number>) => Array.from(values).every(Number.isFinite);

/**
 * Vectors: right size, NaN/±Inf, wrong and huge sizes, torn bytes, none. (Doubles past
 * float32's range are refused by the client's own encoder, so they never reach the wire.)
 */
export function vectorArb(dim: number): fc.Arbitrary<FuzzVector> {
  const finite = fc.float({ noNaN: true, noDefaultInfinity: true });
  const right = fc.array(finite, { minLength: dim, maxLength: dim });
  const special = fc.constantFrom(Number.NaN, Infinity, -Infinity);
  return fc.oneof(
    { weight: 4, arbitrary: right.map((v) => ({ vector: dense(v), bad: false, dims: dim })) },
    {
      weight: 4,
      arbitrary: right.map((v) => ({ vector: f32le(Float32Array.from(v)), bad: false, dims: dim })),
    },
    // Any bit pattern: NaN payloads, infinities, subnormals, -0.
    fc.uint8Array({ minLength: dim * 4, maxLength: dim * 4 }).map((bytes) => {
      const values = new Float32Array(bytes.slice().buffer);
      return { vector: f32le(values), bad: !allFinite(values), dims: dim };
    }),
    fc.tuple(right, fc.nat(dim - 1), special, fc.boolean()).map(([v, at, x, asBytes]) => {
      const values = [...v];
      values[at] = x;
      return {
        vector: asBytes ? f32le(Float32Array.from(values)) : dense(values),
        bad: true,
        dims: dim,
      };
    }),
    fc
      .integer({ min: 0, max: dim * 3 })
      .filter((n) => n !== dim)
      .map((n) => ({ vector: f32le(new Float32Array(n).fill(0.5)), bad: true, dims: n })),
    fc.constant({ vector: f32le(new Float32Array(100_000).fill(0.5)), bad: true, dims: 100_000 }),
    fc
      .integer({ min: 1, max: dim * 4 + 3 })
      .filter((n) => n % 4 !== 0)
      .map((n) => ({
        vector: { kind: { $case: 'f32le' as const, value: Buffer.alloc(n) } },
        bad: true,
        dims: -1,
      })),
    fc.constant({ vector: dense([]), bad: true, dims: 0 }),
    fc.constant({ vector: undefined, bad: true, dims: 0 }),
  );
}

/** A generated payload and whether it nests past the decoder's limit. */
export interface FuzzPayload {
  readonly payload: Record<string, unknown>;
  /** Nested deeper than the protobuf decoder's recursion limit. */
  readonly tooDeep: boolean;
}

/** Keys under the reserved `_va_` prefix (README, "Shared tables"): refused on every table. */
const RESERVED_KEYS = ['_va_tenant', '_va_id', '_va_', '_va_é', '_va_\u{1f600}'];

/** The service's payload limit in these tests (VECTORADMIN_MAX_PAYLOAD_BYTES). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

function nest(depth: number, leaf: unknown): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf };
  for (let i = 0; i < depth; i++) value = { [`d${i}`]: value };
  return value;
}

/** Payloads: odd keys and values (NaN, ±Inf, -0, huge numbers, unicode), deep, huge. */
export function payloadArb(): fc.Arbitrary<FuzzPayload> {
  const key = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.constantFrom('', ' ', '.', 'a.b', 'a[0]', 'constructor', 'toString', 'tenant_id'),
    fc.constantFrom(...RESERVED_KEYS),
  );
  const leaf = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 16 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, 2 ** 64),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    ),
  }));
  // The decoder allows 100 message levels, three per JSON level (Struct, entry, Value).
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .dictionary(key, value, { maxKeys: 5 })
        .map((p) => ({ payload: p, tooDeep: false })),
    },
    fc.integer({ min: 1, max: 20 }).map((d) => ({ payload: nest(d, 'ok'), tooDeep: false })),
    fc.integer({ min: 40, max: 400 }).map((d) => ({ payload: nest(d, 'deep'), tooDeep: true })),
    fc.integer({ min: 1, max: MAX_PAYLOAD_BYTES * 4 }).map((n) => ({
      payload: { blob: 'x'.repeat(n) },
      tooDeep: false,
    })),
  );
}

/** One generated point: the wire form and every field the service must name for it. */
export interface FuzzPoint {
  readonly wire: pb.Point;
  /** Fields relative to `points[i]`, e.g. `vector`; empty for a good point. */
  readonly bad: readonly string[];
  readonly key: string | undefined;
  readonly tooDeep: boolean;
}

/** How a point carries its payload: a Struct, JSON, or JSON the service must refuse. */
export type PayloadForm = 'struct' | 'json' | 'bad json';

/** payload_json text that is not one JSON object, whatever payload was drawn. */
const BAD_JSON: readonly Uint8Array[] = [
  ...['[1]', 'null', '"text"', '{"a":', '', '{"a":[1,}'].map((text) => Buffer.from(text)),
  // {"<0xff>":1}: not UTF-8.
  Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d),
];

function fuzzPoint(
  id: FuzzId,
  vector: FuzzVector,
  payload: FuzzPayload,
  form: PayloadForm = 'struct',
  pick = 0,
): FuzzPoint {
  const onWire =
    form === 'struct'
      ? { payload: payload.payload }
      : {
          payloadJson:
            form === 'json'
              ? Buffer.from(JSON.stringify(payload.payload))
              : BAD_JSON[pick % BAD_JSON.length]!,
        };
  // As JSON a payload past the Struct's depth is a bad field, not an undecodable message; a
  // refused payload_json leaves nothing of the payload to check.
  const jsonRefused = form === 'bad json' || (form === 'json' && payload.tooDeep);
  const kept = jsonRefused ? {} : payload.payload;
  return {
    wire: { id: id.id, vector: vector.vector, ...onWire },
    bad: [
      ...(id.bad === undefined ? [] : [id.bad]),
      ...(vector.bad ? ['vector'] : []),
      ...(jsonRefused ? ['payload_json'] : []),
      ...Object.keys(kept)
        .filter((k) => k.startsWith('_va_'))
        .map((k) => `payload.${k}`),
      // Measured as the service measures it: JSON of the decoded Struct (NaN and ±Inf are null).
      ...(Buffer.byteLength(JSON.stringify(kept)) > MAX_PAYLOAD_BYTES ? ['payload'] : []),
    ],
    key: id.key,
    tooDeep: form === 'struct' && payload.tooDeep,
  };
}

/** Any point at all: every part drawn from the whole range above, good or bad. */
export function anyPointArb(tenantId: string, table: string, dim: number): fc.Arbitrary<FuzzPoint> {
  const form = fc.constantFrom<PayloadForm>('struct', 'struct', 'json', 'bad json');
  return fc
    .tuple(idArb(tenantId, table), vectorArb(dim), payloadArb(), form, fc.nat())
    .map(([id, vector, payload, how, pick]) => fuzzPoint(id, vector, payload, how, pick));
}

/** A point the service must accept: a safe id or UUID, a finite vector, a small payload. */
export function goodPointArb(dim: number): fc.Arbitrary<FuzzPoint> {
  const id = fc.oneof(
    fc
      .bigInt({ min: 0n, max: MAX_SAFE })
      .map((v) => ({ id: { kind: { $case: 'num' as const, value: v } }, key: String(v) })),
    fc.uuid().map((u) => ({ id: { kind: { $case: 'uuid' as const, value: u } }, key: u })),
  );
  const vector = fc
    .array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: dim, maxLength: dim })
    .map((v) => ({ vector: f32le(Float32Array.from(v)), bad: false, dims: dim }));
  const payload = fc
    .dictionary(
      fc.string({ maxLength: 8 }).filter((k) => !k.startsWith('_va_')),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    )
    .map((p) => ({ payload: p, tooDeep: false }));
  return fc.tuple(id, vector, payload).map(([i, v, p]) => fuzzPoint(i, v, p));
}
