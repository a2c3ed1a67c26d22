/** One point of a rate over time: seconds since the start and units per second in that bucket. */
export type RatePoint = readonly [seconds: number, perSecond: number];

/** Counts units into fixed time buckets to draw throughput over time. */
export class RateSeries {
  private readonly buckets: number[] = [];
  private readonly started = performance.now();
  private lastMs = 0;

  constructor(private readonly bucketMs = 250) {}

  /** Adds `units` finished now. */
  add(units: number): void {
    const elapsed = performance.now() - this.started;
    this.lastMs = elapsed;
    const index = Math.floor(elapsed / this.bucketMs);
    while (this.buckets.length <= index) this.buckets.push(0);
    this.buckets[index] = (this.buckets[index] ?? 0) + units;
  }

  /**
   * The rate per bucket, stamped at each bucket's end, with adjacent buckets merged so there
   * are at most `maxPoints` (a long run would otherwise draw each batch as a spike). The last
   * bucket is partial: it is scaled by the time it covered, or dropped when that is under a
   * quarter bucket (a few units over a sliver of time would draw a spike too).
   */
  points(maxPoints = 100): RatePoint[] {
    const merge = Math.max(1, Math.ceil(this.buckets.length / maxPoints));
    const width = this.bucketMs * merge;
    const out: RatePoint[] = [];
    for (let first = 0; first < this.buckets.length; first += merge) {
      const units = this.buckets.slice(first, first + merge).reduce((a, b) => a + b, 0);
      const start = (first / merge) * width;
      const end = Math.min(start + width, this.lastMs);
      const last = first + merge >= this.buckets.length;
      if (last && first > 0 && end - start < width / 4) break;
      out.push([round3(end / 1000), Math.round((units * 1000) / Math.max(1, end - start))]);
    }
    return out;
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
