import { lastWriteWins } from '../domain/point-id.js';
import type { Payload, Point, PointId } from '../domain/types.js';

/** Qdrant's PointStruct JSON for one unnamed dense vector. */
export interface QdrantPointStruct {
  id: PointId;
  vector: number[];
  payload: Payload;
}

// Longest JSON text of a float32 widened to a JS number: sign, "0.", five zeros, 17 digits
// (1e-6 <= |x| < 1e-5 is the longest non-exponent form); one more byte for the comma.
const MAX_FLOAT_JSON_BYTES = 26;
// `{"id":"<uuid>","vector":[],"payload":}` and the array comma, rounded up.
const POINT_OVERHEAD_BYTES = 96;
// `{"points":[]}` rounded up.
const BODY_OVERHEAD_BYTES = 64;

/** Default cap on one upsert request body: half of Qdrant's default `max_request_size_mb` (32). */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Later points replace earlier ones with the same id, as if written one after another. */
export const dedupeById = lastWriteWins;

/** An upper bound of the JSON bytes `toPointStruct(point)` adds to a request body. */
export function estimatePointBytes(point: Point): number {
  return (
    point.vector.length * MAX_FLOAT_JSON_BYTES +
    Buffer.byteLength(JSON.stringify(point.payload), 'utf8') +
    POINT_OVERHEAD_BYTES
  );
}

/**
 * Splits items into consecutive chunks whose estimated request body (`estimate` bytes per
 * item) stays within `maxRequestBytes`. An item too large on its own still gets a chunk:
 * Qdrant judges it.
 */
export function chunkByRequestBytes<T>(
  items: readonly T[],
  maxRequestBytes: number,
  estimate: (item: T) => number,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = BODY_OVERHEAD_BYTES;
  for (const item of items) {
    const size = estimate(item);
    if (current.length > 0 && bytes + size > maxRequestBytes) {
      chunks.push(current);
      current = [];
      bytes = BODY_OVERHEAD_BYTES;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The wire form of one point: a plain number array, since JSON has no Float32Array. */
export function toPointStruct(point: Point): QdrantPointStruct {
  return { id: point.id, vector: Array.from(point.vector), payload: point.payload };
}
