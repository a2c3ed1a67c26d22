import { endianness } from 'node:os';
import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  NullValue,
  type FilterSchema,
  type PointId as GrpcPointId,
  type PointIdSchema,
  type PointStructSchema,
  VectorSchema,
  type ConditionSchema,
  type RetrievedPoint as GrpcRetrievedPoint,
  type Value,
  type ValueSchema,
} from '@qdrant/js-client-grpc';
import type { QdrantCallContext } from './qdrant-errors.js';
import { ErrorCode, VectorAdminError } from '../domain/errors.js';
import type { Payload, Point, PointId } from '../domain/types.js';
import type { QdrantCondition, QdrantFilter } from './qdrant-filter.js';

/**
 * Qdrant's gRPC messages for the points path, as protobuf-es init shapes (the client creates
 * the messages): vectors travel as packed floats, payloads as Qdrant's own `Value` tree, which
 * keeps integers (int64) apart from doubles as JSON does.
 */

type ValueInit = MessageInitShape<typeof ValueSchema>;
type FilterInit = MessageInitShape<typeof FilterSchema>;
type ConditionInit = MessageInitShape<typeof ConditionSchema>;

/** Qdrant's wire id: an unsigned integer or a UUID. */
export function toGrpcPointId(id: PointId): MessageInitShape<typeof PointIdSchema> {
  return typeof id === 'number'
    ? { pointIdOptions: { case: 'num', value: BigInt(id) } }
    : { pointIdOptions: { case: 'uuid', value: id } };
}

/** A stored id back in the domain: numbers stay numbers, UUIDs go lowercase. */
export function fromGrpcPointId(id: GrpcPointId | undefined): PointId {
  const options = id?.pointIdOptions;
  if (options?.case === 'uuid') return options.value.toLowerCase();
  if (options?.case === 'num') {
    if (options.value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new VectorAdminError(
        ErrorCode.Internal,
        `point id ${options.value} is beyond 2^53 - 1`,
      );
    }
    return Number(options.value);
  }
  throw new VectorAdminError(ErrorCode.Internal, 'Qdrant answered a point without an id');
}

/** One JSON value as Qdrant's `Value`; integers as int64, other numbers as double. */
export function toGrpcValue(value: unknown): ValueInit {
  switch (typeof value) {
    case 'string':
      return { kind: { case: 'stringValue', value } };
    case 'boolean':
      return { kind: { case: 'boolValue', value } };
    case 'number':
      return Number.isSafeInteger(value)
        ? { kind: { case: 'integerValue', value: BigInt(value) } }
        : { kind: { case: 'doubleValue', value } };
    case 'bigint':
      return { kind: { case: 'integerValue', value } };
    default:
      if (value === null || value === undefined) {
        return { kind: { case: 'nullValue', value: NullValue.NULL_VALUE } };
      }
      if (Array.isArray(value)) {
        return { kind: { case: 'listValue', value: { values: value.map(toGrpcValue) } } };
      }
      return { kind: { case: 'structValue', value: { fields: toGrpcPayload(value as Payload) } } };
  }
}

/** A payload as Qdrant's `map<string, Value>`; keys whose value is undefined are left out, as JSON does. */
export function toGrpcPayload(payload: Payload): Record<string, ValueInit> {
  const fields: Record<string, ValueInit> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (value !== undefined) fields[key] = toGrpcValue(value);
  }
  return fields;
}

/** Qdrant's `Value` back to JSON; int64 becomes a number, as JSON and google.protobuf.Struct carry it. */
export function fromGrpcValue(value: Value): unknown {
  const kind = value.kind;
  switch (kind.case) {
    case 'stringValue':
    case 'boolValue':
    case 'doubleValue':
      return kind.value;
    case 'integerValue':
      return Number(kind.value);
    case 'structValue':
      return fromGrpcPayload(kind.value.fields);
    case 'listValue':
      return kind.value.values.map(fromGrpcValue);
    default:
      return null;
  }
}

