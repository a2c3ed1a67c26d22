import { entryOf, type Operation } from '../domain/index.js';
import type { Sample } from './aggregate.js';

/** Seconds of per-second series kept, counted back from the newest event. */
export const SERIES_SECONDS = 600;

/** One second of one operation, by event start time: what the dashboard charts draw. */
export interface SeriesPoint {
  /** Start of the second, ms since the epoch. */
  readonly t: number;
  readonly ops: number;
  readonly errors: number;
  readonly points: number;
  readonly mean_ms: number;
  readonly max_ms: number;
}

interface Bucket {
  ops: number;
  errors: number;
  points: number;
  sumUs: number;
  maxUs: number;
}

/** SeriesState as saved in the checkpoint: [operation, [[second, bucket]...]]. */
export type SeriesJson = readonly (readonly [Operation, readonly (readonly [number, Bucket])[]])[];

/**
 * Throughput and latency per second per operation, for the live dashboard. Integer sums and
 * maxima only, so like the summaries it is the same for any order of the same events.
 */
export class SeriesState {
  private readonly byOperation = new Map<Operation, Map<number, Bucket>>();
  private newestSecond = 0;
  // Pruning walks every bucket, so it runs only when the newest second moves on.
  private prunedBelow = 0;

  /** Counts one event in the second it started. */
  add(operation: Operation, sample: Sample): void {
    const second = Math.floor(sample.startUs / 1e6);
    this.newestSecond = Math.max(this.newestSecond, second);
    const oldest = this.newestSecond - SERIES_SECONDS + 1;
    if (second >= oldest) {
      const buckets = entryOf(this.byOperation, operation, () => new Map<number, Bucket>());
      const bucket = entryOf(buckets, second, () => ({
        ops: 0,
        errors: 0,
        points: 0,
        sumUs: 0,
        maxUs: 0,
      }));
      bucket.ops += 1;
      if (sample.error) bucket.errors += 1;
      bucket.points += sample.points;
      bucket.sumUs += sample.durationUs;
      bucket.maxUs = Math.max(bucket.maxUs, sample.durationUs);
    }
    if (oldest > this.prunedBelow) {
      this.prunedBelow = oldest;
      for (const buckets of this.byOperation.values()) {
        for (const s of buckets.keys()) if (s < oldest) buckets.delete(s);
      }
    }
  }

  /** Operations with at least one retained second, sorted. */
  operations(): Operation[] {
    return [...this.byOperation.keys()]
      .filter((op) => (this.byOperation.get(op)?.size ?? 0) > 0)
      .sort();
  }

  /** The retained seconds of one operation, oldest first. */
  pointsOf(operation: Operation): SeriesPoint[] {
    const buckets = this.byOperation.get(operation);
    if (buckets === undefined) return [];
    return [...buckets]
      .sort(([a], [b]) => a - b)
      .map(([second, b]) => ({
        t: second * 1000,
        ops: b.ops,
        errors: b.errors,
        points: b.points,
        mean_ms: b.sumUs / b.ops / 1000,
        max_ms: b.maxUs / 1000,
      }));
  }

  toJSON(): SeriesJson {
    return [...this.byOperation].map(
      ([op, buckets]) => [op, [...buckets].map(([s, b]) => [s, { ...b }] as const)] as const,
    );
  }

  /** Restores saved series. */
  static fromJSON(json: SeriesJson): SeriesState {
    const state = new SeriesState();
    for (const [op, buckets] of json) {
      state.byOperation.set(op, new Map(buckets.map(([s, b]) => [s, { ...b }])));
      for (const [s] of buckets) state.newestSecond = Math.max(state.newestSecond, s);
    }
    return state;
  }
}
