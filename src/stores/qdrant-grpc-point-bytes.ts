import { endianness } from 'node:os';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { Payload, Point, PointId } from '../domain/types.js';

/**
 * Qdrant's `PointStruct` for points with an unnamed dense vector, encoded here rather than by
 * protobuf-es: handed a message tree, protobuf-es normalizes every node (create), writes each
 * float on its own and moves each point's bytes again when it closes the enclosing messages,
 * and its writer grows by copying; together more client CPU than the gRPC path may cost next to
 * REST's JSON (docs/BENCHMARKS.md). Here a request's points go into one buffer of the exact
 * size, each vector copied once from its Float32Array. Field numbers are those of
 * Qdrant's points.proto, common.proto and json_with_int.proto (1.x); a unit test decodes the
 * bytes with the client's own schema and compares them with what protobuf-es writes.
 */

const LD = WireType.LengthDelimited;
// PointStruct: id = 1, payload = 3 (map<string, Value>), vectors = 4.
const POINT_ID = 1;
const POINT_PAYLOAD = 3;
const POINT_VECTORS = 4;
// PointId: num = 1 (uint64), uuid = 2. Map entries: key = 1, value = 2.
const ID_NUM = 1;
const ID_UUID = 2;
// Vectors.vector = 1; Vector.dense = 101; DenseVector.data = 1 (packed floats).
const VECTORS_VECTOR = 1;
const VECTOR_DENSE = 101;
const DENSE_DATA = 1;
// Value: null = 1, double = 2, int64 = 3, string = 4, bool = 5, Struct = 6, ListValue = 7;
// Struct.fields = 1 (map), ListValue.values = 1.
const VALUE_NULL = 1;
const VALUE_DOUBLE = 2;
const VALUE_INTEGER = 3;
const VALUE_STRING = 4;
const VALUE_BOOL = 5;
const VALUE_STRUCT = 6;
const VALUE_LIST = 7;

const LITTLE_ENDIAN = endianness() === 'LE';

/** One point's `PointStruct`, measured: id and payload encoded, the vector still to copy. */
export interface EncodedPoint {
  readonly head: Uint8Array;
  readonly vector: Float32Array;
  /** Bytes of the PointStruct message, without a tag or length prefix. */
  readonly messageBytes: number;
}

/** Measures one point and encodes its id and payload (small: protobuf-es's writer nests them). */
export function encodeGrpcPoint(point: Point): EncodedPoint {
  const writer = new BinaryWriter();
  writePointId(writer.tag(POINT_ID, LD).fork(), point.id).join();
  writeFields(writer, POINT_PAYLOAD, point.payload);
  const head = writer.finish();
  const { vectors } = vectorSizes(point.vector);
  const messageBytes = head.length + tagSize(POINT_VECTORS) + lengthPrefixed(vectors);
  return { head, vector: point.vector, messageBytes };
}

/**
 * The points as consecutive elements of a repeated message field numbered `fieldNo`, in one
 * buffer of the exact size, each vector copied once. The first element's tag is left out, for
 * the caller that writes it: protobuf-es writes an unknown field as its tag and then its bytes.
 */
export function writeRepeatedPoints(fieldNo: number, points: readonly EncodedPoint[]): Uint8Array {
  let total = 0;
  for (const point of points) total += tagSize(fieldNo) + lengthPrefixed(point.messageBytes);
  const out = new Uint8Array(total - (points.length > 0 ? tagSize(fieldNo) : 0));
  let pos = 0;
  for (const [i, point] of points.entries()) {
    if (i > 0) pos = putTag(out, pos, fieldNo);
    pos = putVarint(out, pos, point.messageBytes);
    out.set(point.head, pos);
    pos += point.head.length;
    const { floats, dense, vector, vectors } = vectorSizes(point.vector);
    pos = putVarint(out, putTag(out, pos, POINT_VECTORS), vectors);
    pos = putVarint(out, putTag(out, pos, VECTORS_VECTOR), vector);
    pos = putVarint(out, putTag(out, pos, VECTOR_DENSE), dense);
    pos = putVarint(out, putTag(out, pos, DENSE_DATA), floats);
    putFloats(out, pos, point.vector);
    pos += floats;
  }
  return out;
}

/** Message bytes of `Vectors { vector: Vector { dense: DenseVector { data: floats } } }`, level by level. */
function vectorSizes(vector: Float32Array) {
  const floats = vector.length * 4;
  const dense = tagSize(DENSE_DATA) + lengthPrefixed(floats);
  const outer = tagSize(VECTOR_DENSE) + lengthPrefixed(dense);
  return { floats, dense, vector: outer, vectors: tagSize(VECTORS_VECTOR) + lengthPrefixed(outer) };
}

/** A length-delimited value of `bytes` bytes with its length prefix. */
function lengthPrefixed(bytes: number): number {
  return varintSize(bytes) + bytes;
}

function writePointId(writer: BinaryWriter, id: PointId): BinaryWriter {
  return typeof id === 'number'
    ? writer.tag(ID_NUM, WireType.Varint).uint64(id)
    : writer.tag(ID_UUID, LD).string(id);
}

/** A `map<string, Value>` field; keys whose value is undefined are left out, as JSON does. */
function writeFields(writer: BinaryWriter, fieldNo: number, fields: Payload): void {
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    writer.tag(fieldNo, LD).fork().tag(1, LD).string(key).tag(2, LD).fork();
    writeValue(writer, value);
    writer.join().join();
  }
}

/** One JSON value as Qdrant's `Value`: integers as int64, other numbers as double. */
function writeValue(writer: BinaryWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      writer.tag(VALUE_STRING, LD).string(value);
      return;
    case 'boolean':
      writer.tag(VALUE_BOOL, WireType.Varint).bool(value);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) writer.tag(VALUE_INTEGER, WireType.Varint).int64(value);
      else writer.tag(VALUE_DOUBLE, WireType.Bit64).double(value);
      return;
    case 'bigint':
      writer.tag(VALUE_INTEGER, WireType.Varint).int64(value);
      return;
    default:
      if (value === null || value === undefined) {
        writer.tag(VALUE_NULL, WireType.Varint).int32(0);
      } else if (Array.isArray(value)) {
        writer.tag(VALUE_LIST, LD).fork();
        for (const item of value as unknown[]) {
          writer.tag(1, LD).fork();
          writeValue(writer, item);
          writer.join();
        }
        writer.join();
      } else {
        writer.tag(VALUE_STRUCT, LD).fork();
        writeFields(writer, 1, value as Payload);
        writer.join();
      }
  }
}

function tagSize(fieldNo: number): number {
  return varintSize((fieldNo << 3) | LD);
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size += 1;
  }
  return size;
}

function putTag(out: Uint8Array, pos: number, fieldNo: number): number {
  return putVarint(out, pos, (fieldNo << 3) | LD);
}

function putVarint(out: Uint8Array, pos: number, value: number): number {
  while (value > 0x7f) {
    out[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[pos++] = value;
  return pos;
}

/** Protobuf floats are little-endian: copied as they are on such hosts, swapped elsewhere. */
function putFloats(out: Uint8Array, pos: number, vector: Float32Array): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength), pos);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + pos, vector.byteLength);
  for (let i = 0; i < vector.length; i += 1) view.setFloat32(i * 4, vector[i]!, true);
}
