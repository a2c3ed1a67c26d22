import { entryOf, type Operation } from '../domain/index.js';
import type { Sample } from './aggregate.js';
import { parseSummaryKeyId } from './summary.js';

/** How finely a series is kept: the bucket length and how many buckets back from the newest. */
export interface SeriesResolution {
  readonly bucketMs: number;
  readonly buckets: number;
}

/** Per second for 10 minutes: what the charts of the last 5 minutes draw. */
export const SECOND_SERIES: SeriesResolution = { bucketMs: 1000, buckets: 600 };

/** Per minute for an hour: what the charts of the last hour (and of everything) draw. */
export const MINUTE_SERIES: SeriesResolution = { bucketMs: 60_000, buckets: 60 };

/** One bucket of one key, by event start time: what the dashboard charts draw. */
export interface SeriesPoint {
  /** Start of the bucket, ms since the epoch. */
  readonly t: number;
  readonly ops: number;
  readonly errors: number;
  readonly points: number;
  readonly mean_ms: number;
  readonly max_ms: number;
}

/** The series of one operation × tenant × collection, oldest bucket first. */
export interface KeyedSeries {
  readonly operation: Operation;
  /** Empty for events that named no valid tenant. */
  readonly tenant_id: string;
  readonly collection: string;
  readonly points: readonly SeriesPoint[];
}

interface Bucket {
  ops: number;
  errors: number;
  points: number;
  sumUs: number;
  maxUs: number;
}

/** SeriesState as saved in the checkpoint: [bucket index, [[summary key id, bucket]...]]. */
export type SeriesJson = readonly (readonly [number, readonly (readonly [string, Bucket])[]])[];

/**
 * Throughput and latency per bucket per summary key (operation × tenant × collection), for the
 * live dashboard's charts, which a tenant or collection filter narrows. Integer sums and maxima
 * only, so like the summaries it is the same for any order of the same events. Held by bucket
 * first, so retention drops whole buckets without walking the others.
 */
export class SeriesState {
  private readonly byBucket = new Map<number, Map<string, Bucket>>();
  private newestBucket = 0;

  constructor(readonly resolution: SeriesResolution) {}

  /** Counts one event, under its summary key id, in the bucket it started in. */
  add(keyId: string, sample: Sample): void {
    const index = Math.floor(sample.startUs / 1000 / this.resolution.bucketMs);
    if (index > this.newestBucket) {
      this.newestBucket = index;
      const oldest = this.oldestBucket();
      for (const kept of this.byBucket.keys()) if (kept < oldest) this.byBucket.delete(kept);
    }
    if (index < this.oldestBucket()) return;
    const keys = entryOf(this.byBucket, index, () => new Map<string, Bucket>());
    const bucket = entryOf(keys, keyId, () => ({
      ops: 0,
      errors: 0,
      points: 0,
      sumUs: 0,
      maxUs: 0,
    }));
    const calls = sample.calls ?? 1;
    bucket.ops += calls;
    if (sample.error) bucket.errors += calls;
    bucket.points += sample.points;
    bucket.sumUs += sample.durationUs * calls;
    bucket.maxUs = Math.max(bucket.maxUs, sample.durationUs);
  }

  /** Every key's retained buckets, keys in a stable order, each oldest first. */
  series(): KeyedSeries[] {
    const byKey = new Map<string, SeriesPoint[]>();
    for (const index of [...this.byBucket.keys()].sort((a, b) => a - b)) {
      for (const [keyId, b] of this.byBucket.get(index) ?? []) {
        entryOf(byKey, keyId, () => []).push({
          t: index * this.resolution.bucketMs,
          ops: b.ops,
          errors: b.errors,
          points: b.points,
          mean_ms: b.sumUs / b.ops / 1000,
          max_ms: b.maxUs / 1000,
        });
      }
    }
    return [...byKey]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([keyId, points]) => {
        const key = parseSummaryKeyId(keyId);
        return {
          operation: key.operation,
          tenant_id: key.tenantId,
          collection: key.collection,
          points,
        };
      });
  }

  toJSON(): SeriesJson {
    return [...this.byBucket].map(
      ([index, keys]) => [index, [...keys].map(([k, b]) => [k, { ...b }] as const)] as const,
    );
  }

  /** Restores saved series. */
  static fromJSON(resolution: SeriesResolution, json: SeriesJson): SeriesState {
    const state = new SeriesState(resolution);
    for (const [index, keys] of json) {
      state.byBucket.set(index, new Map(keys.map(([k, b]) => [k, { ...b }])));
      state.newestBucket = Math.max(state.newestBucket, index);
    }
    return state;
  }

  private oldestBucket(): number {
    return this.newestBucket - this.resolution.buckets + 1;
  }
}
