import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pointInputsFromProto, queryVectorFromProto } from '../../src/api/point-mappers.js';
import { wireId, wireVector } from '../../src/client/index.js';
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