export function fromGrpcPayload(fields: Readonly<Record<string, Value>>): Payload {
  const payload: Payload = {};
  for (const [key, value] of Object.entries(fields)) payload[key] = fromGrpcValue(value);
  return payload;
}

/** One point with its single unnamed dense vector. */
export function toGrpcPoint(point: Point): MessageInitShape<typeof PointStructSchema> {
  return {
    id: toGrpcPointId(point.id),
    vectors: { vectorsOptions: { case: 'vector', value: denseVector(point.vector) } },
    payload: toGrpcPayload(point.payload),
  };
}

// Vector.dense is field 101; DenseVector.data is field 1 (packed floats); both length-delimited.
const VECTOR_DENSE_FIELD = 101;
const DENSE_DATA_TAG = (1 << 3) | WireType.LengthDelimited;

/**
 * `Vector { dense: DenseVector { data } }` with the packed floats copied from the Float32Array
 * as they are, passed to protobuf-es as the field's encoded bytes: protobuf-es takes repeated
 * floats as number[] and writes them one at a time, which cost more client CPU than the whole
 * rest of an upsert. The bytes are what protobuf-es would write (little-endian floats), so the
 * server sees the ordinary `dense` field. Big-endian hosts take the plain path.
 */
function denseVector(vector: Float32Array): MessageInitShape<typeof VectorSchema> {
  if (!LITTLE_ENDIAN) return { vector: { case: 'dense', value: { data: Array.from(vector) } } };
  const floats = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  const inner = new BinaryWriter()
    .uint32(DENSE_DATA_TAG)
    .uint32(floats.length)
    .raw(floats)
    .finish();
  const data = new BinaryWriter().uint32(inner.length).raw(inner).finish();
  // A created message, since create() drops `$unknown` from a plain init object.
  const message = create(VectorSchema);
  message.$unknown = [{ no: VECTOR_DENSE_FIELD, wireType: WireType.LengthDelimited, data }];
  return message;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The gRPC form of a filter already translated (and validated) for REST by toQdrantFilter,
 * so the domain filter's rules are checked in one place.
 */
export function toGrpcFilter(filter: QdrantFilter): FilterInit {
  return {
    must: (filter.must ?? []).map(toGrpcCondition),
    should: (filter.should ?? []).map(toGrpcCondition),
    mustNot: (filter.must_not ?? []).map(toGrpcCondition),
  };
}

function toGrpcCondition(condition: QdrantCondition): ConditionInit {
  if ('has_id' in condition) {
    return {
      conditionOneOf: { case: 'hasId', value: { hasId: condition.has_id.map(toGrpcPointId) } },
    };
  }
  if ('key' in condition && 'match' in condition) {
    const value = condition.match.value;
    const match =
      typeof value === 'string'
        ? ({ case: 'keyword', value } as const)
        : typeof value === 'boolean'
          ? ({ case: 'boolean', value } as const)
          : ({ case: 'integer', value: BigInt(value) } as const);
    return {
      conditionOneOf: {
        case: 'field',
        value: { key: condition.key, match: { matchValue: match } },
      },
    };
  }
  if ('key' in condition) {
    return {
      conditionOneOf: { case: 'field', value: { key: condition.key, range: condition.range } },
    };
  }
  return { conditionOneOf: { case: 'filter', value: toGrpcFilter(condition) } };
}

/**
 * The unnamed dense vector of a retrieved point. Servers before the `dense` variant fill the
 * deprecated `data` field instead; internal when Qdrant holds another kind.
 */
export function fromGrpcVector(
  vectors: GrpcRetrievedPoint['vectors'],
  ctx: QdrantCallContext,
): Float32Array {
  const output = vectors?.vectorsOptions;
  if (output?.case === 'vector') {
    const { vector, data } = output.value;
    if (vector.case === 'dense') return Float32Array.from(vector.value.data);
    if (vector.case === undefined && data.length > 0) return Float32Array.from(data);
  }
  throw new VectorAdminError(
    ErrorCode.Internal,
    `${ctx.operation} on collection "${ctx.collection ?? ''}": Qdrant returned no dense vector`,
  );
}
