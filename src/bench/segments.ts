import { round } from './context.js';

/** One moment of an ingest: milliseconds since it started and points acknowledged by then. */
export type AckMark = readonly [ms: number, acked: number];

/** The write rate over one stretch of an ingest (rows [from, to) of the table). */
export interface SegmentRate {
  readonly from: number;
  readonly to: number;
  readonly seconds: number;
  readonly vectors_per_s: number;
  /** The ingest ended before the segment was full. */
  readonly partial: boolean;
}

/**
 * The ingest cut into segments of `segmentVectors` acknowledged points, each with its own
 * rate: a store whose writes cost more as the table grows shows falling rates. A segment ends
 * at the first ack that reaches its boundary (batches do not align with it, so each segment
 * counts the points it really covered). `marks` must be in time order with growing counts.
 */
export function segmentRates(marks: readonly AckMark[], segmentVectors: number): SegmentRate[] {
  if (segmentVectors <= 0) throw new RangeError('segmentVectors must be positive');
  const out: SegmentRate[] = [];
  let startMs = 0;
  let startAcked = 0;
  let boundary = segmentVectors;
  const close = (ms: number, acked: number, partial: boolean) => {
    const seconds = (ms - startMs) / 1000;
    out.push({
      from: startAcked,
      to: acked,
      seconds: round(seconds),
      vectors_per_s: seconds > 0 ? round((acked - startAcked) / seconds, 1) : 0,
      partial,
    });
    startMs = ms;
    startAcked = acked;
  };
  for (const [ms, acked] of marks) {
    if (acked < boundary) continue;
    close(ms, acked, false);
    while (boundary <= acked) boundary += segmentVectors;
  }
  const last = marks[marks.length - 1];
  if (last !== undefined && last[1] > startAcked) close(last[0], last[1], true);
  return out;
}

/**
 * The last full segment's rate ÷ the first's: about 1 when writes cost the same whatever the
 * table size. Undefined with fewer than two full segments.
 */
export function lastVsFirst(segments: readonly SegmentRate[]): number | undefined {
  const full = segments.filter((s) => !s.partial);
  const first = full[0];
  const last = full[full.length - 1];
  if (full.length < 2 || first === undefined || last === undefined) return undefined;
  return first.vectors_per_s > 0 ? round(last.vectors_per_s / first.vectors_per_s) : undefined;
}

/** Segment size for `vectors`: a tenth of the ingest, at least one batch. */
export function defaultSegmentVectors(vectors: number, batchSize: number): number {
  return Math.max(batchSize, Math.ceil(vectors / 10));
}
