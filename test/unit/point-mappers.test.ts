import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_PAYLOAD_JSON_DEPTH,
  pointInputsFromProto,
  queryVectorFromProto,
} from '../../src/api/point-mappers.js';
import { wireId, wirePayloadJson, wireVector } from '../../src/client/index.js';
import { UpsertRequest, type Point } from '../../src/gen/vectoradmin/v1/vectoradmin.js';

// Through the generated codec, as the server receives a batch: each f32le vector is a view of
// the message at whatever offset its field landed.
function decoded(points: Point[]): Point[] {
  const request = { tenantId: 'acme', table: 'items', seq: 1n, points };
  return UpsertRequest.decode(UpsertRequest.encode(request).finish()).points;
}

test('a batch decodes every f32le vector at its own offset, whatever the alignment', () => {
  const vectors = [3, 5, 1, 4, 2].map((dim, p) =>
    Float32Array.from({ length: dim }, (_, i) => p * 10 + i + 0.25),
  );
  // Payloads of varied length move each vector's field to a different byte offset.
  const points = vectors.map((v, p) => ({
    id: wireId(p),
    vector: wireVector(v, 'f32le'),
    payload: { pad: 'x'.repeat(p) },
  }));
  const wire = decoded(points);
  const offsets = wire.map((p) => (p.vector?.kind?.value as Uint8Array).byteOffset % 4);
  assert.ok(
    new Set(offsets).size > 1,
    `offsets ${offsets.join(',')} should not all share an alignment`,
  );

  const inputs = pointInputsFromProto(wire);
  assert.deepEqual(
    inputs.map((p) => p.vector),
    vectors,
  );
  assert.deepEqual(
    inputs.map((p) => p.payload),
    points.map((p) => p.payload),
  );
});

test('a bad vector in a batch is its own error and leaves the others intact', () => {
  const good = Float32Array.from([1, 2, 3]);
  const wire = decoded([
    { id: wireId(1), vector: wireVector(good, 'f32le') },
    { id: wireId(2), vector: { kind: { $case: 'f32le', value: new Uint8Array(6) } } },
    { id: wireId(3), vector: { kind: { $case: 'f32le', value: new Uint8Array(0) } } },
    { id: wireId(4) },
    { id: wireId(5), vector: wireVector(Float32Array.from([7, 8]), 'dense') },
    {
      id: wireId(6),
      vector: wireVector(
        good.map((x) => -x),
        'f32le',
      ),
    },
  ]);
  const vectors = pointInputsFromProto(wire).map((p) => p.vector);
  assert.deepEqual(vectors, [
    good,
    { error: 'f32le has 6 bytes, not a multiple of 4' },
    { error: 'is empty' },
    { error: 'is required' },
    Float32Array.from([7, 8]),
    Float32Array.from([-1, -2, -3]),
  ]);
});

test('decoded vectors do not change when the message bytes are reused', () => {
  const bytes = UpsertRequest.encode({
    tenantId: 'acme',
    table: 'items',
    seq: 1n,
    points: [{ id: wireId(1), vector: wireVector(Float32Array.from([1, 2]), 'f32le') }],
  }).finish();
  const request = UpsertRequest.decode(bytes);
  const [input] = pointInputsFromProto(request.points);
  const query = queryVectorFromProto(request.points[0]!.vector);
  bytes.fill(0);
  assert.deepEqual(input!.vector, Float32Array.from([1, 2]));
  assert.deepEqual(query, Float32Array.from([1, 2]));
});

test('payload_json decodes to the same payload as the Struct it stands for', () => {
  const payload = {
    title: 'Ünïcode ✓',
    n: 3.5,
    ok: true,
    none: null,
    tags: ['a'],
    nested: { k: 1 },
  };
  const [asStruct, asJson] = pointInputsFromProto(
    decoded([
      { id: wireId(1), vector: wireVector(Float32Array.of(1)), payload },
      {
        id: wireId(2),
        vector: wireVector(Float32Array.of(1)),
        payloadJson: wirePayloadJson(payload),
      },
    ]),
  );
  assert.deepEqual(asJson?.payload, payload);
  assert.deepEqual(asJson?.payload, asStruct?.payload);
  assert.equal(asJson?.payloadError, undefined);
});

