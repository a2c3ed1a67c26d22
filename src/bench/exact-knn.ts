import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { SyntheticTable } from './dataset.js';

// A million rows take a minute: yield now and then so signals and progress still get through.
const ROWS_PER_SLICE = 10_000;

/** One exact neighbour: row index and cosine similarity. */
export interface Neighbour {
  readonly index: number;
  readonly score: number;
}

/** Which rows a query may return (a payload filter's answer, from the row index alone). */
export type RowFilter = (row: number) => boolean;

/**
 * Exact cosine top-`k` of every query over rows [0, rows) of `table`, by brute force in one
 * pass: each stored vector is regenerated once and scored against every query, so memory
 * stays at one vector whatever the table size. `filters[q]`, when set, limits query q to the
 * rows it accepts. Rejects when `signal` aborts.
 */
export async function exactTopK(
  table: SyntheticTable,
  rows: number,
  queries: readonly Float32Array[],
  k: number,
  signal?: AbortSignal,
  filters: readonly (RowFilter | undefined)[] = [],
): Promise<Neighbour[][]> {
  const normalized = queries.map(normalize);
  const tops: Neighbour[][] = queries.map(() => []);
  const vector = new Float32Array(table.dims);
  for (let row = 0; row < rows; row++) {
    if (row % ROWS_PER_SLICE === 0 && row > 0) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
    }
    table.vector(row, vector);
    const norm = Math.sqrt(dot(vector, vector));
    if (norm === 0) continue;
    for (let q = 0; q < normalized.length; q++) {
      const accept = filters[q];
      if (accept !== undefined && !accept(row)) continue;
      const score = dot(normalized[q] as Float32Array, vector) / norm;
      insert(tops[q] as Neighbour[], { index: row, score }, k);
    }
  }
  return tops;
}

/**
 * Recall@k of returned ids against the exact neighbours. A returned id counts when it is among
 * the exact top k, or ties the k-th score within `tolerance` (the store scores in float32, so
 * a near-tie may legitimately swap the last places).
 */
export function recallAtK(
  returned: readonly string[],
  exact: readonly Neighbour[],
  idOf: (index: number) => string,
  k: number,
  tolerance = 1e-5,
): number {
  if (k === 0) return 1;
  const scores = new Map(exact.map((n) => [idOf(n.index), n.score]));
  const kth = exact[Math.min(k, exact.length) - 1]?.score ?? Number.NEGATIVE_INFINITY;
  let hits = 0;
  for (const id of returned.slice(0, k)) {
    const score = scores.get(id);
    if (score !== undefined && score >= kth - tolerance) hits += 1;
  }
  return hits / Math.min(k, exact.length);
}

function normalize(vector: Float32Array): Float32Array {
  const norm = Math.sqrt(dot(vector, vector));
  const out = new Float32Array(vector.length);
  if (norm > 0) for (let i = 0; i < vector.length; i++) out[i] = (vector[i] ?? 0) / norm;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

// Keeps `top` sorted by descending score with at most `size` entries.
function insert(top: Neighbour[], candidate: Neighbour, size: number): void {
  if (top.length === size && candidate.score <= (top[size - 1] as Neighbour).score) return;
  let at = top.length;
  while (at > 0 && (top[at - 1] as Neighbour).score < candidate.score) at--;
  top.splice(at, 0, candidate);
  if (top.length > size) top.pop();
}
