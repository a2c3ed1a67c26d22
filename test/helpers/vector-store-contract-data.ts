import { randomBytes } from 'node:crypto';
import { randomVector } from './points.js';
import assert from 'node:assert/strict';
import type {
  Distance,
  Filter,
  Payload,
  Point,
  PointId,
  ScoredPoint,
} from '../../src/domain/types.js';

/** A collection name unique to one test: `contract_<slug>_<random>`, valid on every store. */
export function uniqueCollection(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return `contract_${slug}_${randomBytes(4).toString('hex')}`;
}

export { randomVector, seededRandom } from './points.js';

/** `count` points with ids 1..count, random vectors and a `group` payload cycling a, b, c. */
export function randomPoints(random: () => number, count: number, dim: number): Point[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    vector: randomVector(random, dim),
    payload: { group: ['a', 'b', 'c'][i % 3]!, rank: i },
  }));
}

/** Qdrant's score of `stored` for `query`, computed naively in float64. */
export function referenceScore(
  distance: Distance,
  query: Float32Array,
  stored: Float32Array,
): number {
  let dot = 0;
  let qq = 0;
  let ss = 0;
  let l2 = 0;
  let l1 = 0;
  for (let i = 0; i < query.length; i++) {
    const q = query[i]!;
    const s = stored[i]!;
    dot += q * s;
    qq += q * q;
    ss += s * s;
    l2 += (q - s) ** 2;
    l1 += Math.abs(q - s);
  }
  switch (distance) {
    case 'cosine':
      return dot / (Math.sqrt(qq) * Math.sqrt(ss));
    case 'dot':
      return dot;
    case 'euclid':
      return Math.sqrt(l2);
    case 'manhattan':
      return l1;
  }
}

/** The expected result of an exact search: brute force over `points`, best first. */
export function bruteForce(
  distance: Distance,
  points: readonly Point[],
  query: Float32Array,
  limit: number,
): { id: PointId; score: number }[] {
  const higherBetter = distance === 'cosine' || distance === 'dot';
  return points
    .map((p) => ({ id: p.id, score: referenceScore(distance, query, p.vector) }))
    .sort((a, b) => (higherBetter ? b.score - a.score : a.score - b.score))
    .slice(0, limit);
}

/** Asserts the same ids in the same order and scores equal within float32 error. */
export function assertSameHits(
  actual: readonly ScoredPoint[],
  expected: readonly { id: PointId; score: number }[],
  context: string,
): void {
  assert.deepEqual(
    actual.map((p) => p.id),
    expected.map((p) => p.id),
    `${context}: ids in order`,
  );
  actual.forEach((hit, i) => {
    const want = expected[i]!.score;
    const tolerance = 1e-4 * Math.max(1, Math.abs(want));
    assert.ok(
      Math.abs(hit.score - want) <= tolerance,
      `${context}: score #${i} ${hit.score} vs ${want}`,
    );
  });
}

/**
 * Payloads for filter tests, keyed by point id. Each filter case below states its expected
 * ids by hand (not via any evaluator), following Qdrant's semantics.
 */
export const FILTER_PAYLOADS: Record<number, Payload> = {
  1: { kind: 'a', n: 1, flag: true, tags: ['x', 'y'], meta: { level: 3, name: 'm1' } },
  2: { kind: 'b', n: 2, flag: false, tags: ['y'], meta: { level: 5 } },
  3: { kind: 'a', n: 3, flag: false, tags: [], score: 2.5 },
  4: { kind: 'c', n: [4, 10], meta: { name: 'm4' } },
  5: {},
  6: { kind: 'A', n: '1', flag: 'true', meta: 'flat' },
  7: { kind: ['b', 'c'], n: 2.5, items: [{ k: 1 }, { k: 2 }] },
};

/** A filter with the empty clauses left out. */
export type FilterSpec = Partial<Filter>;

/** The full filter for a spec. */
export function toFilter(spec: FilterSpec): Filter {
  return { must: spec.must ?? [], should: spec.should ?? [], mustNot: spec.mustNot ?? [] };
}

/** Filter cases with hand-computed matching ids over FILTER_PAYLOADS. */
export const FILTER_CASES: { name: string; filter: FilterSpec; ids: number[] }[] = [
  { name: 'empty filter', filter: {}, ids: [1, 2, 3, 4, 5, 6, 7] },
  {
    name: 'keyword is case-sensitive',
    filter: { must: [{ key: 'kind', match: 'a' }] },
    ids: [1, 3],
  },
  { name: 'keyword in array', filter: { must: [{ key: 'kind', match: 'c' }] }, ids: [4, 7] },
  { name: 'integer not string', filter: { must: [{ key: 'n', match: 1 }] }, ids: [1] },
  { name: 'integer in array', filter: { must: [{ key: 'n', match: 10 }] }, ids: [4] },
  { name: 'boolean true', filter: { must: [{ key: 'flag', match: true }] }, ids: [1] },
  { name: 'boolean false', filter: { must: [{ key: 'flag', match: false }] }, ids: [2, 3] },
  { name: 'keyword array element', filter: { must: [{ key: 'tags', match: 'y' }] }, ids: [1, 2] },
  { name: 'nested integer', filter: { must: [{ key: 'meta.level', match: 5 }] }, ids: [2] },
  { name: 'nested keyword', filter: { must: [{ key: 'meta.name', match: 'm4' }] }, ids: [4] },
  { name: 'range gt', filter: { must: [{ key: 'n', range: { gt: 1 } }] }, ids: [2, 3, 4, 7] },
  {
    name: 'range gte lte',
    filter: { must: [{ key: 'n', range: { gte: 1, lte: 2 } }] },
    ids: [1, 2],
  },
  { name: 'range lt none', filter: { must: [{ key: 'n', range: { lt: 1 } }] }, ids: [] },
  { name: 'range float', filter: { must: [{ key: 'score', range: { gt: 2 } }] }, ids: [3] },
  {
    name: 'nested range',
    filter: { must: [{ key: 'meta.level', range: { gte: 3, lt: 5 } }] },
    ids: [1],
  },
  {
    name: 'must all',
    filter: {
      must: [
        { key: 'kind', match: 'a' },
        { key: 'flag', match: false },
      ],
    },
    ids: [3],
  },
  {
    name: 'should any',
    filter: {
      should: [
        { key: 'kind', match: 'b' },
        { key: 'meta.name', match: 'm4' },
      ],
    },
    ids: [2, 4, 7],
  },
  {
    name: 'mustNot keeps missing keys',
    filter: { mustNot: [{ key: 'kind', match: 'a' }] },
    ids: [2, 4, 5, 6, 7],
  },
  {
    name: 'must with mustNot',
    filter: { must: [{ key: 'n', range: { gte: 1 } }], mustNot: [{ key: 'tags', match: 'x' }] },
    ids: [2, 3, 4, 7],
  },
  {
    name: 'must with should',
    filter: {
      must: [{ key: 'kind', match: 'a' }],
      should: [
        { key: 'tags', match: 'x' },
        { key: 'score', range: { gt: 2 } },
      ],
    },
    ids: [1, 3],
  },
];