test('a payload_json that is not one UTF-8 JSON object is refused, naming the field and why', () => {
  const cases: [Uint8Array, RegExp][] = [
    [Buffer.from('[1, 2]'), /must be a JSON object, not an array/],
    [Buffer.from('null'), /must be a JSON object, not null/],
    [Buffer.from('"text"'), /must be a JSON object, not a string/],
    [Buffer.from('{"a": 1'), /is not UTF-8 JSON/],
    [Buffer.from(''), /is not UTF-8 JSON/],
    [Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d), /is not UTF-8 JSON/],
  ];
  for (const [payloadJson, reason] of cases) {
    const [input] = pointInputsFromProto(
      decoded([{ id: wireId(1), vector: wireVector(Float32Array.of(1)), payloadJson }]),
    );
    assert.equal(input?.payloadError?.field, 'payload_json');
    assert.match(input?.payloadError?.message ?? '', reason);
    assert.deepEqual(input?.payload, {});
  }
});

test('a point with both payload and payload_json is refused rather than one silently winning', () => {
  const [input] = pointInputsFromProto(
    decoded([
      {
        id: wireId(1),
        vector: wireVector(Float32Array.of(1)),
        payload: { a: 1 },
        payloadJson: wirePayloadJson({ a: 2 }),
      },
    ]),
  );
  assert.deepEqual(input?.payloadError, {
    field: 'payload_json',
    message: 'set payload or payload_json, not both',
  });
});

test('payload_json nests as deep as a Struct payload can, and past that is refused before parsing', () => {
  const nested = (levels: number) => {
    // Brackets inside a string do not nest, before or after an escaped quote.
    let value: Record<string, unknown> = { leaf: '{[ inside a string \\" {[{[ ]}' };
    for (let i = 1; i < levels; i++) value = { [`d${i}`]: value };
    return value;
  };
  const input = (payloadJson: Uint8Array) =>
    pointInputsFromProto(
      decoded([{ id: wireId(1), vector: wireVector(Float32Array.of(1)), payloadJson }]),
    )[0];
  const deepest = nested(MAX_PAYLOAD_JSON_DEPTH);
  assert.deepEqual(input(wirePayloadJson(deepest))?.payload, deepest);
  // The same payload as a Struct still decodes: what payload_json accepts can be read back.
  assert.doesNotThrow(() => decoded([{ id: wireId(1), payload: deepest }]));
  const tooDeep = input(wirePayloadJson(nested(MAX_PAYLOAD_JSON_DEPTH + 1)));
  assert.deepEqual(tooDeep?.payloadError, {
    field: 'payload_json',
    message: `nests objects and arrays more than ${MAX_PAYLOAD_JSON_DEPTH} levels deep`,
  });
  // Megabytes of open brackets are refused by the scan, not handed to JSON.parse.
  const brackets = Buffer.from(`{"a":${'['.repeat(4_000_000)}`);
  assert.match(input(brackets)?.payloadError?.message ?? '', /more than 32 levels deep/);
});

test('payload_json drops __proto__ keys at any depth, as the Struct decoder does', () => {
  const text = '{"a":1,"__proto__":{"x":1},"n":{"\\u005f_proto__":2,"b":[{"__proto__":3,"c":4}]}}';
  const [input] = pointInputsFromProto(
    decoded([
      { id: wireId(1), vector: wireVector(Float32Array.of(1)), payloadJson: Buffer.from(text) },
    ]),
  );
  assert.deepEqual(input?.payload, { a: 1, n: { b: [{ c: 4 }] } });
  assert.equal(Object.getPrototypeOf(input?.payload), Object.prototype);
  const [asStruct] = pointInputsFromProto(
    decoded([
      {
        id: wireId(1),
        vector: wireVector(Float32Array.of(1)),
        payload: JSON.parse(text) as object,
      },
    ]),
  );
  assert.deepEqual(input?.payload, asStruct?.payload);
});
