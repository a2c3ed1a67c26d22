import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';
import {
  UpsertPointsSchema,
  type WriteOrderingSchema,
  type FilterSchema,
  type PointId as GrpcPointId,
  type PointIdSchema,
  type ConditionSchema,
  type RetrievedPoint as GrpcRetrievedPoint,
  type UpsertPoints,
  type Value,
} from '@qdrant/js-client-grpc';
import type { QdrantCallContext } from './qdrant-errors.js';
import { ErrorCode, VectorAdminError } from '../domain/errors.js';
import type { Payload, PointId } from '../domain/types.js';
import type { QdrantCondition, QdrantFilter } from './qdrant-filter.js';
import { writeRepeatedPoints, type EncodedPoint } from './qdrant-grpc-point-bytes.js';

/**
 * Qdrant's gRPC messages for the points path, as protobuf-es init shapes (the client creates
 * the messages); upserted points come encoded from qdrant-grpc-point-bytes.ts.
 */

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

/**
 * A Qdrant payload as the service's. A `__proto__` key is left out, as the service drops it on
 * the way in: assigned here it would replace the object's prototype, whose keys (a reserved
 * record id, say) would then read as the point's own.
 */
export function fromGrpcPayload(fields: Readonly<Record<string, Value>>): Payload {
  const payload: Payload = {};
  for (const [key, value] of Object.entries(fields))
    if (key !== '__proto__') payload[key] = fromGrpcValue(value);
  return payload;
}

// UpsertPoints.points is field 3.
const UPSERT_POINTS_FIELD = 3;

/**
 * An UpsertPoints request whose points are already encoded (encodeGrpcPoint), handed to
 * protobuf-es as the bytes of its `points` field: one unknown field whose tag protobuf-es
 * writes, followed by every element (writeRepeatedPoints), which Qdrant reads as the ordinary
 * repeated field.
 */
export function upsertRequest(
  init: {
    readonly collectionName: string;
    readonly wait: boolean;
    readonly ordering?: MessageInitShape<typeof WriteOrderingSchema>;
  },
  points: readonly EncodedPoint[],
): UpsertPoints {
  const message = create(UpsertPointsSchema, init);
  if (points.length > 0) {
    const data = writeRepeatedPoints(UPSERT_POINTS_FIELD, points);
    message.$unknown = [{ no: UPSERT_POINTS_FIELD, wireType: WireType.LengthDelimited, data }];
  }
  return message;
}

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
