import { Distance } from '../domain/types.js';

/**
 * Copies `source` into `target` at `offset`, normalized to unit length for cosine: Qdrant
 * stores cosine vectors normalized, so cosine becomes a dot product and a zero vector
 * scores 0 rather than NaN.
 */
export function writeStoredVector(
  distance: Distance,
  source: Float32Array,
  target: Float32Array,
  offset: number,
): void {
  if (distance !== Distance.Cosine) {
    target.set(source, offset);
    return;
  }
  let norm = 0;
  for (let i = 0; i < source.length; i++) norm += source[i]! * source[i]!;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < source.length; i++) target[offset + i] = source[i]! * scale;
}

/** The query vector as the stored vectors are kept (normalized for cosine). */
export function storedForm(distance: Distance, vector: Float32Array): Float32Array {
  const out = new Float32Array(vector.length);
  writeStoredVector(distance, vector, out, 0);
  return out;
}

/** True when a higher score is closer (cosine, dot); distances (euclid, manhattan) are lower. */
export function higherIsBetter(distance: Distance): boolean {
  return distance === Distance.Cosine || distance === Distance.Dot;
}

/** Scores stored vector `values[offset..offset+q.length)` against the query, as Qdrant does. */
export type Scorer = (q: Float32Array, values: Float32Array, offset: number) => number;

/** The scorer for a distance; for cosine both sides must already be normalized. */
export function scorerFor(distance: Distance): Scorer {
  switch (distance) {
    case Distance.Cosine:
    case Distance.Dot:
      return (q, v, o) => {
        let s = 0;
        for (let i = 0; i < q.length; i++) s += q[i]! * v[o + i]!;
        return s;
      };
    case Distance.Euclid:
      return (q, v, o) => {
        let s = 0;
        for (let i = 0; i < q.length; i++) {
          const d = q[i]! - v[o + i]!;
          s += d * d;
        }
        return Math.sqrt(s);
      };
    case Distance.Manhattan:
      return (q, v, o) => {
        let s = 0;
        for (let i = 0; i < q.length; i++) s += Math.abs(q[i]! - v[o + i]!);
        return s;
      };
  }
}

/** LanceDB's native distance for a Qdrant distance, or undefined when it has none (L1). */
export function lanceDistanceType(distance: Distance): 'dot' | 'l2' | undefined {
  switch (distance) {
    case Distance.Cosine:
    case Distance.Dot:
      return 'dot';
    case Distance.Euclid:
      return 'l2';
    case Distance.Manhattan:
      return undefined;
  }
}

/** Converts LanceDB's `_distance` to a Qdrant score: its dot distance is 1 - dot, its l2 squared. */
export function scoreFromLanceDistance(distance: Distance, lanceDistance: number): number {
  return distance === Distance.Euclid ? Math.sqrt(Math.max(0, lanceDistance)) : 1 - lanceDistance;
}

/** Keeps the best `limit` entries seen, in result order. */
export class TopK<T> {
  private readonly entries: { score: number; item: T }[] = [];
  private worst = 0;

  constructor(
    private readonly limit: number,
    private readonly higherBetter: boolean,
  ) {}

  /** True when `score` would enter the current top `limit`. */
  accepts(score: number): boolean {
    if (this.entries.length < this.limit) return true;
    return this.higherBetter ? score > this.worst : score < this.worst;
  }

  add(score: number, item: T): void {
    if (!this.accepts(score)) return;
    this.entries.push({ score, item });
    // Batch the sort: trim only when twice the limit, so adding stays amortized O(log n).
    if (this.entries.length >= this.limit * 2) this.trim();
    else if (this.entries.length === this.limit) this.trim();
  }

  /** The kept entries, best first. */
  result(): { score: number; item: T }[] {
    this.trim();
    return this.entries;
  }

  private trim(): void {
    const sign = this.higherBetter ? -1 : 1;
    this.entries.sort((a, b) => sign * (a.score - b.score));
    this.entries.length = Math.min(this.entries.length, this.limit);
    const last = this.entries[this.entries.length - 1];
    if (this.entries.length === this.limit && last !== undefined) this.worst = last.score;
  }
}
