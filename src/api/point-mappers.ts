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

/**
 * A batch's wire points as the domain validates them; decoding problems become per-point
 * errors. Every vector is copied into one Float32Array for the whole batch and handed out as a
 * slice of it: a buffer of its own per vector took a sixth of the event loop's busy time under
 * a flood of 6 MiB batches, time another tenant's batch waited behind (docs/RELIABILITY.md,
 * "Known limits").
 */
export function pointInputsFromProto(points: readonly pb.Point[]): PointInput[] {
  const slab = new Float32Array(Math.floor(vectorBytes(points) / 4));
  let used = 0;
  const slice = (floats: number): Float32Array => slab.subarray(used, (used += floats));
  return points.map((point) => ({
    id: idInputFromProto(point.id),
    vector: vectorFromProto(point.vector, slice),
    ...payloadFromProto(point),
  }));
}

/**
 * As deep as a Struct payload can nest (the root object is level 1) before the protobuf
 * decoder's recursion limit refuses it: a payload_json stored deeper could not be read back.
 */
export const MAX_PAYLOAD_JSON_DEPTH = 32;

const [QUOTE, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET] = [
  0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d,
];
const OPENERS = [OPEN_BRACE, OPEN_BRACKET] as const;

/**
 * Whether JSON text nests objects and arrays past `limit`, by a scan of its bytes that skips
 * strings. It runs before JSON.parse, which takes seconds over a few MB of open brackets.
 */
function nestsDeeperThan(json: Uint8Array, limit: number): boolean {
  // Text that opens no more than `limit` objects and arrays cannot nest deeper: two native
  // searches settle a typical payload, where the scan below cost nearly what JSON.parse does.
  if (openings(json, limit) <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const byte = json[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** How many `{` and `[` bytes `json` holds, counting no further than `limit + 1`. */
function openings(json: Uint8Array, limit: number): number {
  let count = 0;
  for (const byte of OPENERS) {
    for (let at = json.indexOf(byte); at !== -1 && count <= limit; at = json.indexOf(byte, at + 1))
      count++;
  }
  return count;
}

/**
 * A `__proto__` key is dropped at any depth, as the Struct decoder drops it (it assigns keys
 * into plain objects), so both forms store the same payload; kept, it would be stored and
 * filtered on but never shown, and a reader assigning keys would take it for a prototype.
 */
function dropProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

// Only text holding "proto", or an escape that could spell it, can name the key: the reviver
// that drops it made JSON.parse of the bench's payloads 3.5x slower (7.2 against 2.0 µs).
function mayNameProto(text: string): boolean {
  return text.includes('proto') || text.includes('\\u');
}

function refuse(message: string): Pick<PointInput, 'payload' | 'payloadError'> {
  return { payload: {}, payloadError: { field: 'payload_json', message } };
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A wire point's payload: its Struct, or its payload_json parsed (a JSON object, strict UTF-8),
 * or why it is neither; an empty payload when both are unset.
 */
function payloadFromProto(point: pb.Point): Pick<PointInput, 'payload' | 'payloadError'> {
  const json = point.payloadJson;
  if (json === undefined) return { payload: point.payload ?? {} };
  if (point.payload !== undefined) return refuse('set payload or payload_json, not both');
  if (nestsDeeperThan(json, MAX_PAYLOAD_JSON_DEPTH))
    return refuse(`nests objects and arrays more than ${MAX_PAYLOAD_JSON_DEPTH} levels deep`);
  let parsed: unknown;
  try {
    const text = utf8.decode(json);
    parsed = mayNameProto(text) ? JSON.parse(text, dropProtoKeys) : JSON.parse(text);
  } catch (err) {
    return refuse(`is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return refuse(`must be a JSON object, not ${jsonKind(parsed)}`);
  return { payload: parsed as PointInput['payload'] };
}

/** A wire id before validation. */
export function idInputFromProto(id: pb.PointId | undefined): PointInput['id'] {
  const kind = id?.kind;
  if (kind === undefined) return undefined;
  if (kind.$case === 'num') return { kind: 'num', value: kind.value };
  return { kind: kind.$case === 'uuid' ? 'uuid' : 'record', value: kind.value };
}

/**
 * A wire vector as float32 in room from `allocate` (a buffer of its own by default), or why it
 * cannot be one. f32le bytes are copied rather than viewed: the decoder's slice of the message
 * need not be 4-byte aligned.
 */
export function vectorFromProto(
  vector: pb.Vector | undefined,
  allocate: (floats: number) => Float32Array = (floats) => new Float32Array(floats),
): Float32Array | { error: string } {
  const kind = vector?.kind;
  if (kind === undefined) return { error: 'is required' };
  if (kind.$case === 'dense') {
    if (kind.value.values.length === 0) return { error: 'is empty' };
    const out = allocate(kind.value.values.length);
    out.set(kind.value.values);
    return out;
  }
  const bytes = kind.value;
  if (bytes.length === 0) return { error: 'is empty' };
  if (bytes.length % 4 !== 0)
    return { error: `f32le has ${bytes.length} bytes, not a multiple of 4` };
  const out = allocate(bytes.length / 4);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
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
