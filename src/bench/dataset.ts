import { wireId, wirePayload, wireVector } from '../client/index.js';
import { recordUuid, type Point } from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { mixSeed, mulberry32, payloadOf, recordIdOf } from './payloads.js';
import type { Encoding } from './profiles.js';

// Vectors cluster around this many centroids, as real embeddings do; uniform noise alone would
// make every point nearly equidistant from every other.
const CLUSTERS = 64;
const CENTROID_WEIGHT = 0.6;
// The noise of a vector is the sum of two rotated vectors from a pool: 2^32+ distinct
// combinations for ~1 µs per vector, where a random number per dimension took ~11 µs and
// made the bench client, not the service, the bottleneck.
const NOISE_POOL = 256;
const TO_UNIT = 2 / 4294967296;

/**
 * A synthetic table of one tenant: vector i, payload i and id i are pure functions of
 * (seed, i), so a batch can be rebuilt byte for byte for every baseline and the exact nearest
 * neighbours recomputed without keeping the vectors in memory.
 */
export class SyntheticTable {
  private readonly centroids: Float32Array;
  private readonly noise: Float32Array;

  constructor(
    readonly tenantId: string,
    readonly table: string,
    readonly dims: number,
    readonly count: number,
    readonly seed: number,
  ) {
    const next = mulberry32(mixSeed(seed, -1));
    // Pre-scaled, so a vector is one copy and two additions.
    const noiseWeight = (1 - CENTROID_WEIGHT) / 2;
    this.centroids = Float32Array.from(
      { length: CLUSTERS * dims },
      () => CENTROID_WEIGHT * (next() * TO_UNIT - 1),
    );
    this.noise = Float32Array.from(
      { length: NOISE_POOL * dims },
      () => noiseWeight * (next() * TO_UNIT - 1),
    );
  }

  /** Vector `index`, written into `out` when given. */
  vector(index: number, out = new Float32Array(this.dims)): Float32Array {
    const { dims } = this;
    const next = mulberry32(mixSeed(this.seed, index));
    const centroid = (next() % CLUSTERS) * dims;
    out.set(this.centroids.subarray(centroid, centroid + dims));
    for (let n = 0; n < 2; n++) {
      const start = (next() % NOISE_POOL) * dims;
      const shift = next() % dims;
      addRotated(out, this.noise.subarray(start, start + dims), shift);
    }
    return out;
  }

  /** A query near stored vector `index` (small deterministic perturbation), tagged `salt`. */
  query(index: number, salt: number): Float32Array {
    const out = this.vector(index);
    const next = mulberry32(mixSeed(this.seed ^ 0x27d4eb2f, salt));
    for (let d = 0; d < this.dims; d++) out[d] = (out[d] ?? 0) + 0.1 * (next() * TO_UNIT - 1);
    return out;
  }

  /** The source key of row `index`. */
  recordId(index: number): string {
    return recordIdOf(this.table, index);
  }

  /** The id the service stores for row `index`: the UUID v5 of its record key. */
  pointId(index: number): string {
    return recordUuid(this.tenantId, this.table, this.recordId(index));
  }

  /**
   * A wire point as an ETL sends it (record_id key). f32le sends the payload as JSON too (both
   * fast paths), dense sends it as a Struct.
   */
  wirePoint(index: number, encoding: Encoding): pb.Point {
    return {
      id: wireId({ recordId: this.recordId(index) }),
      vector: wireVector(this.vector(index), encoding),
      ...wirePayload(payloadOf(this.table, index, this.seed), encoding),
    };
  }

  /** The domain point the service writes for row `index`. */
  domainPoint(index: number): Point {
    return {
      id: this.pointId(index),
      vector: this.vector(index),
      payload: payloadOf(this.table, index, this.seed),
    };
  }

  /** Rows [from, to) in batches of `batchSize` wire points. */
  *wireBatches(
    batchSize: number,
    encoding: Encoding,
    from = 0,
    to = this.count,
  ): Generator<pb.Point[]> {
    for (let start = from; start < to; start += batchSize) {
      const end = Math.min(to, start + batchSize);
      const points: pb.Point[] = [];
      for (let i = start; i < end; i++) points.push(this.wirePoint(i, encoding));
      yield points;
    }
  }

  /** Rows [from, to) in batches of `batchSize` domain points: the direct baseline's input. */
  *domainBatches(batchSize: number, from = 0, to = this.count): Generator<Point[]> {
    for (let start = from; start < to; start += batchSize) {
      const end = Math.min(to, start + batchSize);
      const points: Point[] = [];
      for (let i = start; i < end; i++) points.push(this.domainPoint(i));
      yield points;
    }
  }
}

// out[d] += source[(d + shift) mod length], without a modulo per element.
function addRotated(out: Float32Array, source: Float32Array, shift: number): void {
  const head = source.length - shift;
  for (let d = 0; d < head; d++) out[d] = (out[d] as number) + (source[d + shift] as number);
  for (let d = head; d < source.length; d++)
    out[d] = (out[d] as number) + (source[d - head] as number);
}
