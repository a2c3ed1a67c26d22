import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

/** One applied event as the aggregates see it; times and durations in whole microseconds. */
export interface Sample {
  readonly startUs: number;
  readonly durationUs: number;
  readonly points: number;
  readonly bytes: number;
  readonly error: boolean;
  /** A failure of the service's own (UNAVAILABLE, INTERNAL, ...), not the caller's. */
  readonly serverError: boolean;
  /** Refused credentials (UNAUTHENTICATED, PERMISSION_DENIED). */
  readonly authFailure: boolean;
  /** The calls the event stands for (aggregated refusals), each taking `durationUs`; 1 if absent. */
  readonly calls?: number;
}

/** An Aggregate as saved in the checkpoint. */
export interface AggregateJson {
  readonly count: number;
  readonly errors: number;
  /** Absent in checkpoints written before server errors were counted apart (read as 0). */
  readonly serverErrors?: number;
  readonly authFailures?: number;
  readonly points: number;
  readonly bytes: number;
  readonly sumUs: number;
  readonly minUs: number;
  readonly maxUs: number;
  readonly firstStartUs: number;
  readonly lastEndUs: number;
  /** The latency histogram, HdrHistogram's compressed base64 encoding. */
  readonly hist: string;
}

// Three significant digits: every percentile is within 0.1% of the exact value (HdrHistogram's
// guarantee). 32-bit buckets: percentiles of a 'packed' histogram cost ~100x more to read.
const HISTOGRAM = {
  bitBucketSize: 32,
  numberOfSignificantValueDigits: 3,
  autoResize: true,
} as const;

/** The latency percentiles a summary shows, in microseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * Everything a summary needs about a set of events, order-independent: counts and integer
 * sums commute, min/max too, and the histogram is a multiset of bucket counts. Applying the
 * same events in any order therefore gives an identical aggregate, which is what makes replay
 * reproduce live summaries exactly (floating-point sums would not).
 *
 * A live aggregate holds a histogram (~50 KB); `freeze` reduces it to its encoding (~0.2-2 KB)
 * and cached percentiles, for windows that no longer receive events. Adding to a frozen
 * aggregate (a late redelivery) thaws it first, so freezing never changes a result.
 */
export class Aggregate {
  count = 0;
  errors = 0;
  serverErrors = 0;
  authFailures = 0;
  points = 0;
  bytes = 0;
  sumUs = 0;
  minUs = Number.MAX_SAFE_INTEGER;
  maxUs = 0;
  firstStartUs = Number.MAX_SAFE_INTEGER;
  lastEndUs = 0;
  private histogram: Histogram | undefined;
  // Both are caches, cleared by add(): encoding and percentiles each cost a fraction of a ms.
  private encoded: string | undefined;
  private cachedPercentiles: Percentiles | undefined;

  /** Adds one event: as many calls as it stands for. */
  add(sample: Sample): void {
    const histogram = this.thaw();
    const calls = sample.calls ?? 1;
    this.count += calls;
    if (sample.error) this.errors += calls;
    if (sample.serverError) this.serverErrors += calls;
    if (sample.authFailure) this.authFailures += calls;
    this.points += sample.points;
    this.bytes += sample.bytes;
    this.sumUs += sample.durationUs * calls;
    this.minUs = Math.min(this.minUs, sample.durationUs);
    this.maxUs = Math.max(this.maxUs, sample.durationUs);
    this.firstStartUs = Math.min(this.firstStartUs, sample.startUs);
    this.lastEndUs = Math.max(this.lastEndUs, sample.startUs + sample.durationUs);
    histogram.recordValueWithCount(sample.durationUs, calls);
    this.encoded = undefined;
    this.cachedPercentiles = undefined;
  }

  /** p50, p95 and p99 in microseconds: HdrHistogram's highest equivalent values. */
  percentiles(): Percentiles {
    if (this.cachedPercentiles === undefined) {
      const h = this.histogram ?? this.decode();
      this.cachedPercentiles =
        this.count === 0
          ? { p50: 0, p95: 0, p99: 0 }
          : {
              p50: h.getValueAtPercentile(50),
              p95: h.getValueAtPercentile(95),
              p99: h.getValueAtPercentile(99),
            };
    }
    return this.cachedPercentiles;
  }

  /**
   * The events of several aggregates as one: counts and sums added, extremes kept, histograms
   * merged (HdrHistogram adds bucket counts, so percentiles are those of all the events). The
   * parts are left as they were, frozen ones included.
   */
  static merge(parts: readonly Aggregate[]): Aggregate {
    const merged = new Aggregate();
    const histogram = merged.thaw();
    for (const part of parts) {
      merged.count += part.count;
      merged.errors += part.errors;
      merged.serverErrors += part.serverErrors;
      merged.authFailures += part.authFailures;
      merged.points += part.points;
      merged.bytes += part.bytes;
      merged.sumUs += part.sumUs;
      merged.minUs = Math.min(merged.minUs, part.minUs);
      merged.maxUs = Math.max(merged.maxUs, part.maxUs);
      merged.firstStartUs = Math.min(merged.firstStartUs, part.firstStartUs);
      merged.lastEndUs = Math.max(merged.lastEndUs, part.lastEndUs);
      histogram.add(part.histogram ?? part.decode());
    }
    return merged;
  }

  /** Drops the histogram, keeping its encoding and percentiles. */
  freeze(): void {
    if (this.histogram === undefined) return;
    this.percentiles();
    this.encoded ??= encodeIntoCompressedBase64(this.histogram);
    this.histogram = undefined;
  }

  toJSON(): AggregateJson {
    this.encoded ??= encodeIntoCompressedBase64(this.thaw());
    return {
      count: this.count,
      errors: this.errors,
      serverErrors: this.serverErrors,
      authFailures: this.authFailures,
      points: this.points,
      bytes: this.bytes,
      sumUs: this.sumUs,
      minUs: this.minUs,
      maxUs: this.maxUs,
      firstStartUs: this.firstStartUs,
      lastEndUs: this.lastEndUs,
      hist: this.encoded,
    };
  }

  /** Restores a saved aggregate, frozen: its histogram is decoded when first needed. */
  static fromJSON(json: AggregateJson): Aggregate {
    const aggregate = new Aggregate();
    aggregate.count = json.count;
    aggregate.errors = json.errors;
    aggregate.serverErrors = json.serverErrors ?? 0;
    aggregate.authFailures = json.authFailures ?? 0;
    aggregate.points = json.points;
    aggregate.bytes = json.bytes;
    aggregate.sumUs = json.sumUs;
    aggregate.minUs = json.minUs;
    aggregate.maxUs = json.maxUs;
    aggregate.firstStartUs = json.firstStartUs;
    aggregate.lastEndUs = json.lastEndUs;
    aggregate.encoded = json.hist;
    return aggregate;
  }

  private thaw(): Histogram {
    this.histogram ??= this.encoded === undefined ? build(HISTOGRAM) : this.decode();
    return this.histogram;
  }

  private decode(): Histogram {
    if (this.encoded === undefined) return build(HISTOGRAM);
    const histogram = decodeFromCompressedBase64(this.encoded, HISTOGRAM.bitBucketSize);
    // Decoding does not restore auto-resize; without it a larger latency would throw.
    histogram.autoResize = true;
    return histogram;
  }
}
