import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  PointStructSchema,
  UpsertPointsSchema,
  ValueSchema,
  WriteOrderingType,
} from '@qdrant/js-client-grpc';
import type { Point } from '../../src/domain/types.js';
import { encodeGrpcPoint, writeRepeatedPoints } from '../../src/stores/qdrant-grpc-point-bytes.js';
import { fromGrpcPayload, upsertRequest } from '../../src/stores/qdrant-grpc-points.js';

type ValueInit = MessageInitShape<typeof ValueSchema>;

// The reference: the same points as protobuf-es init shapes, encoded by protobuf-es itself.
function referenceValue(value: unknown): ValueInit {
  if (value === null) return { kind: { case: 'nullValue', value: 0 } };
  if (typeof value === 'string') return { kind: { case: 'stringValue', value } };
  if (typeof value === 'boolean') return { kind: { case: 'boolValue', value } };
  if (typeof value === 'number') {
    return Number.isSafeInteger(value)
      ? { kind: { case: 'integerValue', value: BigInt(value) } }
      : { kind: { case: 'doubleValue', value } };
  }
  if (Array.isArray(value)) {
    return { kind: { case: 'listValue', value: { values: value.map(referenceValue) } } };
  }
  return { kind: { case: 'structValue', value: { fields: referenceFields(value as object) } } };
}

function referenceFields(fields: object): Record<string, ValueInit> {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, referenceValue(v)]),
  );
}

function referencePoint(point: Point) {
  return {
    id: {
      pointIdOptions:
        typeof point.id === 'number'
          ? { case: 'num' as const, value: BigInt(point.id) }
          : { case: 'uuid' as const, value: point.id },
    },
    payload: referenceFields(point.payload),
    vectors: {
      vectorsOptions: {
        case: 'vector' as const,
        value: { vector: { case: 'dense' as const, value: { data: Array.from(point.vector) } } },
      },
    },
  };
}

const points: Point[] = [
  {
    id: 7,
    vector: new Float32Array([0.5, -1.25, 3e-7, 1e30]),
    payload: {
      s: 'héllo ✓',
      n: -42,
      big: Number.MAX_SAFE_INTEGER,
      d: 0.1,
      huge: 2 ** 60,
      t: true,
      f: false,
      z: null,
      skipped: undefined,
      list: [1, 'a', null, [2.5], { k: 'v' }],
      nested: { deeper: { x: 1 }, empty: {} },
    },
  },
  {
    id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
    // Long enough that every length prefix takes several bytes.
    vector: Float32Array.from({ length: 1536 }, (_, i) => Math.sin(i)),
    payload: {},
  },
  { id: 2 ** 53 - 1, vector: new Float32Array([1]), payload: { s: 'x'.repeat(300) } },
];

test('qdrant grpc point bytes - an upsert decodes to the message protobuf-es writes for the same points', () => {
  const init = { collectionName: 'c', wait: true, ordering: { type: WriteOrderingType.Strong } };
  const sent = toBinary(UpsertPointsSchema, upsertRequest(init, points.map(encodeGrpcPoint)));
  const reference = create(UpsertPointsSchema, { ...init, points: points.map(referencePoint) });
  const decoded = fromBinary(UpsertPointsSchema, sent);
  assert.equal(decoded.points.length, points.length);
  assert.ok(equals(UpsertPointsSchema, decoded, reference), 'the whole request');
  const expected = new BinaryWriter();
  for (const point of points) {
    expected.tag(3, WireType.LengthDelimited);
    expected.bytes(toBinary(PointStructSchema, create(PointStructSchema, referencePoint(point))));
  }
  assert.deepEqual(
    writeRepeatedPoints(3, points.map(encodeGrpcPoint)),
    expected.finish().subarray(1),
    'the points field byte for byte as protobuf-es writes it, less the first tag',
  );
});

test('a __proto__ key read back from Qdrant is left out, not taken for a prototype', () => {
  const fields = Object.fromEntries([
    ['n', create(ValueSchema, { kind: { case: 'integerValue', value: 1n } })],
    [
      '__proto__',
      create(ValueSchema, {
        kind: {
          case: 'structValue',
          value: {
            fields: { _va_record_id: { kind: { case: 'stringValue', value: 'forged' } } },
          },
        },
      }),
    ],
  ]);
  const payload = fromGrpcPayload(fields);
  assert.equal(payload['_va_record_id'], undefined);
  assert.equal(Object.getPrototypeOf(payload), Object.prototype);
  assert.deepEqual(payload, { n: 1 });
});
