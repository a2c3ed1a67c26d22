import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { wireId, wireVector } from '../../src/client/index.js';

/** A deterministic pseudo-random generator (mulberry32), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A vector of `dim` values in [-1, 1). */
export function randomVector(random: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = random() * 2 - 1;
  return v;
}

/** Wire points with numeric ids `[from, from + count)` and a small payload. */
export function wirePoints(
  random: () => number,
  dim: number,
  from: number,
  count: number,
  encoding: 'f32le' | 'dense' = 'f32le',
): { points: pb.Point[]; vectors: Float32Array[] } {
  const vectors: Float32Array[] = [];
  const points: pb.Point[] = [];
  for (let i = 0; i < count; i++) {
    const vector = randomVector(random, dim);
    vectors.push(vector);
    points.push({
      id: wireId(from + i),
      vector: wireVector(vector, encoding),
      payload: { n: from + i, parity: (from + i) % 2 === 0 ? 'even' : 'odd' },
    });
  }
  return { points, vectors };
}

/**
 * Vectors around `count` seeded Gaussian centres in `dim` dimensions, as embeddings of a few
 * topics cluster; `near(k)` draws one around centre `k mod count` (spread 0.6 per value). Draws
 * come from one seeded stream, so a script that draws in the same order gets the same data.
 */
export function clusteredVectors(seed: number, dim: number, count: number) {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: count }, () => Float32Array.from({ length: dim }, gauss));
  return { near: (k: number) => centres[k % count]!.map((c) => c + 0.6 * gauss()) };
}

/** `v` scaled to length 1, as the store keeps cosine vectors. */
export function unitVector(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
